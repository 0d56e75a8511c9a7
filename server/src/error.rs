//! Turning internal failures into what the user sees (generic) and what the log gets (detail).

use std::fmt::Display;

use bosun_frontend::error::AppError;

/// Logs the cause under the current request and returns a generic 500 for the user.
pub fn internal(context: &str, cause: impl Display) -> AppError {
    tracing::error!(%cause, "{context}");
    AppError::internal()
}

/// `?`-friendly conversions for the store and the hasher.
pub trait OrInternal<T> {
    fn or_internal(self, context: &str) -> Result<T, AppError>;
}

impl<T, E: Display> OrInternal<T> for Result<T, E> {
    fn or_internal(self, context: &str) -> Result<T, AppError> {
        self.map_err(|e| internal(context, e))
    }
}
