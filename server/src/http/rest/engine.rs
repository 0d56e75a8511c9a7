use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use bosun_frontend::authz::ViewerRole;
use bosun_frontend::error::AppError;
use bosun_frontend::model::EngineStatus;
use futures::{Stream, StreamExt};
use tokio_stream::wrappers::WatchStream;

use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::Auth;

/// Whether bosun can reach the Docker engine, and which API version it speaks.
#[utoipa::path(get, path = "/api/v1/engine", tag = "engine",
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, body = EngineStatus), (status = 401, body = AppError)))]
pub async fn status(
    State(state): State<AppState>,
    Auth(_actor): Auth<ViewerRole>,
) -> Result<Json<EngineStatus>, ApiError> {
    Ok(Json(state.app.engine.status()))
}

/// Server-sent events: the engine status now, then each change.
#[utoipa::path(get, path = "/api/v1/engine/events", tag = "engine",
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, description = "text/event-stream of EngineStatus", content_type = "text/event-stream"), (status = 401, body = AppError)))]
pub async fn events(
    State(state): State<AppState>,
    Auth(_actor): Auth<ViewerRole>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let stream = WatchStream::new(state.app.engine.subscribe()).map(|status| {
        Ok(Event::default()
            .json_data(status)
            .unwrap_or_else(|_| Event::default()))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
