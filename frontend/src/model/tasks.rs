//! Runbook tasks: the stack's maintenance commands as named tasks (declared by labels on a
//! service, or defined by admins in bosun), their runs, and what the pages and the REST API
//! show of them.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::role::Role;

/// The most output a run keeps (stdout and stderr together); the rest is counted, not kept.
pub const MAX_OUTPUT_BYTES: u64 = 5 * 1024 * 1024;

/// Where a task runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum TaskMode {
    /// In the service's lowest-numbered running container (`compose exec`).
    #[default]
    Exec,
    /// In a new one-off container made from the service's configuration, removed afterwards
    /// (`compose run --rm`).
    Run,
}

impl TaskMode {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskMode::Exec => "exec",
            TaskMode::Run => "run",
        }
    }
}

impl FromStr for TaskMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "exec" => Ok(TaskMode::Exec),
            "run" => Ok(TaskMode::Run),
            other => Err(format!(
                "mode “{}” is neither exec nor run",
                other.chars().take(20).collect::<String>()
            )),
        }
    }
}

/// Who declared a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum TaskSource {
    /// `bosun.task.*` labels in the compose file.
    Label,
    /// Defined by an admin in bosun (stored in SQLite).
    Bosun,
}

impl TaskSource {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskSource::Label => "label",
            TaskSource::Bosun => "bosun",
        }
    }
}

impl FromStr for TaskSource {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "label" => Ok(TaskSource::Label),
            "bosun" => Ok(TaskSource::Bosun),
            _ => Err(()),
        }
    }
}

/// How a run stands or ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Running,
    /// Exit code 0.
    Succeeded,
    /// Another exit code, or the engine failed it.
    Failed,
    /// Stopped by bosun when its timeout passed.
    TimedOut,
    /// Stopped by an operator.
    Cancelled,
    /// bosun stopped while it ran (found at bosun's next start).
    Interrupted,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 6] = [
        TaskStatus::Running,
        TaskStatus::Succeeded,
        TaskStatus::Failed,
        TaskStatus::TimedOut,
        TaskStatus::Cancelled,
        TaskStatus::Interrupted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Running => "running",
            TaskStatus::Succeeded => "succeeded",
            TaskStatus::Failed => "failed",
            TaskStatus::TimedOut => "timed_out",
            TaskStatus::Cancelled => "cancelled",
            TaskStatus::Interrupted => "interrupted",
        }
    }

    /// How the page says it.
    pub fn title(self) -> &'static str {
        match self {
            TaskStatus::Running => "running",
            TaskStatus::Succeeded => "succeeded",
            TaskStatus::Failed => "failed",
            TaskStatus::TimedOut => "timed out",
            TaskStatus::Cancelled => "cancelled",
            TaskStatus::Interrupted => "interrupted",
        }
    }

    pub fn is_finished(self) -> bool {
        self != TaskStatus::Running
    }
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TaskStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| "unknown task status".to_owned())
    }
}

/// A parameter a task takes: a field on the page, its value checked against `pattern`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ParamDto {
    pub name: String,
    /// A regular expression the whole value must match.
    pub pattern: String,
}

/// A task the caller may run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TaskDto {
    pub project: String,
    pub service: String,
    pub name: String,
    /// The `title` field, or the name.
    pub title: String,
    pub description: Option<String>,
    pub mode: TaskMode,
    /// The least role that may run it: operator or admin.
    pub role: Role,
    pub params: Vec<ParamDto>,
    pub source: TaskSource,
    /// The user types the task's name before it runs.
    pub confirm: bool,
    /// The argument list, with `{PARAM}` where a parameter goes. Never run by a shell.
    pub command: Vec<String>,
    pub user: Option<String>,
    pub workdir: Option<String>,
    pub timeout_secs: u64,
    /// A task of the same name defined in bosun is hidden by this label task.
    pub hides_defined: bool,
}

/// A task declaration that cannot be used, and why: nothing of it runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TaskProblem {
    pub project: String,
    pub service: String,
    /// The task's name as written (it may itself be the problem).
    pub name: String,
    pub source: TaskSource,
    pub reason: String,
}

/// The Tasks page (and the tasks on the Services page): what the caller may run, the
/// declarations that cannot be used, and the latest runs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TasksView {
    pub tasks: Vec<TaskDto>,
    pub problems: Vec<TaskProblem>,
    /// The latest runs of the tasks the caller may run, newest first.
    pub runs: Vec<TaskRunDto>,
}

/// `POST /api/v1/projects/{p}/services/{s}/tasks/{name}/runs`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    /// A value for every parameter the task declares.
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    /// The task's name, for a task that asks for confirmation.
    #[serde(default)]
    pub confirm: Option<String>,
}

/// A run started (202); follow it at `/api/v1/task-runs/{id}` or `…/events`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RunStarted {
    pub id: i64,
}

/// One run of a task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TaskRunDto {
    pub id: i64,
    pub task: String,
    pub project: String,
    pub service: String,
    /// The container it ran in (for `run` mode, the one-off container, since removed).
    pub container: Option<String>,
    /// The exact argument list, parameters filled in.
    pub argv: Vec<String>,
    pub params: BTreeMap<String, String>,
    pub mode: TaskMode,
    pub source: TaskSource,
    pub role: Role,
    pub status: TaskStatus,
    pub exit_code: Option<i64>,
    /// Why it failed, was stopped or cut short, in words.
    pub reason: Option<String>,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub duration_ms: Option<u64>,
    /// Who ran it.
    pub by: String,
    /// Output bytes written so far (kept or not).
    pub output_bytes: u64,
    /// More output came than is kept (5 MB).
    pub truncated: bool,
}

/// Which stream a piece of output came from; notes are bosun's own lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum OutputStream {
    Stdout,
    Stderr,
    Note,
}

impl OutputStream {
    pub fn as_str(self) -> &'static str {
        match self {
            OutputStream::Stdout => "stdout",
            OutputStream::Stderr => "stderr",
            OutputStream::Note => "note",
        }
    }
}

impl FromStr for OutputStream {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "stdout" => Ok(OutputStream::Stdout),
            "stderr" => Ok(OutputStream::Stderr),
            "note" => Ok(OutputStream::Note),
            _ => Err(()),
        }
    }
}

/// A piece of a run's output: plain text (colour codes stripped), never markup.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OutputChunk {
    pub stream: OutputStream,
    pub text: String,
}

/// A frame of `/api/v1/task-runs/{id}/events`: the run as it stands (first, and again when
/// it ends, which ends the stream), and its output as it arrives (what came before first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum RunEvent {
    Run(Box<TaskRunDto>),
    Output(OutputChunk),
}

/// What a cancel did, in words, and the run after it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CancelReport {
    pub message: String,
    pub run: TaskRunDto,
}

/// A task run id from a path: a positive whole number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunId(pub i64);

impl FromStr for RunId {
    type Err = &'static str;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().parse::<i64>() {
            Ok(id) if id > 0 => Ok(RunId(id)),
            _ => Err("A run id is a positive whole number, as POST …/runs answered."),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_events_read_as_the_api_writes_them() {
        for s in TaskStatus::ALL {
            assert_eq!(s.as_str().parse::<TaskStatus>(), Ok(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        let chunk = RunEvent::Output(OutputChunk {
            stream: OutputStream::Stderr,
            text: "<b>".into(),
        });
        let json = serde_json::to_string(&chunk).unwrap();
        assert_eq!(json, r#"{"type":"output","stream":"stderr","text":"<b>"}"#);
        assert_eq!(serde_json::from_str::<RunEvent>(&json).unwrap(), chunk);
        assert!(
            "x".parse::<TaskMode>()
                .unwrap_err()
                .contains("exec nor run")
        );
        assert!("0".parse::<RunId>().is_err());
    }
}
