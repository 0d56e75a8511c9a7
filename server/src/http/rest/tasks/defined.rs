//! Tasks defined by admins in bosun, for stacks whose compose file they cannot change.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use bosun_frontend::authz::AdminRole;
use bosun_frontend::error::AppError;
use bosun_frontend::model::{DefinedTaskDto, NewDefinedTask};
use bosun_frontend::ports::TasksPort;

use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Auth, JsonBody, PathParams};

/// The tasks defined in bosun, and whether a label task of the same name hides each.
#[utoipa::path(get, path = "/api/v1/tasks/defined", tag = "tasks",
    security(("session" = ["admin"]), ("token" = ["admin"])),
    responses((status = 200, body = Vec<DefinedTaskDto>), (status = 401, body = AppError), (status = 403, body = AppError)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth<AdminRole>,
) -> Result<Json<Vec<DefinedTaskDto>>, ApiError> {
    Ok(Json(state.app.tasks.defined(&actor).await?))
}

/// Defines a task (201), or replaces the one of the same project, service and name. The
/// fields are those of the labels; 400 says what cannot be used.
#[utoipa::path(post, path = "/api/v1/tasks/defined", tag = "tasks", request_body = NewDefinedTask,
    security(("session" = ["admin"]), ("token" = ["admin"])),
    responses((status = 201, body = DefinedTaskDto), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(actor): Auth<AdminRole>,
    JsonBody(task): JsonBody<NewDefinedTask>,
) -> Result<(StatusCode, Json<DefinedTaskDto>), ApiError> {
    let created = state.app.tasks.define(&actor, task).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Deletes a task defined in bosun.
#[utoipa::path(delete, path = "/api/v1/tasks/defined/{id}", tag = "tasks",
    params(("id" = i64, Path, description = "Defined task id")),
    security(("session" = ["admin"]), ("token" = ["admin"])),
    responses((status = 204, description = "Deleted"), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError)))]
pub async fn delete(
    State(state): State<AppState>,
    Auth(actor): Auth<AdminRole>,
    PathParams(id): PathParams<String>,
) -> Result<StatusCode, ApiError> {
    let id = id.trim().parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
        AppError::bad_request(
            "id",
            "A defined task's id is a positive whole number, as GET /api/v1/tasks/defined lists.",
        )
    })?;
    state.app.tasks.undefine(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
