use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use bosun_frontend::authz::ViewerRole;
use bosun_frontend::error::AppError;
use bosun_frontend::model::{StatsFrame, StatsStatus};
use futures::Stream;

use crate::http::AppState;
use crate::http::extract::Auth;

/// Who watches stats, and which containers are being collected now.
#[utoipa::path(get, path = "/api/v1/stats", tag = "services",
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, body = StatsStatus), (status = 401, body = AppError)))]
pub async fn status(
    State(state): State<AppState>,
    Auth(_actor): Auth<ViewerRole>,
) -> Json<StatsStatus> {
    Json(state.app.stats.status())
}

/// Server-sent events of CPU, memory and network per running container, every 2 s.
/// Collection runs while at least one of these streams is open (and briefly after).
#[utoipa::path(get, path = "/api/v1/stats/events", tag = "services",
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, description = "text/event-stream of StatsFrame", body = StatsFrame, content_type = "text/event-stream"), (status = 401, body = AppError)))]
pub async fn events(
    State(state): State<AppState>,
    Auth(_actor): Auth<ViewerRole>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let watch = state.app.stats.watch();
    let tick = tokio::time::interval(Duration::from_secs(2));
    let stream = futures::stream::unfold((watch, tick), |(mut watch, mut tick)| async move {
        tick.tick().await;
        let event = Event::default()
            .json_data(watch.frame())
            .unwrap_or_else(|_| Event::default());
        Some((Ok(event), (watch, tick)))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
