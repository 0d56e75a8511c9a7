//! An engine operation that failed, as bosun's own error: the engine's message without
//! bollard's wrapping, and what it meant (no such object, nothing to change, not connected).

use std::fmt;

use bosun_frontend::error::AppError;

use super::client::engine_message;

/// What kind of "no" the engine gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// 404: the container, exec, image or service does not exist.
    NotFound,
    /// 304: already in the wanted state (started, stopped).
    NotModified,
    /// bosun has no connection to the engine right now.
    Disconnected,
    /// Anything else the engine or the connection reported.
    Other,
}

#[derive(Clone, Debug)]
pub struct EngineError {
    failure: Failure,
    message: String,
}

impl EngineError {
    pub(super) fn disconnected(message: String) -> Self {
        EngineError {
            failure: Failure::Disconnected,
            message,
        }
    }

    pub fn failure(&self) -> Failure {
        self.failure
    }

    pub fn is_not_found(&self) -> bool {
        self.failure == Failure::NotFound
    }

    pub fn is_not_modified(&self) -> bool {
        self.failure == Failure::NotModified
    }

    /// The engine's own words (or why there is no engine to ask).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EngineError {}

impl From<bollard::errors::Error> for EngineError {
    fn from(e: bollard::errors::Error) -> Self {
        let failure = match &e {
            bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            } => Failure::NotFound,
            bollard::errors::Error::DockerResponseServerError {
                status_code: 304, ..
            } => Failure::NotModified,
            _ => Failure::Other,
        };
        EngineError {
            failure,
            message: engine_message(&e),
        }
    }
}

/// Without a caller's context: 503 when disconnected, 404 for a missing object, else 502.
impl From<EngineError> for AppError {
    fn from(e: EngineError) -> Self {
        match e.failure {
            Failure::Disconnected => AppError::unavailable(e.message),
            Failure::NotFound => AppError::not_found(e.message),
            Failure::NotModified | Failure::Other => AppError::engine_failed(e.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(status_code: u16, message: &str) -> bollard::errors::Error {
        bollard::errors::Error::DockerResponseServerError {
            status_code,
            message: message.to_owned(),
        }
    }

    #[test]
    fn the_engine_status_is_kept_with_its_own_message() {
        let gone = EngineError::from(server(404, "No such container: abc"));
        assert!(gone.is_not_found());
        assert_eq!(gone.message(), "No such container: abc");
        assert_eq!(AppError::from(gone).status(), 404);

        let same = EngineError::from(server(304, ""));
        assert!(same.is_not_modified());
        assert!(!same.is_not_found());

        let busy = EngineError::from(server(409, "container is paused"));
        assert_eq!(busy.failure(), Failure::Other);
        assert_eq!(busy.to_string(), "container is paused");
        assert_eq!(AppError::from(busy).status(), 502);
    }

    #[test]
    fn no_connection_is_a_503() {
        let away = EngineError::disconnected("The Docker engine is unreachable".into());
        assert_eq!(away.failure(), Failure::Disconnected);
        assert_eq!(AppError::from(away).status(), 503);
    }
}
