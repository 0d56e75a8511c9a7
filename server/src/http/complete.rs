//! A change, once started, runs to its end.
//!
//! hyper drops a handler's future when the client goes away (a closed tab, a dropped
//! connection, a script's timeout). For a state-changing request that could stop an
//! action half-way and lose its audit record, so those requests run in a task of their
//! own and the connection only waits for it. Reads stay on the connection's task, so a
//! closed event stream still ends at once.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bosun_frontend::error::AppError;

use super::error::ApiError;

pub async fn to_completion(request: Request, next: Next) -> Response {
    if request.method().is_safe() {
        return next.run(request).await;
    }
    tokio::spawn(next.run(request)).await.unwrap_or_else(|e| {
        tracing::error!(error = %e, "a request task failed");
        ApiError(AppError::internal()).into_response()
    })
}
