use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use bosun_frontend::authz::ViewerRole;
use bosun_frontend::error::AppError;
use bosun_frontend::model::Overview;
use bosun_frontend::ports::ServicesPort;
use futures::{Stream, StreamExt};

use super::projects::ViewQuery;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Auth, BrowserHost, QueryParams};

/// Projects, containers outside any project ("Other"), and how fresh the picture is.
#[utoipa::path(get, path = "/api/v1/overview", tag = "services", params(ViewQuery),
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, body = Overview), (status = 400, body = AppError), (status = 401, body = AppError)))]
pub async fn get(
    State(state): State<AppState>,
    Auth(actor): Auth<ViewerRole>,
    BrowserHost(host): BrowserHost,
    QueryParams(q): QueryParams<ViewQuery>,
) -> Result<Json<Overview>, ApiError> {
    Ok(Json(
        state
            .app
            .services
            .overview(&actor, &q.options(host))
            .await?,
    ))
}

/// Server-sent events: the overview now, then again after every change on the engine
/// (container events, busy markers, engine lost or back). Bursts are merged.
#[utoipa::path(get, path = "/api/v1/overview/events", tag = "services", params(ViewQuery),
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, description = "text/event-stream of Overview", content_type = "text/event-stream"), (status = 400, body = AppError), (status = 401, body = AppError)))]
pub async fn events(
    State(state): State<AppState>,
    Auth(_actor): Auth<ViewerRole>,
    BrowserHost(host): BrowserHost,
    QueryParams(q): QueryParams<ViewQuery>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let stream = state.app.services.follow(q.options(host)).map(|o| {
        Ok(Event::default()
            .json_data(o)
            .unwrap_or_else(|_| Event::default()))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
