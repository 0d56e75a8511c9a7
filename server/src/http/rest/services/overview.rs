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
use http::HeaderMap;
use serde::Deserialize;

use super::projects::ViewQuery;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Auth, BrowserHost, QueryParams};
use crate::services::revision::Revision;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Include one-off (`compose run`) containers.
    pub oneoff: Option<bool>,
    /// The `revision` of the overview the caller already shows: a first frame that would
    /// repeat it is not sent. A reconnecting browser's `Last-Event-ID` does the same.
    #[param(value_type = Option<String>, pattern = "^[0-9a-f]{16}$")]
    pub have: Option<Revision>,
}

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

/// Server-sent events: the overview now (unless the caller already has it: `have`, or a
/// reconnecting browser's `Last-Event-ID`), then again after every change on the engine
/// (container events, busy markers, engine lost or back). Bursts are merged. Each frame's id
/// is its revision.
#[utoipa::path(get, path = "/api/v1/overview/events", tag = "services", params(EventsQuery),
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, description = "text/event-stream of Overview", content_type = "text/event-stream"), (status = 400, body = AppError), (status = 401, body = AppError)))]
pub async fn events(
    State(state): State<AppState>,
    Auth(_actor): Auth<ViewerRole>,
    BrowserHost(host): BrowserHost,
    headers: HeaderMap,
    QueryParams(q): QueryParams<EventsQuery>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    // The browser's own header: one that is not a revision is ignored, not refused.
    let resumed = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| Revision::try_from(v.to_owned()).ok());
    let mut shown = resumed.or(q.have);
    let view = ViewQuery { oneoff: q.oneoff }.options(host);
    let stream = state.app.services.follow(view).filter_map(move |o| {
        // Serialised once: the frame's text and its id come from the same bytes.
        let event = match serde_json::to_string(&o) {
            Ok(json) => {
                let revision = Revision::of(json.as_bytes());
                // Only the first frame can repeat what the caller has; later ones are changes.
                let repeat = shown.take().is_some_and(|s| s == revision);
                (!repeat).then(|| Event::default().id(revision.as_str()).data(json))
            }
            Err(_) => Some(Event::default()),
        };
        std::future::ready(event.map(Ok))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
