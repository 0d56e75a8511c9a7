use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use bosun_frontend::authz::ViewerRole;
use bosun_frontend::error::AppError;
use bosun_frontend::model::{RawHistoryQuery, StatsFrame, StatsHistory, StatsStatus};
use bosun_frontend::ports::StatsPort;
use futures::Stream;

use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Auth, QueryParams};

/// Who watches stats, which containers are being collected now, and what the always-on
/// history holds and has cost (containers, samples, engine calls).
#[utoipa::path(get, path = "/api/v1/stats", tag = "services",
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, body = StatsStatus), (status = 401, body = AppError)))]
pub async fn status(
    State(state): State<AppState>,
    Auth(_actor): Auth<ViewerRole>,
) -> Json<StatsStatus> {
    let mut status = state.app.stats.status();
    status.history = state.app.stats_history.status();
    Json(status)
}

/// The always-on CPU and memory history (`BOSUN_STATS_HISTORY`, sampled whether or not
/// anyone watches) of a compose service's containers (`project` and `service`) or of one
/// container (`container`), over the last `range` (1h, 6h or 24h): containers sorted by name,
/// samples oldest first. 404 when nothing matches.
#[utoipa::path(get, path = "/api/v1/stats/history", tag = "services", params(RawHistoryQuery),
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, body = StatsHistory), (status = 400, body = AppError), (status = 401, body = AppError), (status = 404, body = AppError)))]
pub async fn history(
    State(state): State<AppState>,
    Auth(actor): Auth<ViewerRole>,
    QueryParams(raw): QueryParams<RawHistoryQuery>,
) -> Result<Json<StatsHistory>, ApiError> {
    let query = raw.parse()?;
    Ok(Json(state.app.stats_history.history(&actor, query).await?))
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
