//! Backup schedules: one per database, set through bosun or by the `bosun.backup.schedule`
//! label (bosun's own wins when both exist).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use bosun_frontend::authz::{AdminRole, ViewerRole};
use bosun_frontend::error::AppError;
use bosun_frontend::model::{NewSchedule, ScheduleDto, ScheduleKey};
use bosun_frontend::ports::BackupsPort;

use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Auth, JsonBody, QueryParams};

/// Every schedule in force, with its next run, last run and any run missed while bosun was down.
#[utoipa::path(get, path = "/api/v1/schedules", tag = "backups",
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, body = Vec<ScheduleDto>), (status = 401, body = AppError)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth<ViewerRole>,
) -> Result<Json<Vec<ScheduleDto>>, ApiError> {
    Ok(Json(state.app.backups.schedules(&actor).await?))
}

/// Sets a database's schedule and retention (admin); replaces an earlier one.
#[utoipa::path(post, path = "/api/v1/schedules", tag = "backups", request_body = NewSchedule,
    security(("session" = ["admin"]), ("token" = ["admin"])),
    responses((status = 200, body = ScheduleDto), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError)))]
pub async fn set(
    State(state): State<AppState>,
    Auth(actor): Auth<AdminRole>,
    JsonBody(schedule): JsonBody<NewSchedule>,
) -> Result<Json<ScheduleDto>, ApiError> {
    Ok(Json(
        state.app.backups.set_schedule(&actor, schedule).await?,
    ))
}

/// Removes a database's schedule set in bosun (admin).
#[utoipa::path(delete, path = "/api/v1/schedules", tag = "backups", params(ScheduleKey),
    security(("session" = ["admin"]), ("token" = ["admin"])),
    responses((status = 204, description = "Removed"), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError)))]
pub async fn delete(
    State(state): State<AppState>,
    Auth(actor): Auth<AdminRole>,
    QueryParams(key): QueryParams<ScheduleKey>,
) -> Result<StatusCode, ApiError> {
    state.app.backups.delete_schedule(&actor, key).await?;
    Ok(StatusCode::NO_CONTENT)
}
