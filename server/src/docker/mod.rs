//! The Docker engine connection: bollard with version negotiation, and a monitor that
//! keeps the engine's status current and reconnects when the engine comes back.

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
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
    client: Arc<ArcSwap<Docker>>,
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

impl Engine {
    /// Connects with the usual defaults (`DOCKER_HOST`, else the local socket) and starts the
    /// monitor. Never fails: an engine that is down now is reported and retried.
    pub fn start() -> Result<(Self, tokio::task::JoinHandle<()>), bollard::errors::Error> {
        let docker = Docker::connect_with_defaults()?;
        let client = Arc::new(ArcSwap::from_pointee(docker));
        let (tx, rx) = watch::channel(disconnected("connecting to the Docker engine…".into()));
        let monitor = tokio::spawn(monitor(client.clone(), tx));
        Ok((Engine { client, status: rx }, monitor))
    }

    /// The current client (negotiated to the engine's API version once it answered).
    pub fn docker(&self) -> Arc<Docker> {
        self.client.load_full()
    }

    pub fn status(&self) -> EngineStatus {
        self.status.borrow().clone()
    }

    pub fn subscribe(&self) -> watch::Receiver<EngineStatus> {
        self.status.clone()
    }
}

async fn monitor(client: Arc<ArcSwap<Docker>>, tx: watch::Sender<EngineStatus>) {
    let mut backoff = Duration::from_millis(500);
    loop {
        let docker = client.load_full();
        match docker.version().await {
            Ok(version) => {
                backoff = Duration::from_millis(500);
                let negotiated = match (*docker).clone().negotiate_version().await {
                    Ok(d) => d,
                    Err(e) => {
                        tracing::warn!(error = %e, "engine version negotiation failed; using the default API version");
                        (*docker).clone()
                    }
                };
                let api_version = negotiated.client_version().to_string();
                client.store(Arc::new(negotiated.clone()));
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
                    "the connection to the Docker engine was lost.".into(),
                ));
                tracing::warn!("Docker engine disconnected; retrying");
            }
            Err(e) => {
                let message = format!("{e}.");
                if tx.borrow().error.as_deref() != Some(message.as_str()) {
                    tracing::warn!(error = %e, "Docker engine unreachable; retrying");
                    tx.send_replace(disconnected(message));
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
        if tx.is_closed() {
            return;
        }
    }
}

#[async_trait]
impl EnginePort for Engine {
    async fn status(&self, _actor: &Viewer) -> Result<EngineStatus, AppError> {
        Ok(Engine::status(self))
    }
}
