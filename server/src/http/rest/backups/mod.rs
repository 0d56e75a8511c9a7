//! Database backups: the databases found, the catalogue, downloads, restores, live progress.

pub mod decrypted;
pub mod schedules;
pub mod sets;

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use bosun_frontend::authz::{AdminRole, OperatorRole, ViewerRole};
use bosun_frontend::error::AppError;
use bosun_frontend::model::{
    BackupDto, BackupId, BackupQuery, BackupRequest, BackupStarted, BackupsView, DatabaseDto,
    RestoreReport, RestoreRequest,
};
use bosun_frontend::ports::BackupsPort;
use futures::{Stream, StreamExt};

use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Auth, JsonBody, PathParams, QueryParams, param};

/// A backup id from the path; anything but a positive whole number is a 400.
fn backup_id(raw: &str) -> Result<i64, ApiError> {
    let BackupId(id) = param("id", raw)?;
    Ok(id)
}

/// Database services bosun can back up, with their last backups, jobs and schedules.
#[utoipa::path(get, path = "/api/v1/databases", tag = "backups",
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, body = Vec<DatabaseDto>), (status = 401, body = AppError)))]
pub async fn databases(
    State(state): State<AppState>,
    Auth(actor): Auth<ViewerRole>,
) -> Result<Json<Vec<DatabaseDto>>, ApiError> {
    Ok(Json(state.app.backups.databases(&actor).await?))
}

/// Server-sent events: the Backups page's data now, then on every change, and every second
/// while a job runs (bytes so far and rate).
#[utoipa::path(get, path = "/api/v1/backups/events", tag = "backups",
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, description = "text/event-stream of BackupsView", content_type = "text/event-stream", body = BackupsView), (status = 401, body = AppError)))]
pub async fn events(
    State(state): State<AppState>,
    Auth(_actor): Auth<ViewerRole>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let frames = state.app.backups.follow().map(|view| {
        Ok(Event::default()
            .json_data(view)
            .unwrap_or_else(|_| Event::default()))
    });
    Sse::new(frames).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// The catalogue, newest first, with filters.
#[utoipa::path(get, path = "/api/v1/backups", tag = "backups", params(BackupQuery),
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, body = Vec<BackupDto>), (status = 400, body = AppError), (status = 401, body = AppError)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth<ViewerRole>,
    QueryParams(q): QueryParams<BackupQuery>,
) -> Result<Json<Vec<BackupDto>>, ApiError> {
    Ok(Json(state.app.backups.list(&actor, q).await?))
}

/// Starts a backup of a service (202): its database's dump (`kind` `database`, the default),
/// or its volumes' and bind mounts' files (`kind` `files`). Follow it with `GET /api/v1/backups/{id}`
/// or `/api/v1/backups/events`. 409 while another job runs on the database; 507 when the
/// backup directory is short of space.
#[utoipa::path(post, path = "/api/v1/backups", tag = "backups", request_body = BackupRequest,
    security(("session" = ["operator"]), ("token" = ["operator"])),
    responses((status = 202, body = BackupStarted), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError), (status = 409, body = AppError), (status = 507, body = AppError)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(actor): Auth<OperatorRole>,
    JsonBody(request): JsonBody<BackupRequest>,
) -> Result<(StatusCode, Json<BackupStarted>), ApiError> {
    let started = state.app.backups.start(&actor, request).await?;
    Ok((StatusCode::ACCEPTED, Json(started)))
}

/// One backup.
#[utoipa::path(get, path = "/api/v1/backups/{id}", tag = "backups",
    params(("id" = i64, Path, description = "Backup id")),
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, body = BackupDto), (status = 400, body = AppError), (status = 401, body = AppError), (status = 404, body = AppError)))]
pub async fn get(
    State(state): State<AppState>,
    Auth(actor): Auth<ViewerRole>,
    PathParams(id): PathParams<String>,
) -> Result<Json<BackupDto>, ApiError> {
    let id = backup_id(&id)?;
    Ok(Json(state.app.backups.get(&actor, id).await?))
}

/// Deletes a backup and its file (admin).
#[utoipa::path(delete, path = "/api/v1/backups/{id}", tag = "backups",
    params(("id" = i64, Path, description = "Backup id")),
    security(("session" = ["admin"]), ("token" = ["admin"])),
    responses((status = 204, description = "Deleted"), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError), (status = 409, body = AppError)))]
pub async fn delete(
    State(state): State<AppState>,
    Auth(actor): Auth<AdminRole>,
    PathParams(id): PathParams<String>,
) -> Result<StatusCode, ApiError> {
    let id = backup_id(&id)?;
    state.app.backups.delete(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The backup file as stored (compressed SQL; an age file when encrypted on this host, which
/// the `age` tool decrypts), streamed with its length and name (operator+; audited).
#[utoipa::path(get, path = "/api/v1/backups/{id}/download", tag = "backups",
    params(("id" = i64, Path, description = "Backup id")),
    security(("session" = ["operator"]), ("token" = ["operator"])),
    responses((status = 200, description = "The backup file as an attachment", content_type = "application/octet-stream"), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError), (status = 409, body = AppError)))]
pub async fn download(
    State(state): State<AppState>,
    Auth(actor): Auth<OperatorRole>,
    PathParams(id): PathParams<String>,
) -> Result<Response, ApiError> {
    let id = backup_id(&id)?;
    let (row, file, len) = state.app.backups.open_download(&actor, id).await?;
    let body = Body::from_stream(tokio_util::io::ReaderStream::with_capacity(
        file,
        256 * 1024,
    ));
    let mut response = body.into_response();
    let headers = response.headers_mut();
    let media = if row.file_name.ends_with(".age") {
        "application/octet-stream"
    } else {
        row.compression().media_type()
    };
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", row.file_name)) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Some(Ok(v)) = row.sha256.as_deref().map(HeaderValue::from_str) {
        headers.insert("x-checksum-sha256", v);
    }
    Ok(response)
}

/// Restores a good backup into its database (admin). Takes a safety backup first and
/// answers when the restore has ended. `confirm` must be the service name.
#[utoipa::path(post, path = "/api/v1/backups/{id}/restore", tag = "backups",
    params(("id" = i64, Path, description = "Backup id")), request_body = RestoreRequest,
    security(("session" = ["admin"]), ("token" = ["admin"])),
    responses((status = 200, body = RestoreReport), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError), (status = 409, body = AppError), (status = 502, body = AppError), (status = 507, body = AppError)))]
pub async fn restore(
    State(state): State<AppState>,
    Auth(actor): Auth<AdminRole>,
    PathParams(id): PathParams<String>,
    JsonBody(request): JsonBody<RestoreRequest>,
) -> Result<Json<RestoreReport>, ApiError> {
    let id = backup_id(&id)?;
    Ok(Json(state.app.backups.restore(&actor, id, request).await?))
}

/// Proves a good backup now (operator): restores it into a throwaway server made from the
/// database's image (no network, no port, removed afterwards), then checks that every table
/// of the source is there with its row count. Runs in the background, one verification at a
/// time; answers at once with `verify.status` `running`. Audited as `backup.verify`; a
/// failure notifies `backup.verify_failed`.
#[utoipa::path(post, path = "/api/v1/backups/{id}/verify", tag = "backups",
    params(("id" = i64, Path, description = "Backup id")),
    security(("session" = ["operator"]), ("token" = ["operator"])),
    responses((status = 202, body = BackupDto), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError), (status = 409, body = AppError)))]
pub async fn verify(
    State(state): State<AppState>,
    Auth(actor): Auth<OperatorRole>,
    PathParams(id): PathParams<String>,
) -> Result<(http::StatusCode, Json<BackupDto>), ApiError> {
    use bosun_frontend::ports::BackupVerifyPort;
    let id = backup_id(&id)?;
    Ok((
        http::StatusCode::ACCEPTED,
        Json(state.app.backups.verify(&actor, id).await?),
    ))
}
