//! Where the engine is, and how to connect to it.

use bollard::Docker;

/// A client is made from this whenever the monitor (re)connects, so a socket that appears
/// only later (dockerd started after bosun) is picked up.
#[derive(Clone, Debug)]
pub enum Host {
    Local,
    Unix(String),
    Http(String),
}

impl Host {
    /// `host` is a validated `unix://` or `tcp://` URL; the local socket when None.
    pub fn parse(host: Option<&str>) -> Self {
        match host {
            None => Host::Local,
            Some(h) if h.starts_with("unix://") => Host::Unix(h.to_owned()),
            Some(h) => Host::Http(h.to_owned()),
        }
    }

    /// The socket file to watch while the engine is away (None for `tcp://`).
    pub fn socket(&self) -> Option<std::path::PathBuf> {
        let url = match self {
            Host::Local => std::env::var("DOCKER_HOST")
                .ok()
                .filter(|h| h.starts_with("unix://"))
                .unwrap_or_else(|| "unix:///var/run/docker.sock".to_owned()),
            Host::Unix(url) => url.clone(),
            Host::Http(_) => return None,
        };
        url.strip_prefix("unix://").map(std::path::PathBuf::from)
    }

    pub fn connect(&self) -> Result<Docker, bollard::errors::Error> {
        const TIMEOUT_SECS: u64 = 120;
        match self {
            Host::Local => Docker::connect_with_local_defaults(),
            Host::Unix(path) => {
                Docker::connect_with_unix(path, TIMEOUT_SECS, bollard::API_DEFAULT_VERSION)
            }
            Host::Http(url) => {
                Docker::connect_with_http(url, TIMEOUT_SECS, bollard::API_DEFAULT_VERSION)
            }
        }
    }
}

/// The engine said the object does not exist.
pub fn is_not_found(e: &bollard::errors::Error) -> bool {
    matches!(
        e,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}

/// The engine said nothing had to change (already started / already stopped).
pub fn is_not_modified(e: &bollard::errors::Error) -> bool {
    matches!(
        e,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 304,
            ..
        }
    )
}

/// The engine's own message, without bollard's wrapping.
pub fn engine_message(e: &bollard::errors::Error) -> String {
    match e {
        bollard::errors::Error::DockerResponseServerError { message, .. } => message.clone(),
        other => other.to_string(),
    }
}
