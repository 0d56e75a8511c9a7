//! Runbook tasks for the Tasks page and the service cards; a run's live output streams from
//! `/api/v1/task-runs/{id}/events` (REST).

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::parse_field;
use crate::model::{
    CancelReport, DefinedTaskDto, NewDefinedTask, RunStarted, TaskRunDto, TasksView,
};

#[cfg(feature = "ssr")]
use super::ctx;

/// The tasks the caller may run, unusable declarations, the latest runs.
#[server(prefix = "/sfn", endpoint = "operator/tasks")]
pub async fn load_tasks() -> Result<TasksView, AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::OperatorRole>()?;
        ctx::ports()?.tasks.view(&actor).await
    })
    .await
}

/// Starts a run with these parameter values (and the task's name, when it asks for it).
#[server(prefix = "/sfn", endpoint = "operator/run_task", input = server_fn::codec::Json)]
pub async fn run_task(
    project: String,
    service: String,
    name: String,
    params: BTreeMap<String, String>,
    confirm: Option<String>,
) -> Result<RunStarted, AppError> {
    ctx::run(async move {
        let project: crate::model::ProjectName = parse_field("project", &project)?;
        let service: crate::model::ServiceName = parse_field("service", &service)?;
        let name: crate::model::TaskName = parse_field("name", &name)?;
        let actor = ctx::actor::<crate::authz::OperatorRole>()?;
        ctx::ports()?
            .tasks
            .run(
                &actor,
                &project,
                &service,
                &name,
                crate::model::RunRequest { params, confirm },
            )
            .await
    })
    .await
}

/// One task's runs, newest first.
#[server(prefix = "/sfn", endpoint = "operator/task_history")]
pub async fn task_history(
    project: String,
    service: String,
    name: String,
) -> Result<Vec<TaskRunDto>, AppError> {
    ctx::run(async move {
        let project: crate::model::ProjectName = parse_field("project", &project)?;
        let service: crate::model::ServiceName = parse_field("service", &service)?;
        let name: crate::model::TaskName = parse_field("name", &name)?;
        let actor = ctx::actor::<crate::authz::OperatorRole>()?;
        ctx::ports()?
            .tasks
            .runs(&actor, &project, &service, &name)
            .await
    })
    .await
}

#[server(prefix = "/sfn", endpoint = "operator/cancel_task_run")]
pub async fn cancel_task_run(id: String) -> Result<CancelReport, AppError> {
    ctx::run(async move {
        let crate::model::RunId(id) = parse_field("id", &id)?;
        let actor = ctx::actor::<crate::authz::OperatorRole>()?;
        ctx::ports()?.tasks.cancel(&actor, id).await
    })
    .await
}

#[server(prefix = "/sfn", endpoint = "admin/defined_tasks")]
pub async fn defined_tasks() -> Result<Vec<DefinedTaskDto>, AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::AdminRole>()?;
        ctx::ports()?.tasks.defined(&actor).await
    })
    .await
}

#[server(prefix = "/sfn", endpoint = "admin/define_task", input = server_fn::codec::Json)]
pub async fn define_task(task: NewDefinedTask) -> Result<DefinedTaskDto, AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::AdminRole>()?;
        ctx::ports()?.tasks.define(&actor, task).await
    })
    .await
}

#[server(prefix = "/sfn", endpoint = "admin/delete_defined_task")]
pub async fn delete_defined_task(id: String) -> Result<(), AppError> {
    ctx::run(async move {
        let id = id
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|i| *i > 0)
            .ok_or_else(|| {
                AppError::bad_request("id", "A defined task's id is a positive whole number.")
            })?;
        let actor = ctx::actor::<crate::authz::AdminRole>()?;
        ctx::ports()?.tasks.undefine(&actor, id).await
    })
    .await
}
