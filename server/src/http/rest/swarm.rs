//! Swarm services (when the engine is a manager): list, live view, scale.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use bosun_frontend::authz::{OperatorRole, ViewerRole};
use bosun_frontend::error::AppError;
use bosun_frontend::model::{SwarmDto, SwarmScaleReport, SwarmScaleRequest, SwarmServiceRef};
use bosun_frontend::ports::SwarmPort;
use futures::{Stream, StreamExt};

use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Auth, JsonBody, PathParams, param};

/// Swarm services with their tasks; `manager: false` (and no services) when the engine is
/// not a Swarm manager.
#[utoipa::path(get, path = "/api/v1/swarm/services", tag = "swarm",
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, body = SwarmDto), (status = 401, body = AppError), (status = 502, body = AppError), (status = 503, body = AppError)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth<ViewerRole>,
) -> Result<Json<SwarmDto>, ApiError> {
    Ok(Json(state.app.swarm.overview(&actor).await?))
}

/// Server-sent events: the Swarm picture now, then after every change.
#[utoipa::path(get, path = "/api/v1/swarm/events", tag = "swarm",
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, description = "text/event-stream of SwarmDto", content_type = "text/event-stream"), (status = 401, body = AppError)))]
pub async fn events(
    State(state): State<AppState>,
    Auth(_actor): Auth<ViewerRole>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let frames = state.app.swarm.follow().map(|dto| {
        Ok(Event::default()
            .json_data(dto)
            .unwrap_or_else(|_| Event::default()))
    });
    Sse::new(frames).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// Sets a replicated service's replicas (a service update) and waits up to 60 s for the
/// tasks to run. 409 for a global or job service, on a non-manager, or while busy.
#[utoipa::path(post, path = "/api/v1/swarm/services/{service}/scale", tag = "swarm",
    params(("service" = String, Path, description = "Swarm service id or name")),
    request_body = SwarmScaleRequest,
    security(("session" = ["operator"]), ("token" = ["operator"])),
    responses((status = 200, body = SwarmScaleReport), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError), (status = 409, body = AppError), (status = 502, body = AppError), (status = 503, body = AppError)))]
pub async fn scale(
    State(state): State<AppState>,
    Auth(actor): Auth<OperatorRole>,
    PathParams(service): PathParams<String>,
    JsonBody(request): JsonBody<SwarmScaleRequest>,
) -> Result<Json<SwarmScaleReport>, ApiError> {
    let service: SwarmServiceRef = param("service", &service)?;
    Ok(Json(
        state.app.swarm.scale(&actor, &service, request).await?,
    ))
}
