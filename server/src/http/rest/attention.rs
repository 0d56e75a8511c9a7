//! What needs attention on this host: counts, and each problem with the page that fixes it.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use bosun_frontend::authz::ViewerRole;
use bosun_frontend::error::AppError;
use bosun_frontend::model::attention::AttentionView;
use futures::{Stream, StreamExt};

use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::Auth;

fn follow(state: &AppState) -> impl Stream<Item = AttentionView> + Send + use<> {
    let app = &state.app;
    crate::attention::follow(&app.services, &app.backups, &app.certs)
}

/// Counts of projects, services and containers by state, and what needs attention: failed,
/// unhealthy, restarting and OOM-killed containers; failed and missed backups and databases
/// without a good backup for 7 days; certificates in their warning or critical window,
/// expired, or failing to renew; an unreachable engine. Each item names the page (`href`)
/// where it is fixed; most severe first.
#[utoipa::path(get, path = "/api/v1/attention", tag = "services",
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, body = AttentionView), (status = 401, body = AppError), (status = 503, body = AppError)))]
pub async fn get(
    State(state): State<AppState>,
    Auth(_actor): Auth<ViewerRole>,
) -> Result<Json<AttentionView>, ApiError> {
    let mut views = std::pin::pin!(follow(&state));
    let first = tokio::time::timeout(Duration::from_secs(20), views.next()).await;
    match first {
        Ok(Some(view)) => Ok(Json(view)),
        _ => Err(ApiError(AppError::unavailable(
            "The picture of this host is not ready yet. Try again in a moment.",
        ))),
    }
}

/// Server-sent events: the same, now and again whenever it changes.
#[utoipa::path(get, path = "/api/v1/attention/events", tag = "services",
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, description = "text/event-stream of AttentionView", content_type = "text/event-stream", body = AttentionView), (status = 401, body = AppError)))]
pub async fn events(
    State(state): State<AppState>,
    Auth(_actor): Auth<ViewerRole>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let frames = follow(&state).map(|view| {
        Ok(Event::default()
            .json_data(view)
            .unwrap_or_else(|_| Event::default()))
    });
    Sse::new(frames).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
