//! The one error type every server function and REST route returns.
//! `message` is what the user sees: it says what went wrong and what to do next.
//! Details for operators go to the server log, tied together by `request_id`.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    BadRequest,
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    TooManyRequests,
    Unavailable,
    /// Not enough free disk space for the work asked for.
    InsufficientStorage,
    /// The Docker engine refused or failed an operation.
    EngineFailed,
    /// Another service bosun depends on (an ACME CA, a DNS hook) refused or failed.
    UpstreamFailed,
    Internal,
}

impl ErrorKind {
    /// The HTTP status for this kind. Exhaustive on purpose: a new kind must pick one.
    pub fn status(self) -> u16 {
        match self {
            ErrorKind::BadRequest => 400,
            ErrorKind::Unauthenticated => 401,
            ErrorKind::Forbidden => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::Conflict => 409,
            ErrorKind::TooManyRequests => 429,
            ErrorKind::Unavailable => 503,
            ErrorKind::InsufficientStorage => 507,
            ErrorKind::EngineFailed => 502,
            ErrorKind::UpstreamFailed => 502,
            ErrorKind::Internal => 500,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[error("{message}")]
pub struct AppError {
    pub kind: ErrorKind,
    pub message: String,
    /// The input field at fault, for `bad_request`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Seconds to wait, for `too_many_requests`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// Quote this when asking for help: the server log has the details under it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl AppError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        AppError {
            kind,
            message: message.into(),
            field: None,
            retry_after: None,
            request_id: None,
        }
    }

    pub fn bad_request(field: &str, message: impl Into<String>) -> Self {
        AppError {
            field: Some(field.to_owned()),
            ..Self::new(ErrorKind::BadRequest, message)
        }
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            ErrorKind::Unauthenticated,
            "You are not signed in, or your session has ended. Sign in again.",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, message)
    }

    pub fn too_many_requests(retry_after: u64) -> Self {
        AppError {
            retry_after: Some(retry_after),
            ..Self::new(
                ErrorKind::TooManyRequests,
                format!("Too many failed sign-ins. Wait {retry_after} seconds, then try again."),
            )
        }
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unavailable, message)
    }

    pub fn insufficient_storage(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InsufficientStorage, message)
    }

    /// The engine refused or failed; `message` says what failed and what to do next.
    pub fn engine_failed(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::EngineFailed, message)
    }

    /// A CA or hook bosun asked failed; `message` says which and what to check.
    pub fn upstream_failed(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::UpstreamFailed, message)
    }

    /// A failure the user can't fix. The message stays generic; log the cause separately.
    pub fn internal() -> Self {
        Self::new(
            ErrorKind::Internal,
            "Something went wrong on the server. Try again; if it keeps happening, give the request id to whoever runs bosun.",
        )
    }

    pub fn with_request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }

    pub fn status(&self) -> u16 {
        self.kind.status()
    }

    /// The browser lost its connection before an answer came: the request may still have
    /// been carried out on the server.
    pub fn is_connection_lost(&self) -> bool {
        self.kind == ErrorKind::Unavailable && self.field.as_deref() == Some(CONNECTION)
    }
}

const CONNECTION: &str = "connection";

/// Parses one input value with its type's own rules; a failure is a 400 naming `field`.
pub fn parse_field<T>(field: &str, value: &str) -> Result<T, AppError>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    value
        .parse()
        .map_err(|e: T::Err| AppError::bad_request(field, e.to_string()))
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::Deserialization(msg) => {
                AppError::bad_request("request", format!("The request could not be read: {msg}"))
            }
            ServerFnErrorErr::Request(msg) => AppError {
                field: Some(CONNECTION.to_owned()),
                ..AppError::unavailable(format!(
                    "bosun could not be reached ({msg}). Check your connection and try again."
                ))
            },
            ServerFnErrorErr::UnsupportedRequestMethod(msg) => AppError::bad_request("method", msg),
            other => {
                let mut e = AppError::internal();
                e.message = format!("{} ({other})", e.message);
                e
            }
        }
    }
}
