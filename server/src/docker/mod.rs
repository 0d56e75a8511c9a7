//! The Docker engine connection: bollard with version negotiation, and a monitor that
//! keeps the engine's status current and reconnects when the engine comes back.

use std::time::Duration;

use async_trait::async_trait;
use bollard::Docker;
use bosun_frontend::authz::Viewer;
use bosun_frontend::error::AppError;
use bosun_frontend::model::EngineStatus;
use bosun_frontend::ports::EnginePort;
use futures::StreamExt;
use tokio::sync::watch;

use crate::store::{now_ms, rfc3339};

#[derive(Clone)]
pub struct Engine {
    status: watch::Receiver<EngineStatus>,
}

fn disconnected(error: String) -> EngineStatus {
    EngineStatus {
        connected: false,
        version: None,
        api_version: None,
        error: Some(error),
        since: rfc3339(now_ms()),
    }
}

/// Where the engine is. A client is made from it whenever the monitor (re)connects, so a
/// socket that appears only later (dockerd started after bosun) is picked up.
#[derive(Clone, Debug)]
enum Host {
    Local,
    Unix(String),
    Http(String),
}

impl Host {
    fn connect(&self) -> Result<Docker, bollard::errors::Error> {
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

impl Engine {
    /// Starts the monitor for `host` (a validated `unix://` or `tcp://` URL; the local socket
    /// when None). Never fails: an engine that is down now is reported and retried.
    pub fn start(host: Option<&str>) -> (Self, tokio::task::JoinHandle<()>) {
        let host = match host {
            None => Host::Local,
            Some(h) if h.starts_with("unix://") => Host::Unix(h.to_owned()),
            Some(h) => Host::Http(h.to_owned()),
        };
        let (tx, rx) = watch::channel(disconnected("connecting to the Docker engine…".into()));
        let monitor = tokio::spawn(monitor(host, tx));
        (Engine { status: rx }, monitor)
    }

    pub fn status(&self) -> EngineStatus {
        self.status.borrow().clone()
    }

    pub fn subscribe(&self) -> watch::Receiver<EngineStatus> {
        self.status.clone()
    }
}

async fn monitor(host: Host, tx: watch::Sender<EngineStatus>) {
    let mut backoff = Duration::from_millis(250);
    loop {
        let attempt = async {
            let docker = host.connect()?;
            let version = docker.version().await?;
            Ok::<_, bollard::errors::Error>((docker, version))
        };
        match attempt.await {
            Ok((docker, version)) => {
                backoff = Duration::from_millis(250);
                let negotiated = match docker.clone().negotiate_version().await {
                    Ok(d) => d,
                    Err(e) => {
                        tracing::warn!(error = %e, "engine version negotiation failed; using the default API version");
                        docker
                    }
                };
                let api_version = negotiated.client_version().to_string();
                tracing::info!(version = ?version.version, api = %api_version, "Docker engine connected");
                tx.send_replace(EngineStatus {
                    connected: true,
                    version: version.version.clone(),
                    api_version: Some(api_version),
                    error: None,
                    since: rfc3339(now_ms()),
                });
                // The events stream stays open while the engine runs; its end means the engine went away.
                let mut events =
                    negotiated.events(None::<bollard::query_parameters::EventsOptions>);
                while let Some(item) = events.next().await {
                    if let Err(e) = item {
                        tracing::warn!(error = %e, "Docker events stream failed");
                        break;
                    }
                }
                tx.send_replace(disconnected(
                    "the connection to the Docker engine was lost".into(),
                ));
                tracing::warn!("Docker engine disconnected; retrying");
            }
            Err(e) => {
                let message = e.to_string();
                if tx.borrow().error.as_deref() != Some(message.as_str()) {
                    tracing::warn!(error = %e, "Docker engine unreachable; retrying");
                    tx.send_replace(disconnected(message));
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}

#[async_trait]
impl EnginePort for Engine {
    async fn status(&self, _actor: &Viewer) -> Result<EngineStatus, AppError> {
        Ok(Engine::status(self))
    }
}
