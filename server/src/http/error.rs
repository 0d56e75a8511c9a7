//! `AppError` as an HTTP response: the status from its kind, a JSON body, the request id.

use axum::Json;
use axum::response::{IntoResponse, Response};
use bosun_frontend::error::AppError;
use http::{HeaderValue, StatusCode};

tokio::task_local! {
    /// The id of the request being handled, for error bodies built deep inside handlers.
    pub static REQUEST_ID: String;
}

#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

/// Why a request was refused (401, 403), for the audit record the request context writes.
#[derive(Clone, Debug)]
pub struct Refusal(pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = self.0;
        if error.request_id.is_none() {
            error.request_id = REQUEST_ID.try_with(Clone::clone).ok();
        }
        let status =
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry_after = error.retry_after;
        let refusal = matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
            .then(|| Refusal(error.message.clone()));
        let mut response = (status, Json(error)).into_response();
        if let Some(refusal) = refusal {
            response.extensions_mut().insert(refusal);
        }
        if let Some(secs) = retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(http::header::RETRY_AFTER, v);
        }
        response
    }
}
