//! Stack sets: "Back up project", one set with its parts, and restoring a set.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use bosun_frontend::authz::{AdminRole, OperatorRole, ViewerRole};
use bosun_frontend::error::AppError;
use bosun_frontend::model::{
    BackupSetDto, NewSetSchedule, SetRestoreReport, SetRestoreRequest, SetScheduleDto,
};
use bosun_frontend::ports::BackupSetsPort;

use super::backup_id;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Auth, JsonBody, PathParams};

/// Starts a stack set of a compose project (202): every database's dump, then every
/// service's files, one after another under one id. The set is `ok` only when every part
/// is; follow it with `GET /api/v1/backup-sets/{id}`. 409 when a part cannot run now.
#[utoipa::path(post, path = "/api/v1/projects/{project}/backup-sets", tag = "backups",
    params(("project" = String, Path, description = "Compose project")),
    security(("session" = ["operator"]), ("token" = ["operator"])),
    responses((status = 202, body = BackupSetDto), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError), (status = 409, body = AppError), (status = 507, body = AppError)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(actor): Auth<OperatorRole>,
    PathParams(project): PathParams<String>,
) -> Result<(StatusCode, Json<BackupSetDto>), ApiError> {
    let set = state.app.backups.start_set(&actor, &project).await?;
    Ok((StatusCode::ACCEPTED, Json(set)))
}

/// One set, with its parts (databases first, then files).
#[utoipa::path(get, path = "/api/v1/backup-sets/{id}", tag = "backups",
    params(("id" = i64, Path, description = "Set id")),
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, body = BackupSetDto), (status = 400, body = AppError), (status = 401, body = AppError), (status = 404, body = AppError)))]
pub async fn get(
    State(state): State<AppState>,
    Auth(actor): Auth<ViewerRole>,
    PathParams(id): PathParams<String>,
) -> Result<Json<BackupSetDto>, ApiError> {
    let id = backup_id(&id)?;
    Ok(Json(state.app.backups.get_set(&actor, id).await?))
}

/// Restores a good set (admin): its databases, then its files, each part after its own
/// safety backup. `confirm` must be the project name. Stops at the first part that fails.
#[utoipa::path(post, path = "/api/v1/backup-sets/{id}/restore", tag = "backups",
    params(("id" = i64, Path, description = "Set id")), request_body = SetRestoreRequest,
    security(("session" = ["admin"]), ("token" = ["admin"])),
    responses((status = 200, body = SetRestoreReport), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError), (status = 409, body = AppError), (status = 502, body = AppError), (status = 507, body = AppError)))]
pub async fn restore(
    State(state): State<AppState>,
    Auth(actor): Auth<AdminRole>,
    PathParams(id): PathParams<String>,
    JsonBody(request): JsonBody<SetRestoreRequest>,
) -> Result<Json<SetRestoreReport>, ApiError> {
    let id = backup_id(&id)?;
    Ok(Json(
        state.app.backups.restore_set(&actor, id, request).await?,
    ))
}

/// Deletes a set that is not running, with every part's files (admin).
#[utoipa::path(delete, path = "/api/v1/backup-sets/{id}", tag = "backups",
    params(("id" = i64, Path, description = "Set id")),
    security(("session" = ["admin"]), ("token" = ["admin"])),
    responses((status = 204, description = "Deleted"), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError), (status = 409, body = AppError)))]
pub async fn delete(
    State(state): State<AppState>,
    Auth(actor): Auth<AdminRole>,
    PathParams(id): PathParams<String>,
) -> Result<StatusCode, ApiError> {
    let id = backup_id(&id)?;
    state.app.backups.delete_set(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every project's set schedule, with its next and last run.
#[utoipa::path(get, path = "/api/v1/backup-set-schedules", tag = "backups",
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, body = Vec<SetScheduleDto>), (status = 401, body = AppError)))]
pub async fn schedules(
    State(state): State<AppState>,
    Auth(actor): Auth<ViewerRole>,
) -> Result<Json<Vec<SetScheduleDto>>, ApiError> {
    Ok(Json(state.app.backups.set_schedules(&actor).await?))
}

/// Backs a project up as a set on a schedule (admin): cron in UTC, and how many scheduled
/// sets to keep (0: all). Replaces the project's schedule if it has one.
#[utoipa::path(put, path = "/api/v1/projects/{project}/backup-sets/schedule", tag = "backups",
    params(("project" = String, Path, description = "Compose project")), request_body = NewSetSchedule,
    security(("session" = ["admin"]), ("token" = ["admin"])),
    responses((status = 200, body = SetScheduleDto), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError)))]
pub async fn put_schedule(
    State(state): State<AppState>,
    Auth(actor): Auth<AdminRole>,
    PathParams(project): PathParams<String>,
    JsonBody(schedule): JsonBody<NewSetSchedule>,
) -> Result<Json<SetScheduleDto>, ApiError> {
    Ok(Json(
        state
            .app
            .backups
            .put_set_schedule(&actor, &project, schedule)
            .await?,
    ))
}

/// Removes a project's set schedule (admin); its sets stay.
#[utoipa::path(delete, path = "/api/v1/projects/{project}/backup-sets/schedule", tag = "backups",
    params(("project" = String, Path, description = "Compose project")),
    security(("session" = ["admin"]), ("token" = ["admin"])),
    responses((status = 204, description = "Removed"), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError)))]
pub async fn delete_schedule(
    State(state): State<AppState>,
    Auth(actor): Auth<AdminRole>,
    PathParams(project): PathParams<String>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .backups
        .delete_set_schedule(&actor, &project)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
