//! An encrypted backup's file, decrypted on the way out (admin; a form, so a browser page
//! can post it and save the answer).

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bosun_frontend::authz::AdminRole;
use bosun_frontend::error::AppError;
use bosun_frontend::model::DecryptRequest;

use super::backup_id;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Auth, FormBody, PathParams};

/// Reads `reader` in the blocking pool, in chunks, into a response body.
fn stream(reader: Box<dyn std::io::Read + Send>) -> Body {
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<bytes::Bytes>>(4);
    tokio::task::spawn_blocking(move || crate::backups::plain::pump(Ok(reader), &tx));
    Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx))
}

/// An encrypted backup's file decrypted: the compressed SQL dump (`.sql.gz`/`.sql.zst`), as
/// the backup was before encryption. The identity (`AGE-SECRET-KEY-1…`) is used for this
/// download only; without one, BOSUN_BACKUP_AGE_IDENTITY_FILE's. A wrong identity is refused
/// before anything is sent. Admin; audited as `backup.download`.
#[utoipa::path(post, path = "/api/v1/backups/{id}/decrypted", tag = "backups",
    params(("id" = i64, Path, description = "Backup id")),
    request_body(content = DecryptRequest, content_type = "application/x-www-form-urlencoded"),
    security(("session" = ["admin"]), ("token" = ["admin"])),
    responses((status = 200, description = "The decrypted file as an attachment", content_type = "application/octet-stream"), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError), (status = 409, body = AppError)))]
pub async fn download(
    State(state): State<AppState>,
    Auth(actor): Auth<AdminRole>,
    PathParams(id): PathParams<String>,
    FormBody(request): FormBody<DecryptRequest>,
) -> Result<Response, ApiError> {
    let id = backup_id(&id)?;
    let (row, reader) = state
        .app
        .backups
        .open_decrypted(&actor, id, request.identity.as_deref())
        .await?;
    let mut response = stream(reader).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(row.compression().media_type()),
    );
    let name = row.file_name.strip_suffix(".age").unwrap_or(&row.file_name);
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
