//! Runbook tasks: the tasks the caller may run, starting a run, a task's history; runs
//! (state, output, live events, cancel) in `runs`, admin-defined tasks in `defined`.

pub mod defined;
pub mod runs;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use bosun_frontend::authz::OperatorRole;
use bosun_frontend::error::AppError;
use bosun_frontend::model::{
    ProjectName, RunRequest, RunStarted, ServiceName, TaskDto, TaskName, TaskRunDto,
};
use bosun_frontend::ports::TasksPort;

use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Auth, JsonBody, PathParams, param};

fn names(
    project: &str,
    service: &str,
    name: &str,
) -> Result<(ProjectName, ServiceName, TaskName), ApiError> {
    Ok((
        param("project", project)?,
        param("service", service)?,
        param("name", name)?,
    ))
}

/// Every task on the host the caller's role may run: from labels (`bosun.task.NAME.*`) and
/// defined in bosun (a label task of the same name wins).
#[utoipa::path(get, path = "/api/v1/tasks", tag = "tasks",
    security(("session" = ["operator"]), ("token" = ["operator"])),
    responses((status = 200, body = Vec<TaskDto>), (status = 401, body = AppError), (status = 403, body = AppError)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth<OperatorRole>,
) -> Result<Json<Vec<TaskDto>>, ApiError> {
    Ok(Json(state.app.tasks.list(&actor).await?))
}

/// Runs a task (202): in the service's lowest-numbered running container (mode exec), or in a
/// new one-off container copied from the service and removed afterwards (mode run). Follow it
/// at `/api/v1/task-runs/{id}` or `…/events`. 400 a parameter that fails its pattern (the
/// error names it) or a missing confirmation; 403 a task for admins; 409 while the task runs,
/// while its service is stopped, scaled, restored or backed up, when its declaration cannot
/// be used, or when the service has no container to run in.
#[utoipa::path(post, path = "/api/v1/projects/{project}/services/{service}/tasks/{name}/runs", tag = "tasks",
    params(("project" = String, Path, description = "Compose project name"), ("service" = String, Path, description = "Service name"), ("name" = String, Path, description = "Task name")),
    request_body = RunRequest,
    security(("session" = ["operator"]), ("token" = ["operator"])),
    responses((status = 202, body = RunStarted), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError), (status = 409, body = AppError), (status = 500, body = AppError), (status = 503, body = AppError)))]
pub async fn run(
    State(state): State<AppState>,
    Auth(actor): Auth<OperatorRole>,
    PathParams((project, service, name)): PathParams<(String, String, String)>,
    JsonBody(request): JsonBody<RunRequest>,
) -> Result<(StatusCode, Json<RunStarted>), ApiError> {
    let (project, service, name) = names(&project, &service, &name)?;
    let started = state
        .app
        .tasks
        .run(&actor, &project, &service, &name, request)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(started)))
}

/// One task's runs, newest first (at most 200; runs of admin tasks for admins only).
#[utoipa::path(get, path = "/api/v1/projects/{project}/services/{service}/tasks/{name}/runs", tag = "tasks",
    params(("project" = String, Path, description = "Compose project name"), ("service" = String, Path, description = "Service name"), ("name" = String, Path, description = "Task name")),
    security(("session" = ["operator"]), ("token" = ["operator"])),
    responses((status = 200, body = Vec<TaskRunDto>), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError)))]
pub async fn history(
    State(state): State<AppState>,
    Auth(actor): Auth<OperatorRole>,
    PathParams((project, service, name)): PathParams<(String, String, String)>,
) -> Result<Json<Vec<TaskRunDto>>, ApiError> {
    let (project, service, name) = names(&project, &service, &name)?;
    Ok(Json(
        state
            .app
            .tasks
            .runs(&actor, &project, &service, &name)
            .await?,
    ))
}
