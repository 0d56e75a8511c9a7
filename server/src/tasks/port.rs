//! The tasks port: runs, their history and output, cancelling; every run and every refusal
//! is audited with who, what and how it ended (parameter values included, never a secret).

use std::time::Duration;

use async_trait::async_trait;
use bosun_frontend::authz::{Admin, Operator};
use bosun_frontend::error::AppError;
use bosun_frontend::model::{
    CancelReport, DefinedTaskDto, NewDefinedTask, OutputChunk, ProjectName, RunRequest, RunStarted,
    ServiceName, TaskDto, TaskName, TaskRunDto, TasksView,
};
use bosun_frontend::ports::TasksPort;

use super::TasksService;
use super::output::Stop;
use crate::audit::Owner;
use crate::error::OrInternal;

/// How long a cancel waits for the run to end before it answers.
const CANCEL_WAIT: Duration = Duration::from_secs(20);

impl TasksService {
    async fn tasks_for(&self, actor: &Operator) -> Result<Vec<TaskDto>, AppError> {
        Ok(self
            .catalog()
            .await?
            .tasks
            .iter()
            .filter(|t| actor.role().allows(t.spec.role))
            .map(|t| t.dto())
            .collect())
    }
}

#[async_trait]
impl TasksPort for TasksService {
    async fn view(&self, actor: &Operator) -> Result<TasksView, AppError> {
        let catalog = self.catalog().await?;
        let runs = self
            .inner
            .store
            .recent_runs(actor.role(), 50)
            .await
            .or_internal("reading the task runs")?;
        Ok(TasksView {
            tasks: catalog
                .tasks
                .iter()
                .filter(|t| actor.role().allows(t.spec.role))
                .map(|t| t.dto())
                .collect(),
            problems: catalog.problems,
            runs: runs.iter().map(|r| r.dto()).collect(),
        })
    }

    async fn list(&self, actor: &Operator) -> Result<Vec<TaskDto>, AppError> {
        self.tasks_for(actor).await
    }

    async fn run(
        &self,
        actor: &Operator,
        project: &ProjectName,
        service: &ServiceName,
        name: &TaskName,
        request: RunRequest,
    ) -> Result<RunStarted, AppError> {
        let result = async {
            let plan = self.plan(actor, project, service, name, &request).await?;
            self.launch(Owner::from(actor), plan).await
        }
        .await;
        // A started run is audited when it ends; a refusal now, with what was asked.
        if let Err(e) = &result {
            let params = serde_json::to_string(&request.params).unwrap_or_default();
            let outcome = if e.kind == bosun_frontend::error::ErrorKind::Forbidden {
                bosun_frontend::model::AuditOutcome::Denied
            } else {
                bosun_frontend::model::AuditOutcome::Failed
            };
            self.inner
                .audit
                .record(
                    actor.into(),
                    "task.run",
                    &format!("{project}/{service} {name}"),
                    outcome,
                    Some(format!("refused: {}; params {params}", e.message)),
                )
                .await;
        }
        Ok(RunStarted { id: result? })
    }

    async fn runs(
        &self,
        actor: &Operator,
        project: &ProjectName,
        service: &ServiceName,
        name: &TaskName,
    ) -> Result<Vec<TaskRunDto>, AppError> {
        let rows = self
            .inner
            .store
            .runs_of_task(project.as_str(), service.as_str(), name.as_str(), 200)
            .await
            .or_internal("reading the task runs")?;
        Ok(rows
            .iter()
            .filter(|r| actor.role().allows(r.role()))
            .map(|r| r.dto())
            .collect())
    }

    async fn get(&self, actor: &Operator, id: i64) -> Result<TaskRunDto, AppError> {
        Ok(self.readable(actor, id).await?.dto())
    }

    async fn output(&self, actor: &Operator, id: i64) -> Result<Vec<OutputChunk>, AppError> {
        self.readable(actor, id).await?;
        if let Some(live) = self.live(id) {
            return Ok(live.since(0).0);
        }
        self.inner
            .store
            .run_output(id)
            .await
            .or_internal("reading a task run's output")
    }

    async fn cancel(&self, actor: &Operator, id: i64) -> Result<CancelReport, AppError> {
        let result = async {
            let row = self.readable(actor, id).await?;
            let Some(live) = self.live(id) else {
                return Err(AppError::conflict(format!(
                    "Run #{id} is not running: it {}.",
                    row.status().title()
                )));
            };
            if !live.request_stop(Stop::Cancelled {
                by: actor.username().to_owned(),
            }) {
                return Err(AppError::conflict(format!(
                    "Run #{id} is being stopped already; it ends shortly."
                )));
            }
            let mut changed = live.watch();
            let ended = tokio::time::timeout(CANCEL_WAIT, async {
                loop {
                    if let Some(run) = live.ended() {
                        return Some(run);
                    }
                    if changed.changed().await.is_err() {
                        return None;
                    }
                }
            })
            .await
            .ok()
            .flatten();
            let note = live.stop_note().unwrap_or_default();
            let (message, run) = match ended {
                Some(run) => (format!("Run #{id} is {}: {note}.", run.status.title()), run),
                None => (
                    format!("Asked run #{id} to stop ({note}); it has not ended yet. Its page shows when it does."),
                    self.readable(actor, id).await?.dto(),
                ),
            };
            Ok((row.target(), CancelReport { message, run }))
        }
        .await;
        let target = match &result {
            Ok((target, _)) => target.clone(),
            Err(_) => format!("task run #{id}"),
        };
        self.inner
            .audit
            .outcome(actor.into(), "task.cancel", &target, &result)
            .await;
        result.map(|(_, report)| report)
    }

    async fn defined(&self, actor: &Admin) -> Result<Vec<DefinedTaskDto>, AppError> {
        self.defined_now(actor).await
    }

    async fn define(
        &self,
        actor: &Admin,
        task: NewDefinedTask,
    ) -> Result<DefinedTaskDto, AppError> {
        let target = format!("{}/{} {}", task.project, task.service, task.name);
        let result = self.define_now(actor, task).await;
        self.inner
            .audit
            .outcome(actor.into(), "task.define", &target, &result)
            .await;
        result
    }

    async fn undefine(&self, actor: &Admin, id: i64) -> Result<(), AppError> {
        let result = self.undefine_now(id).await;
        let target = match &result {
            Ok(t) => t.clone(),
            Err(_) => format!("defined task #{id}"),
        };
        self.inner
            .audit
            .outcome(actor.into(), "task.undefine", &target, &result)
            .await;
        result.map(drop)
    }
}
