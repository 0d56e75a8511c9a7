//! Server-side helpers shared by the server functions.

use std::future::Future;

use http::StatusCode;
use http::request::Parts;
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

use crate::authz::{Actor, Requirement};
use crate::error::AppError;
use crate::ports::{Ports, request_info};

pub fn parts() -> Result<Parts, AppError> {
    use_context::<Parts>().ok_or_else(AppError::internal)
}

pub fn ports() -> Result<Ports, AppError> {
    use_context::<Ports>().ok_or_else(AppError::internal)
}

/// The authorized actor for this request, or 401/403.
pub fn actor<R: Requirement>() -> Result<Actor<R>, AppError> {
    let parts = parts()?;
    let info = request_info(&parts).ok_or_else(AppError::internal)?;
    Actor::<R>::authorize(info)
}

/// Runs a server function body and turns its error into the right HTTP status,
/// stamped with the request id.
pub async fn run<T>(body: impl Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
    let result = body.await;
    result.map_err(|mut e| {
        if let Some(options) = use_context::<ResponseOptions>() {
            options.set_status(
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            );
        }
        if e.request_id.is_none()
            && let Some(id) = parts()
                .ok()
                .as_ref()
                .and_then(request_info)
                .map(|i| i.request_id.clone())
        {
            e.request_id = Some(id);
        }
        e
    })
}
