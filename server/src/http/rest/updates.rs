//! Image updates: what the registries have, checking now, updating and rolling back a
//! service (202 with a run id), a run's state and live events, a service's history.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use bosun_frontend::authz::{OperatorRole, ViewerRole};
use bosun_frontend::error::AppError;
use bosun_frontend::model::{
    ImageUpdateDto, ProjectName, RunId, ServiceName, SwarmServiceRef, UpdateKind, UpdateRunDto,
    UpdateStarted,
};
use bosun_frontend::ports::UpdatesPort;
use futures::StreamExt;

use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Auth, PathParams, param};

fn names(project: &str, service: &str) -> Result<(ProjectName, ServiceName), ApiError> {
    Ok((param("project", project)?, param("service", service)?))
}

fn run_id(raw: &str) -> Result<i64, ApiError> {
    let RunId(id) = param("id", raw)?;
    Ok(id)
}

/// Every compose service's image as the last check saw it: the reference, the digest it runs,
/// the registry's digest, when it was checked, and where a rollback would go.
#[utoipa::path(get, path = "/api/v1/updates", tag = "updates",
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, body = Vec<ImageUpdateDto>), (status = 401, body = AppError)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth<ViewerRole>,
) -> Result<Json<Vec<ImageUpdateDto>>, ApiError> {
    Ok(Json(state.app.updates.list(&actor).await?))
}

/// Asks every service's registry now (services labelled `bosun.update=false`, local builds and
/// digest-pinned images aside) and answers what they said.
#[utoipa::path(post, path = "/api/v1/updates/check", tag = "updates",
    security(("session" = ["operator"]), ("token" = ["operator"])),
    responses((status = 200, body = Vec<ImageUpdateDto>), (status = 401, body = AppError), (status = 403, body = AppError), (status = 503, body = AppError)))]
pub async fn check(
    State(state): State<AppState>,
    Auth(actor): Auth<OperatorRole>,
) -> Result<Json<Vec<ImageUpdateDto>>, ApiError> {
    Ok(Json(state.app.updates.check(&actor).await?))
}

/// Pulls the service's image reference and recreates its containers on the new build, each
/// behind the health gate; a container that fails it puts every old one back (`rolled_back`).
/// 202 with the run's id; follow it at `/api/v1/update-runs/{id}/events`. 409 while other
/// work runs on the service, when it is stopped, or when its image cannot be updated.
#[utoipa::path(post, path = "/api/v1/projects/{project}/services/{service}/update", tag = "updates",
    params(("project" = String, Path, description = "Compose project name"), ("service" = String, Path, description = "Service name")),
    security(("session" = ["operator"]), ("token" = ["operator"])),
    responses((status = 202, body = UpdateStarted), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError), (status = 409, body = AppError), (status = 503, body = AppError)))]
pub async fn update(
    State(state): State<AppState>,
    Auth(actor): Auth<OperatorRole>,
    PathParams((project, service)): PathParams<(String, String)>,
) -> Result<(StatusCode, Json<UpdateStarted>), ApiError> {
    let (project, service) = names(&project, &service)?;
    let started = state.app.updates.update(&actor, &project, &service).await?;
    Ok((StatusCode::ACCEPTED, Json(started)))
}

/// Recreates the service on the image it ran before its last update, behind the same gate.
/// 202 with the run's id; 409 when there is no earlier image or other work runs on it.
#[utoipa::path(post, path = "/api/v1/projects/{project}/services/{service}/rollback", tag = "updates",
    params(("project" = String, Path, description = "Compose project name"), ("service" = String, Path, description = "Service name")),
    security(("session" = ["operator"]), ("token" = ["operator"])),
    responses((status = 202, body = UpdateStarted), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError), (status = 409, body = AppError), (status = 503, body = AppError)))]
pub async fn rollback(
    State(state): State<AppState>,
    Auth(actor): Auth<OperatorRole>,
    PathParams((project, service)): PathParams<(String, String)>,
) -> Result<(StatusCode, Json<UpdateStarted>), ApiError> {
    let (project, service) = names(&project, &service)?;
    let started = state
        .app
        .updates
        .rollback(&actor, &project, &service)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(started)))
}

/// A service's update and rollback runs, newest first (at most 100).
#[utoipa::path(get, path = "/api/v1/projects/{project}/services/{service}/updates", tag = "updates",
    params(("project" = String, Path, description = "Compose project name"), ("service" = String, Path, description = "Service name")),
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, body = Vec<UpdateRunDto>), (status = 400, body = AppError), (status = 401, body = AppError)))]
pub async fn history(
    State(state): State<AppState>,
    Auth(actor): Auth<ViewerRole>,
    PathParams((project, service)): PathParams<(String, String)>,
) -> Result<Json<Vec<UpdateRunDto>>, ApiError> {
    let (project, service) = names(&project, &service)?;
    Ok(Json(
        state
            .app
            .updates
            .history(&actor, &project, &service)
            .await?,
    ))
}

/// One run: status (`running`, `succeeded`, `rolled_back`, `failed`, `interrupted`), the
/// images from and to, the steps, the reason and the failed container's last lines.
#[utoipa::path(get, path = "/api/v1/update-runs/{id}", tag = "updates",
    params(("id" = i64, Path, description = "Run id")),
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, body = UpdateRunDto), (status = 400, body = AppError), (status = 401, body = AppError), (status = 404, body = AppError)))]
pub async fn get(
    State(state): State<AppState>,
    Auth(actor): Auth<ViewerRole>,
    PathParams(id): PathParams<String>,
) -> Result<Json<UpdateRunDto>, ApiError> {
    let id = run_id(&id)?;
    Ok(Json(state.app.updates.run(&actor, id).await?))
}

/// Server-sent events of `UpdateRunDto`: the run as it stands, then after every step and pull
/// progress, ending with the state it ended in (which ends the stream).
#[utoipa::path(get, path = "/api/v1/update-runs/{id}/events", tag = "updates",
    params(("id" = i64, Path, description = "Run id")),
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, description = "text/event-stream of UpdateRunDto", content_type = "text/event-stream", body = UpdateRunDto), (status = 400, body = AppError), (status = 401, body = AppError), (status = 404, body = AppError), (status = 429, body = AppError)))]
pub async fn events(
    State(state): State<AppState>,
    Auth(actor): Auth<ViewerRole>,
    PathParams(id): PathParams<String>,
) -> Result<Response, ApiError> {
    let id = run_id(&id)?;
    let events = state.app.updates.follow(&actor, id).await?.map(|run| {
        Ok::<_, Infallible>(
            Event::default()
                .json_data(run)
                .unwrap_or_else(|_| Event::default()),
        )
    });
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

/// Moves a Swarm service to its registry's newest build of its image: Swarm replaces the
/// tasks, and rolls the service back by itself when a new task fails (bosun sets that failure
/// action when the service has none). 202 with the run's id; 409 on a non-manager, when it
/// already runs the newest build, or while other work runs on it.
#[utoipa::path(post, path = "/api/v1/swarm/services/{service}/update", tag = "updates",
    params(("service" = String, Path, description = "Swarm service id or name")),
    security(("session" = ["operator"]), ("token" = ["operator"])),
    responses((status = 202, body = UpdateStarted), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError), (status = 409, body = AppError), (status = 502, body = AppError), (status = 503, body = AppError)))]
pub async fn swarm_update(
    State(state): State<AppState>,
    Auth(actor): Auth<OperatorRole>,
    PathParams(service): PathParams<String>,
) -> Result<(StatusCode, Json<UpdateStarted>), ApiError> {
    let service: SwarmServiceRef = param("service", &service)?;
    let started = state
        .app
        .updates
        .update_swarm(&actor, &service, UpdateKind::Update)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(started)))
}

/// Moves a Swarm service back to the digest it ran before bosun's last update of it.
#[utoipa::path(post, path = "/api/v1/swarm/services/{service}/rollback", tag = "updates",
    params(("service" = String, Path, description = "Swarm service id or name")),
    security(("session" = ["operator"]), ("token" = ["operator"])),
    responses((status = 202, body = UpdateStarted), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError), (status = 409, body = AppError), (status = 503, body = AppError)))]
pub async fn swarm_rollback(
    State(state): State<AppState>,
    Auth(actor): Auth<OperatorRole>,
    PathParams(service): PathParams<String>,
) -> Result<(StatusCode, Json<UpdateStarted>), ApiError> {
    let service: SwarmServiceRef = param("service", &service)?;
    let started = state
        .app
        .updates
        .update_swarm(&actor, &service, UpdateKind::Rollback)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(started)))
}
