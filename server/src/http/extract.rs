//! Extractors whose rejections are clear JSON errors that name the bad parameter.

use axum::extract::rejection::{FormRejection, JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use bosun_frontend::authz::{Actor, Requirement};
use bosun_frontend::error::AppError;
use bosun_frontend::ports::request_info;
use http::request::Parts;

use super::error::ApiError;

#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct JsonBody<T>(pub T);

#[derive(FromRequest)]
#[from_request(via(axum::Form), rejection(ApiError))]
pub struct FormBody<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct PathParams<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct QueryParams<T>(pub T);

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        ApiError(AppError::bad_request(
            "body",
            format!("The JSON body is not valid: {}", r.body_text()),
        ))
    }
}

impl From<FormRejection> for ApiError {
    fn from(r: FormRejection) -> Self {
        ApiError(AppError::bad_request(
            "body",
            format!("The form is not valid: {}", r.body_text()),
        ))
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        ApiError(AppError::bad_request(
            "path",
            format!("A path parameter is not valid: {}", r.body_text()),
        ))
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError(AppError::bad_request(
            "query",
            format!("A query parameter is not valid: {}", r.body_text()),
        ))
    }
}

/// The authorized actor for a REST handler: 401 without credentials, 403 with too low a role.
/// Taking `Auth<AdminRole>` as an argument is how a route declares what it needs.
pub struct Auth<R: Requirement>(pub Actor<R>);

impl<S: Send + Sync, R: Requirement> FromRequestParts<S> for Auth<R> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let info = request_info(parts).ok_or_else(AppError::internal)?;
        Ok(Auth(Actor::<R>::authorize(info)?))
    }
}

/// The host name the browser used, for links to published ports.
pub struct BrowserHost(pub String);

impl<S: Send + Sync> FromRequestParts<S> for BrowserHost {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(BrowserHost(bosun_frontend::ports::browser_host(parts)))
    }
}

/// Parses one path or query value, naming it in the 400 when it is not valid.
pub fn param<T>(name: &str, value: &str) -> Result<T, ApiError>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    Ok(bosun_frontend::error::parse_field(name, value)?)
}
