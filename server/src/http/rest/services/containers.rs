use axum::Json;
use axum::extract::State;
use bosun_frontend::authz::OperatorRole;
use bosun_frontend::error::AppError;
use bosun_frontend::model::{ActionReport, ContainerAction, ContainerRef};
use bosun_frontend::ports::ServicesPort;

use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Auth, PathParams, param};

/// Start, stop or restart one container (by id, unique id prefix or name). Shares the busy
/// guard of its service.
#[utoipa::path(post, path = "/api/v1/containers/{id}/{action}", tag = "services",
    params(("id" = String, Path, description = "Container id, unique id prefix or name"), ("action" = ContainerAction, Path, description = "start, stop or restart")),
    security(("session" = ["operator"]), ("token" = ["operator"])),
    responses((status = 200, body = ActionReport), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError), (status = 409, body = AppError), (status = 502, body = AppError), (status = 503, body = AppError)))]
pub async fn action(
    State(state): State<AppState>,
    Auth(actor): Auth<OperatorRole>,
    PathParams((id, action)): PathParams<(String, String)>,
) -> Result<Json<ActionReport>, ApiError> {
    let id: ContainerRef = param("id", &id)?;
    let action: ContainerAction = param("action", &action)?;
    Ok(Json(
        state
            .app
            .services
            .container_action(&actor, &id, action)
            .await?,
    ))
}
