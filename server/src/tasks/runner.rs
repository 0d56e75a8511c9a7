//! Starting a run: the checks before it (the task, its role, the confirmation, every
//! parameter against its pattern, a container to run in), the claim on the task, the row;
//! and ending it: the outcome stored, audited and, when it failed, notified.

use std::sync::Arc;

use bosun_frontend::authz::{Actor, AdminRole, Requirement};
use bosun_frontend::error::AppError;
use bosun_frontend::model::task_params::{check_values, fill};
use bosun_frontend::model::{
    AuditOutcome, NotifyEvent, ProjectName, Role, RunRequest, ServiceName, TaskMode, TaskName,
    TaskStatus,
};

use super::TasksService;
use super::catalog;
use super::drive::{Outcome, Plan};
use super::output::{LiveRun, Stop};
use crate::audit::Owner;
use crate::busy::{Claim, Resource, Work};
use crate::error::OrInternal;
use crate::notify::{Notification, Severity};
use crate::store::tasks::{Finish, NewRun, RunRow};

impl TasksService {
    /// Checks a run request: 404 no such task, 409 unusable or nowhere to run, 403 the task
    /// needs the admin role, 400 a missing confirmation or a parameter that fails its pattern,
    /// 503 no engine.
    pub(super) async fn plan<R: Requirement>(
        &self,
        actor: &Actor<R>,
        project: &ProjectName,
        service: &ServiceName,
        name: &TaskName,
        request: &RunRequest,
    ) -> Result<Plan, AppError> {
        self.plan_with(project, service, name, request, |spec| {
            if spec.role == Role::Admin {
                actor.also::<AdminRole>().map_err(|_| {
                    AppError::forbidden(format!(
                        "The task {name} of {project}/{service} needs the admin role; you have the {} role. Ask an admin to run it.",
                        actor.role()
                    ))
                })?;
            }
            Ok(())
        })
        .await
    }

    /// The same checks, with the caller's check of the task's role (`may_run`).
    pub(super) async fn plan_with(
        &self,
        project: &ProjectName,
        service: &ServiceName,
        name: &TaskName,
        request: &RunRequest,
        may_run: impl FnOnce(&super::spec::TaskSpec) -> Result<(), AppError>,
    ) -> Result<Plan, AppError> {
        let catalog = self.catalog().await?;
        let same = |p: &str, s: &str| p == project.as_str() && s == service.as_str();
        let Some(found) = catalog
            .tasks
            .into_iter()
            .find(|t| same(t.project.as_str(), t.service.as_str()) && t.spec.name == *name)
        else {
            if let Some(problem) = catalog
                .problems
                .iter()
                .find(|p| same(&p.project, &p.service) && p.name == name.as_str())
            {
                return Err(AppError::conflict(format!(
                    "The task {name} of {project}/{service} cannot be used: {}. Fix its declaration; nothing runs until then.",
                    problem.reason
                )));
            }
            return Err(AppError::not_found(format!(
                "{project}/{service} has no task “{name}”. The Tasks page lists the tasks on this host; tasks are declared with labels bosun.task.NAME.command, or by an admin in bosun."
            )));
        };
        let spec = &found.spec;
        may_run(spec)?;
        if spec.confirm && request.confirm.as_deref().map(str::trim) != Some(name.as_str()) {
            return Err(AppError::bad_request(
                "confirm",
                format!("The task {name} asks for confirmation: type its name, {name}, to run it."),
            ));
        }
        check_values(&spec.param_names(), &request.params)?;
        for p in &spec.params {
            let value = request
                .params
                .get(p.name.as_str())
                .map_or("", String::as_str);
            if !p.regex.is_match(value) {
                return Err(AppError::bad_request(
                    &format!("params.{}", p.name),
                    format!(
                        "The value of the parameter {} does not match its pattern {}. Change the value and try again.",
                        p.name, p.pattern
                    ),
                ));
            }
        }
        let argv = fill(&spec.command, &request.params);
        self.inner.engine.ready()?;
        let records = self.inner.engine.inventory().records();
        let containers = catalog::services(&records)
            .remove(&(project.clone(), service.clone()))
            .unwrap_or_default();
        let container = match spec.mode {
            TaskMode::Exec => containers.into_iter().find(|r| r.is_running()).ok_or_else(|| {
                AppError::conflict(format!(
                    "No container of {project}/{service} is running, and the task {name} runs in one (mode exec). Start the service, then run it."
                ))
            })?,
            TaskMode::Run => containers.into_iter().next().ok_or_else(|| {
                AppError::conflict(format!(
                    "{project}/{service} has no container to copy for the task {name} (mode run). Bring the service up with compose first."
                ))
            })?,
        };
        Ok(Plan {
            found,
            argv,
            params: request.params.clone(),
            container,
        })
    }

    /// Claims the task (409 while it runs, or while its service is stopped, scaled, restored
    /// or backed up), records the run and starts it in the background.
    pub(super) async fn launch(&self, owner: Owner, plan: Plan) -> Result<i64, AppError> {
        self.launch_as(owner, plan, Work::Task).await
    }

    /// The same, claimed as `work` (a backup's hook runs beside its backup).
    pub(super) async fn launch_as(
        &self,
        owner: Owner,
        plan: Plan,
        work: Work,
    ) -> Result<i64, AppError> {
        let f = &plan.found;
        let claim = self.inner.busy.claim(
            Resource::task(f.project.as_str(), f.service.as_str(), f.spec.name.as_str()),
            work,
            &owner.username,
        )?;
        let token = uuid::Uuid::new_v4().to_string();
        let row = self
            .inner
            .store
            .insert_run(&NewRun {
                project: f.project.as_str(),
                service: f.service.as_str(),
                task: f.spec.name.as_str(),
                source: f.source,
                mode: f.spec.mode,
                role: f.spec.role,
                argv: &plan.argv,
                params: &plan.params,
                container: (f.spec.mode == TaskMode::Exec).then_some(plan.container.name.as_str()),
                token: &token,
                actor: &owner.username,
                at_ms: self.inner.clock.now_ms(),
            })
            .await
            .or_internal("recording the task run")?;
        claim.step(&format!("running task {}", f.spec.name), Some(row.id));
        let live = LiveRun::new(row.id);
        self.live_runs().insert(row.id, live.clone());
        let id = row.id;
        let this = self.clone();
        tokio::spawn(async move {
            let outcome = this.drive(&row, &plan, &live).await;
            this.finish(claim, row, &plan, live, owner, outcome).await;
        });
        Ok(id)
    }

    /// Stores, audits and (on failure) notifies how the run ended, then frees the task.
    async fn finish(
        &self,
        claim: Claim,
        row: RunRow,
        plan: &Plan,
        live: Arc<LiveRun>,
        owner: Owner,
        outcome: Outcome,
    ) {
        let (total, truncated) = live.counts();
        if truncated {
            live.note(format!(
                "bosun kept the first 5 MB of this output; {total} bytes were written in all."
            ));
        }
        self.store_output(&live).await;
        let status = match (&outcome.stopped, outcome.exit_code, &outcome.error) {
            (Some(Stop::Cancelled { .. }), _, _) => TaskStatus::Cancelled,
            (Some(Stop::TimedOut), _, _) => TaskStatus::TimedOut,
            (None, Some(0), None) => TaskStatus::Succeeded,
            _ => TaskStatus::Failed,
        };
        let mut reasons: Vec<String> = Vec::new();
        match &outcome.stopped {
            Some(Stop::Cancelled { by }) => reasons.push(format!("cancelled by {by}")),
            Some(Stop::TimedOut) => reasons.push(format!(
                "still running after its timeout of {}",
                humantime::format_duration(plan.found.spec.timeout)
            )),
            None => {}
        }
        if let Some(note) = live.stop_note() {
            reasons.push(note);
        }
        reasons.extend(outcome.error.iter().cloned());
        if let (None, None, Some(code)) = (&outcome.stopped, &outcome.error, outcome.exit_code)
            && code != 0
        {
            reasons.push(format!("exited with code {code}"));
        }
        reasons.extend(outcome.notes.iter().cloned());
        let reason = (!reasons.is_empty()).then(|| reasons.join("; "));
        let at = self.inner.clock.now_ms();
        let finished = self
            .inner
            .store
            .finish_run(
                row.id,
                &Finish {
                    status,
                    exit_code: outcome.exit_code,
                    reason: reason.as_deref(),
                    output_bytes: total,
                    truncated,
                    at_ms: at,
                },
            )
            .await;
        if let Err(e) = finished {
            tracing::error!(error = %e, id = row.id, "could not record how a task run ended");
        }
        let done = match self.inner.store.run(row.id).await {
            Ok(Some(r)) => r,
            _ => row.clone(),
        };
        let took = (at - row.started_at) as f64 / 1000.0;
        let container = done
            .container
            .clone()
            .unwrap_or_else(|| "no container".into());
        let code = outcome
            .exit_code
            .map_or_else(|| "no exit code".to_owned(), |c| format!("exit code {c}"));
        let detail = format!(
            "{}: argv {} in {container}; {code}; {took:.1} s; params {}{}",
            status.title(),
            row.argv,
            row.params,
            reason
                .as_deref()
                .map(|r| format!("; {r}"))
                .unwrap_or_default()
        );
        let audited = if status == TaskStatus::Succeeded {
            AuditOutcome::Ok
        } else {
            AuditOutcome::Failed
        };
        self.inner
            .audit
            .record(
                owner.who(),
                "task.run",
                &done.target(),
                audited,
                Some(detail),
            )
            .await;
        if matches!(status, TaskStatus::Failed | TaskStatus::TimedOut) {
            let why = reason.clone().unwrap_or_default();
            self.inner.notifier.send(Notification::new(
                NotifyEvent::TaskFailed,
                Severity::Critical,
                format!("Task {} on {}/{} {}", row.task, row.project, row.service, status.title()),
                format!("Run #{} of {} on {}/{} (started by {}) {}: {why}", row.id, row.task, row.project, row.service, row.actor, status.title()),
                serde_json::json!({"run_id": row.id, "task": row.task, "project": row.project, "service": row.service, "status": status.as_str(), "exit_code": outcome.exit_code, "reason": why}),
            ));
        }
        live.end(done.dto());
        self.live_runs().remove(&row.id);
        drop(claim);
    }

    /// Writes the output the store has not got yet.
    pub(super) async fn store_output(&self, live: &LiveRun) {
        let unstored = live.take_unstored();
        if unstored.chunks.is_empty() && unstored.total == 0 {
            return;
        }
        let first = i64::try_from(unstored.first).unwrap_or(i64::MAX);
        if let Err(e) = self
            .inner
            .store
            .append_output(
                live.id,
                first,
                &unstored.chunks,
                unstored.total,
                unstored.truncated,
            )
            .await
        {
            tracing::error!(error = %e, id = live.id, "could not store a task run's output");
        }
    }
}
