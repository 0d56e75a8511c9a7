//! Runbook tasks a file backup runs around its copy (`bosun.backup.before` and
//! `bosun.backup.after` name a task of the same service): for example a flush, or a
//! maintenance mode on and off. A hook is an ordinary run (recorded, audited, its output
//! kept on the Tasks page) that runs beside the backup holding its service. It takes no
//! parameters and never needs the admin role, since an operator's backup starts it.

use bosun_frontend::error::AppError;
use bosun_frontend::model::{ProjectName, Role, RunRequest, ServiceName, TaskName, TaskStatus};

use super::TasksService;
use crate::audit::Owner;
use crate::busy::Work;

impl TasksService {
    /// Runs the task `name` of `project`/`service` and waits for its end: Ok when it
    /// succeeded, else why not (the run's number included, to find its output).
    pub async fn run_hook(
        &self,
        owner: Owner,
        project: &ProjectName,
        service: &ServiceName,
        name: &str,
    ) -> Result<(), String> {
        let task: TaskName = name
            .trim()
            .parse()
            .map_err(|e| format!("“{}” is not a task name: {e}", name.trim()))?;
        let request = RunRequest {
            // Naming it in the label is the confirmation a confirmed task asks for.
            confirm: Some(task.as_str().to_owned()),
            ..Default::default()
        };
        let plan = self
            .plan_with(project, service, &task, &request, |spec| {
                if spec.role == Role::Admin {
                    return Err(AppError::forbidden(format!(
                        "the task {task} needs the admin role, and a backup hook runs only tasks an operator may run"
                    )));
                }
                Ok(())
            })
            .await
            .map_err(|e| e.message)?;
        let id = self
            .launch_as(owner, plan, Work::Hook)
            .await
            .map_err(|e| e.message)?;
        let live = self
            .live(id)
            .ok_or_else(|| format!("run #{id} of {task} ended before bosun could follow it"))?;
        let mut changed = live.watch();
        loop {
            if let Some(run) = live.ended() {
                return match run.status {
                    TaskStatus::Succeeded => Ok(()),
                    status => Err(format!(
                        "the task {task} (run #{id}) {}{}",
                        status.title(),
                        run.reason.map(|r| format!(": {r}")).unwrap_or_default()
                    )),
                };
            }
            if changed.changed().await.is_err() {
                return Err(format!("bosun lost track of run #{id} of {task}"));
            }
        }
    }
}
