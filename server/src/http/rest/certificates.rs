//! Certificates: the inventory, renewals, uploads, the internal CA's root, live updates.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use bosun_frontend::authz::{AdminRole, ViewerRole};
use bosun_frontend::error::AppError;
use bosun_frontend::model::{
    CertDto, CertId, CertificatesView, RenewReport, RenewRequest, UploadRequest,
};
use bosun_frontend::ports::CertsPort;
use futures::{Stream, StreamExt};

use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Auth, JsonBody, PathParams, param};

/// Every certificate that matters, worst first: bosun's own, the files in the watched
/// directories, and what the stack's services present on their TLS ports.
#[utoipa::path(get, path = "/api/v1/certificates", tag = "certificates",
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, body = Vec<CertDto>), (status = 401, body = AppError)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth<ViewerRole>,
) -> Result<Json<Vec<CertDto>>, ApiError> {
    Ok(Json(state.app.certs.view(&actor).await?.certs))
}

/// Server-sent events: the Certificates page's data now, then on every change (renewal
/// steps included).
#[utoipa::path(get, path = "/api/v1/certificates/events", tag = "certificates",
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, description = "text/event-stream of CertificatesView", content_type = "text/event-stream", body = CertificatesView), (status = 401, body = AppError)))]
pub async fn events(
    State(state): State<AppState>,
    Auth(_actor): Auth<ViewerRole>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let frames = state.app.certs.follow().map(|view| {
        Ok(Event::default()
            .json_data(view)
            .unwrap_or_else(|_| Event::default()))
    });
    Sse::new(frames).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// One certificate.
#[utoipa::path(get, path = "/api/v1/certificates/{id}", tag = "certificates",
    params(("id" = String, Path, description = "`bosun`, or `file-`/`svc-` and 16 hex digits")),
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, body = CertDto), (status = 400, body = AppError), (status = 401, body = AppError), (status = 404, body = AppError)))]
pub async fn get(
    State(state): State<AppState>,
    Auth(actor): Auth<ViewerRole>,
    PathParams(id): PathParams<String>,
) -> Result<Json<CertDto>, ApiError> {
    let id: CertId = param("id", &id)?;
    Ok(Json(state.app.certs.get(&actor, &id).await?))
}

/// Renews a certificate now (admin) and answers when it is in place and the services using
/// it were reloaded. Follow the steps on `/api/v1/certificates/events`. 409 while another
/// renewal of it runs; 502 when the CA failed (the current certificate stays).
#[utoipa::path(post, path = "/api/v1/certificates/{id}/renew", tag = "certificates",
    params(("id" = String, Path, description = "`bosun`, or `file-`/`svc-` and 16 hex digits")),
    request_body = RenewRequest,
    security(("session" = ["admin"]), ("token" = ["admin"])),
    responses((status = 200, body = RenewReport), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError), (status = 409, body = AppError), (status = 502, body = AppError)))]
pub async fn renew(
    State(state): State<AppState>,
    Auth(actor): Auth<AdminRole>,
    PathParams(id): PathParams<String>,
    JsonBody(request): JsonBody<RenewRequest>,
) -> Result<Json<RenewReport>, ApiError> {
    let id: CertId = param("id", &id)?;
    Ok(Json(state.app.certs.renew(&actor, &id, request).await?))
}

/// Uploads a certificate chain and key (PEM) for bosun's own HTTPS or a certificate file
/// (admin). Refused with a message for a key that does not match, an expired or not yet
/// valid certificate, or text that is not PEM; the current certificate is then untouched.
#[utoipa::path(post, path = "/api/v1/certificates", tag = "certificates", request_body = UploadRequest,
    security(("session" = ["admin"]), ("token" = ["admin"])),
    responses((status = 200, body = RenewReport), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError), (status = 409, body = AppError)))]
pub async fn upload(
    State(state): State<AppState>,
    Auth(actor): Auth<AdminRole>,
    JsonBody(request): JsonBody<UploadRequest>,
) -> Result<Json<RenewReport>, ApiError> {
    Ok(Json(state.app.certs.upload(&actor, request).await?))
}

/// The root certificate of bosun's internal CA (PEM), to import into browsers and clients.
#[utoipa::path(get, path = "/api/v1/ca.pem", tag = "certificates",
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, description = "PEM", content_type = "application/x-pem-file"), (status = 401, body = AppError)))]
pub async fn ca_pem(State(state): State<AppState>, Auth(_actor): Auth<ViewerRole>) -> Response {
    let mut response = state.app.certs.ca_pem().into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-pem-file"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"bosun-ca.pem\""),
    );
    response
}
