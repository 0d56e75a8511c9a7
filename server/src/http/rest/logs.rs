//! Logs of a container, a service (merged) or a project (merged): text, download, or
//! server-sent events with `follow=true`.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use bosun_frontend::authz::{OperatorRole, ViewerRole};
use bosun_frontend::error::AppError;
use bosun_frontend::model::{
    ContainerRef, LogFrame, LogQuery, ProjectName, RawLogQuery, ServiceName, SwarmServiceRef,
};
use futures::StreamExt;
use http::header;

use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Auth, PathParams, QueryParams, param};
use crate::logs::Scope;
use crate::logs::resume::{Resume, event_id};

fn parse(raw: &RawLogQuery) -> Result<LogQuery, ApiError> {
    Ok(raw.parse(time::OffsetDateTime::now_utc().unix_timestamp())?)
}

fn container(id: &str) -> Result<Scope, ApiError> {
    Ok(Scope::Container(param::<ContainerRef>("id", id)?))
}

fn service(project: &str, service: &str) -> Result<Scope, ApiError> {
    Ok(Scope::Service(
        param::<ProjectName>("project", project)?,
        param::<ServiceName>("service", service)?,
    ))
}

fn project(project: &str) -> Result<Scope, ApiError> {
    Ok(Scope::Project(param::<ProjectName>("project", project)?))
}

async fn show(
    state: &AppState,
    actor: &Auth<ViewerRole>,
    scope: Scope,
    raw: &RawLogQuery,
    resume: Option<Resume>,
) -> Result<Response, ApiError> {
    let mut q = parse(raw)?;
    // A browser reconnecting after a drop: from its last line on, not the tail again.
    if let Some(r) = resume.filter(|_| q.follow) {
        q.since = Some(q.since.map_or(r.since(), |s| s.max(r.since())));
    }
    let logs = &state.app.logs;
    // More history than a viewer may pull at once is an operator's, and audited.
    let whole = if q.is_whole() {
        Some(
            actor
                .0
                .also::<OperatorRole>()
                .map_err(|_| crate::logs::too_much_for_a_viewer())?,
        )
    } else {
        None
    };
    if q.follow {
        let frames = match &whole {
            Some(operator) => logs.follow_whole(operator, &scope, q).await?.boxed(),
            None => logs.follow(&actor.0, &scope, q)?.boxed(),
        };
        let mut resume = resume;
        let frames = frames
            .filter_map(move |mut frame: LogFrame| {
                let keep = match resume {
                    Some(r) if r.passed(&frame) => {
                        resume = None;
                        true
                    }
                    Some(r) => r.keep_newer(&mut frame),
                    None => true,
                };
                std::future::ready(keep.then_some(frame))
            })
            .map(|frame: LogFrame| {
                let id = event_id(&frame).map(str::to_owned);
                let event = Event::default()
                    .json_data(frame)
                    .unwrap_or_else(|_| Event::default());
                Ok::<_, Infallible>(match id {
                    Some(id) => event.id(id),
                    None => event,
                })
            });
        return Ok(Sse::new(frames)
            .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
            .into_response());
    }
    let body = match &whole {
        Some(operator) => logs.text_whole(operator, &scope, q).await?.boxed(),
        None => logs.text(&actor.0, &scope, q)?.boxed(),
    };
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        Body::from_stream(body),
    )
        .into_response())
}

async fn download(
    state: &AppState,
    actor: &Auth<OperatorRole>,
    scope: Scope,
    raw: &RawLogQuery,
) -> Result<Response, ApiError> {
    let mut q = parse(raw)?;
    q.follow = false;
    let name: String = scope
        .name()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let stamp = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year][month][day]-[hour][minute][second]"
        ))
        .unwrap_or_default();
    let body = state.app.logs.download(&actor.0, &scope, q).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}-{stamp}.log\""),
            ),
        ],
        Body::from_stream(body),
    )
        .into_response())
}

/// One container's log. Plain text (`text/plain`), or with `follow=true` server-sent events
/// of `LogFrame`: the last `tail` lines, then new ones as they are written.
#[utoipa::path(get, path = "/api/v1/containers/{id}/logs", tag = "logs",
    params(("id" = String, Path, description = "Container id, unique id prefix or name"), RawLogQuery),
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, description = "text/plain lines, or text/event-stream of LogFrame with follow=true", body = LogFrame), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, description = "more than 5000 lines per container (or tail=all) asked by a viewer: an operator's, audited", body = AppError), (status = 404, body = AppError), (status = 503, body = AppError)))]
pub async fn of_container(
    State(state): State<AppState>,
    actor: Auth<ViewerRole>,
    PathParams(id): PathParams<String>,
    QueryParams(raw): QueryParams<RawLogQuery>,
    headers: http::HeaderMap,
) -> Result<Response, ApiError> {
    show(
        &state,
        &actor,
        container(&id)?,
        &raw,
        Resume::from_headers(&headers),
    )
    .await
}

/// A service's containers merged by time, each line prefixed `[service.N] `.
#[utoipa::path(get, path = "/api/v1/projects/{project}/services/{service}/logs", tag = "logs",
    params(("project" = String, Path, description = "Compose project name"), ("service" = String, Path, description = "Service name"), RawLogQuery),
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, description = "text/plain lines, or text/event-stream of LogFrame with follow=true", body = LogFrame), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, description = "more than 5000 lines per container (or tail=all) asked by a viewer: an operator's, audited", body = AppError), (status = 404, body = AppError), (status = 503, body = AppError)))]
pub async fn of_service(
    State(state): State<AppState>,
    actor: Auth<ViewerRole>,
    PathParams((p, s)): PathParams<(String, String)>,
    QueryParams(raw): QueryParams<RawLogQuery>,
    headers: http::HeaderMap,
) -> Result<Response, ApiError> {
    show(
        &state,
        &actor,
        service(&p, &s)?,
        &raw,
        Resume::from_headers(&headers),
    )
    .await
}

/// A whole project merged by time, each line prefixed `[service.N] `.
#[utoipa::path(get, path = "/api/v1/projects/{project}/logs", tag = "logs",
    params(("project" = String, Path, description = "Compose project name"), RawLogQuery),
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, description = "text/plain lines, or text/event-stream of LogFrame with follow=true", body = LogFrame), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, description = "more than 5000 lines per container (or tail=all) asked by a viewer: an operator's, audited", body = AppError), (status = 404, body = AppError), (status = 503, body = AppError)))]
pub async fn of_project(
    State(state): State<AppState>,
    actor: Auth<ViewerRole>,
    PathParams(p): PathParams<String>,
    QueryParams(raw): QueryParams<RawLogQuery>,
    headers: http::HeaderMap,
) -> Result<Response, ApiError> {
    show(
        &state,
        &actor,
        project(&p)?,
        &raw,
        Resume::from_headers(&headers),
    )
    .await
}

/// Download one container's log as a `.log` file (streamed; audited).
#[utoipa::path(get, path = "/api/v1/containers/{id}/logs/download", tag = "logs",
    params(("id" = String, Path, description = "Container id, unique id prefix or name"), RawLogQuery),
    security(("session" = ["operator"]), ("token" = ["operator"])),
    responses((status = 200, description = "The log as an attachment", content_type = "text/plain"), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError), (status = 503, body = AppError)))]
pub async fn download_container(
    State(state): State<AppState>,
    actor: Auth<OperatorRole>,
    PathParams(id): PathParams<String>,
    QueryParams(raw): QueryParams<RawLogQuery>,
) -> Result<Response, ApiError> {
    download(&state, &actor, container(&id)?, &raw).await
}

/// Download a service's merged log as a `.log` file (streamed; audited).
#[utoipa::path(get, path = "/api/v1/projects/{project}/services/{service}/logs/download", tag = "logs",
    params(("project" = String, Path, description = "Compose project name"), ("service" = String, Path, description = "Service name"), RawLogQuery),
    security(("session" = ["operator"]), ("token" = ["operator"])),
    responses((status = 200, description = "The log as an attachment", content_type = "text/plain"), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError), (status = 503, body = AppError)))]
pub async fn download_service(
    State(state): State<AppState>,
    actor: Auth<OperatorRole>,
    PathParams((p, s)): PathParams<(String, String)>,
    QueryParams(raw): QueryParams<RawLogQuery>,
) -> Result<Response, ApiError> {
    download(&state, &actor, service(&p, &s)?, &raw).await
}

/// Download a project's merged log as a `.log` file (streamed; audited).
#[utoipa::path(get, path = "/api/v1/projects/{project}/logs/download", tag = "logs",
    params(("project" = String, Path, description = "Compose project name"), RawLogQuery),
    security(("session" = ["operator"]), ("token" = ["operator"])),
    responses((status = 200, description = "The log as an attachment", content_type = "text/plain"), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError), (status = 503, body = AppError)))]
pub async fn download_project(
    State(state): State<AppState>,
    actor: Auth<OperatorRole>,
    PathParams(p): PathParams<String>,
    QueryParams(raw): QueryParams<RawLogQuery>,
) -> Result<Response, ApiError> {
    download(&state, &actor, project(&p)?, &raw).await
}

fn swarm(service: &str) -> Result<Scope, ApiError> {
    Ok(Scope::Swarm(param::<SwarmServiceRef>("service", service)?))
}

/// A Swarm service's tasks on this node merged by time, each line prefixed `[name.slot] `.
#[utoipa::path(get, path = "/api/v1/swarm/services/{service}/logs", tag = "logs",
    params(("service" = String, Path, description = "Swarm service id or name"), RawLogQuery),
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, description = "text/plain lines, or text/event-stream of LogFrame with follow=true", body = LogFrame), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, description = "more than 5000 lines per container (or tail=all) asked by a viewer: an operator's, audited", body = AppError), (status = 404, body = AppError), (status = 503, body = AppError)))]
pub async fn of_swarm_service(
    State(state): State<AppState>,
    actor: Auth<ViewerRole>,
    PathParams(s): PathParams<String>,
    QueryParams(raw): QueryParams<RawLogQuery>,
    headers: http::HeaderMap,
) -> Result<Response, ApiError> {
    show(
        &state,
        &actor,
        swarm(&s)?,
        &raw,
        Resume::from_headers(&headers),
    )
    .await
}

/// The same as a `.log` file; audited.
#[utoipa::path(get, path = "/api/v1/swarm/services/{service}/logs/download", tag = "logs",
    params(("service" = String, Path, description = "Swarm service id or name"), RawLogQuery),
    security(("session" = ["operator"]), ("token" = ["operator"])),
    responses((status = 200, description = "text/plain attachment", content_type = "text/plain"), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError), (status = 503, body = AppError)))]
pub async fn download_swarm_service(
    State(state): State<AppState>,
    actor: Auth<OperatorRole>,
    PathParams(s): PathParams<String>,
    QueryParams(raw): QueryParams<RawLogQuery>,
) -> Result<Response, ApiError> {
    download(&state, &actor, swarm(&s)?, &raw).await
}
