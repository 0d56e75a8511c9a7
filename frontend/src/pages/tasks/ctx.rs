//! What a page that runs tasks provides to the task dialog: which task is open, which run.

use crate::model::TaskDto;

/// What the task dialog shows: a task's form, or a run (started from the form, or opened
/// from a history).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Opened {
    pub task: Option<TaskDto>,
    pub run: Option<i64>,
}

impl Opened {
    pub fn task(task: TaskDto) -> Self {
        Opened {
            task: Some(task),
            run: None,
        }
    }

    pub fn run(id: i64) -> Self {
        Opened {
            task: None,
            run: Some(id),
        }
    }

    pub fn is_open(&self) -> bool {
        self.task.is_some() || self.run.is_some()
    }
}

/// A task's command as one line of text: each argument as JSON would write it, so the page
/// shows exactly what runs (spaces and quotes included).
pub fn argv_text(argv: &[String]) -> String {
    serde_json::to_string(argv).unwrap_or_default()
}
