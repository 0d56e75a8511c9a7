use axum::Json;
use axum::extract::State;
use bosun_frontend::authz::{AdminRole, OperatorRole, ViewerRole};
use bosun_frontend::error::AppError;
use bosun_frontend::model::details::{ContainerDetails, RevealedVar};
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

/// One container in full: image (reference, id, registry digests), command, entrypoint,
/// working dir, user, environment (values of secret-looking variables left out), mounts,
/// networks with addresses and aliases, ports, labels by group, restart policy, limits, the
/// health check with its last results, times, restarts and exit code.
#[utoipa::path(get, path = "/api/v1/containers/{id}/details", tag = "services",
    params(("id" = String, Path, description = "Container id, unique id prefix or name")),
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, body = ContainerDetails), (status = 400, body = AppError), (status = 401, body = AppError), (status = 404, body = AppError), (status = 503, body = AppError)))]
pub async fn details(
    State(state): State<AppState>,
    Auth(actor): Auth<ViewerRole>,
    PathParams(id): PathParams<String>,
) -> Result<Json<ContainerDetails>, ApiError> {
    let id: ContainerRef = param("id", &id)?;
    Ok(Json(state.app.services.details(&actor, &id).await?))
}

/// The value of one variable the details hide (admin); audited as who saw which variable of
/// which container, never the value. 400 for a variable that is not hidden.
#[utoipa::path(post, path = "/api/v1/containers/{id}/env/{name}/reveal", tag = "services",
    params(("id" = String, Path, description = "Container id, unique id prefix or name"), ("name" = String, Path, description = "Variable name")),
    security(("session" = ["admin"]), ("token" = ["admin"])),
    responses((status = 200, body = RevealedVar), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError), (status = 503, body = AppError)))]
pub async fn reveal(
    State(state): State<AppState>,
    Auth(actor): Auth<AdminRole>,
    PathParams((id, name)): PathParams<(String, String)>,
) -> Result<Json<RevealedVar>, ApiError> {
    let id: ContainerRef = param("id", &id)?;
    let name = crate::services::details::variable_name(&name)?;
    let value = state.app.services.reveal(&actor, &id, &name).await?;
    Ok(Json(RevealedVar { name, value }))
}
