//! Keeps the engine status and the inventory current: connect, read every container once,
//! then follow the events stream; on loss, say so and reconnect: at once when the socket
//! appears again, otherwise with a short back-off (at most `MAX_BACKOFF`).

use std::time::Duration;

use bollard::Docker;
use bollard::models::{EventMessage, EventMessageTypeEnum};
use bollard::query_parameters::{EventsOptions, ListContainersOptions};
use bosun_frontend::model::EngineStatus;
use futures::{StreamExt, TryStreamExt};
use tokio::sync::watch;

use super::client::{Host, is_not_found};
use super::inventory::Inventory;
use super::record::Record;
use crate::store::{now_ms, rfc3339};

pub fn disconnected(error: String) -> EngineStatus {
    EngineStatus {
        connected: false,
        version: None,
        api_version: None,
        error: Some(error),
        since: rfc3339(now_ms()),
    }
}

/// A container's moment worth noticing (for notifications): died, OOM-killed, killed or
/// stopped on purpose, or a health check result.
#[derive(Clone, Debug)]
pub struct Lifecycle {
    pub id: String,
    pub name: String,
    /// `die`, `oom`, `kill`, `stop`, `health_status: unhealthy`, …
    pub action: String,
    pub exit_code: Option<i64>,
    pub labels: std::collections::HashMap<String, String>,
}

/// The longest wait between two connection attempts: an engine that is back is seen within it.
const MAX_BACKOFF: Duration = Duration::from_secs(1);
/// How often the socket file is looked at while the engine is away (a `stat`, nothing more).
const SOCKET_POLL: Duration = Duration::from_millis(50);

pub struct Monitor {
    pub host: Host,
    pub lifecycle: tokio::sync::broadcast::Sender<Lifecycle>,
    pub status: watch::Sender<EngineStatus>,
    pub client: watch::Sender<Option<Docker>>,
    pub inventory: Inventory,
}

impl Monitor {
    pub async fn run(self) {
        let mut backoff = Duration::from_millis(250);
        loop {
            let attempt = async {
                let docker = self.host.connect()?;
                let version = docker.version().await?;
                Ok::<_, bollard::errors::Error>((docker, version))
            };
            match attempt.await {
                Ok((docker, version)) => {
                    backoff = Duration::from_millis(250);
                    let docker = match docker.clone().negotiate_version().await {
                        Ok(d) => d,
                        Err(e) => {
                            tracing::warn!(error = %e, "engine version negotiation failed; using the default API version");
                            docker
                        }
                    };
                    let api_version = docker.client_version().to_string();
                    tracing::info!(version = ?version.version, api = %api_version, "Docker engine connected");
                    self.client.send_replace(Some(docker.clone()));
                    let connected = EngineStatus {
                        connected: true,
                        version: version.version.clone(),
                        api_version: Some(api_version),
                        error: None,
                        since: rfc3339(now_ms()),
                    };
                    if let Err(e) = self.follow(&docker, connected).await {
                        tracing::warn!(error = %e, "lost the Docker engine");
                    }
                    self.client.send_replace(None);
                    self.inventory.mark_disconnected();
                    self.status.send_replace(disconnected(
                        "the connection to the Docker engine was lost".into(),
                    ));
                    tracing::warn!("Docker engine disconnected; retrying");
                }
                Err(e) => {
                    let message = e.to_string();
                    if self.status.borrow().error.as_deref() != Some(message.as_str()) {
                        tracing::warn!(error = %e, "Docker engine unreachable; retrying");
                        self.status.send_replace(disconnected(message));
                    }
                    self.wait_before_retry(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }

    /// Sleeps `backoff`, or less: a unix socket that was missing and appears ends the wait
    /// (dockerd creates it when it starts listening).
    async fn wait_before_retry(&self, backoff: Duration) {
        let Some(socket) = self.host.socket() else {
            tokio::time::sleep(backoff).await;
            return;
        };
        let was_there = socket.exists();
        let deadline = tokio::time::Instant::now() + backoff;
        while tokio::time::Instant::now() < deadline {
            tokio::time::sleep(SOCKET_POLL).await;
            if !was_there && socket.exists() {
                return;
            }
        }
    }

    /// Reads everything, then applies events until the stream ends (the engine went away).
    async fn follow(
        &self,
        docker: &Docker,
        connected: EngineStatus,
    ) -> Result<(), bollard::errors::Error> {
        // Events from just before the full read are replayed, so nothing falls in between.
        let since = (now_ms() / 1000 - 1).to_string();
        let mut events = docker.events(Some(EventsOptions {
            since: Some(since),
            ..Default::default()
        }));
        self.inventory.replace_all(read_all(docker).await?);
        self.status.send_replace(connected);
        while let Some(event) = events.next().await {
            self.apply(docker, event?).await?;
        }
        Ok(())
    }

    async fn apply(
        &self,
        docker: &Docker,
        event: EventMessage,
    ) -> Result<(), bollard::errors::Error> {
        let action = event.action.as_deref().unwrap_or_default();
        let actor = event.actor.unwrap_or_default();
        if event.typ == Some(EventMessageTypeEnum::CONTAINER)
            && (matches!(action, "die" | "oom" | "kill" | "stop")
                || action.starts_with("health_status"))
        {
            let mut labels = actor.attributes.clone().unwrap_or_default();
            let name = labels.remove("name").unwrap_or_default();
            let exit_code = labels.remove("exitCode").and_then(|c| c.parse().ok());
            // No one listening is fine.
            let _ = self.lifecycle.send(Lifecycle {
                id: actor.id.clone().unwrap_or_default(),
                name,
                action: action.to_owned(),
                exit_code,
                labels,
            });
        }
        let id = match event.typ {
            Some(EventMessageTypeEnum::CONTAINER) if changes_container(action) => actor.id,
            Some(EventMessageTypeEnum::NETWORK) if matches!(action, "connect" | "disconnect") => {
                actor.attributes.unwrap_or_default().remove("container")
            }
            _ => None,
        };
        let Some(id) = id else { return Ok(()) };
        if action == "destroy" {
            self.inventory.remove(&id);
            return Ok(());
        }
        match docker.inspect_container(&id, None).await {
            Ok(c) => self.inventory.upsert(Record::from(c)),
            Err(e) if is_not_found(&e) => self.inventory.remove(&id),
            Err(e) => return Err(e),
        }
        Ok(())
    }
}

/// Container events that change what the page shows (not exec_*, attach, top, …).
fn changes_container(action: &str) -> bool {
    matches!(
        action,
        "create"
            | "start"
            | "restart"
            | "stop"
            | "die"
            | "kill"
            | "pause"
            | "unpause"
            | "oom"
            | "rename"
            | "update"
            | "destroy"
    ) || action.starts_with("health_status")
}

/// Lists every container and inspects each (eight at a time).
pub async fn read_all(docker: &Docker) -> Result<Vec<Record>, bollard::errors::Error> {
    let list = docker
        .list_containers(Some(ListContainersOptions {
            all: true,
            ..Default::default()
        }))
        .await?;
    futures::stream::iter(list.into_iter().filter_map(|c| c.id))
        .map(|id| async move {
            match docker.inspect_container(&id, None).await {
                Ok(c) => Ok(Some(Record::from(c))),
                // Removed between the list and the inspect.
                Err(e) if is_not_found(&e) => Ok(None),
                Err(e) => Err(e),
            }
        })
        .buffer_unordered(8)
        .try_filter_map(|r| async move { Ok(r) })
        .try_collect()
        .await
}

#[cfg(test)]
mod tests {
    use super::changes_container;

    #[test]
    fn exec_and_attach_events_do_not_trigger_inspects() {
        assert!(changes_container("die"));
        assert!(changes_container("health_status: unhealthy"));
        assert!(!changes_container("exec_start: pg_dump demo"));
        assert!(!changes_container("attach"));
    }
}
