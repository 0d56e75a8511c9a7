//! The Docker engine: a bollard client with version negotiation, a monitor that keeps the
//! engine status and the container inventory current, and per-container stats (live, and an
//! always-on history).

pub mod archive;
pub mod client;
pub mod containers;
pub mod database;
pub mod details;
pub mod error;
pub mod exec;
pub mod history;
pub mod images;
pub mod inventory;
pub mod logs;
pub mod monitor;
pub mod oneoff;
pub mod output;
pub mod own;
pub mod record;
pub mod reload;
pub mod replace;
pub mod stats;
pub mod swarm;
pub mod template;
pub mod throwaway;
pub mod tty;

use async_trait::async_trait;
use bollard::Docker;
use bosun_frontend::authz::Viewer;
use bosun_frontend::error::AppError;
use bosun_frontend::model::EngineStatus;
use bosun_frontend::ports::EnginePort;
use tokio::sync::watch;

use self::client::Host;
use self::error::EngineError;
use self::inventory::Inventory;
use self::monitor::{Monitor, disconnected};

#[derive(Clone)]
pub struct Engine {
    status: watch::Receiver<EngineStatus>,
    lifecycle: tokio::sync::broadcast::Sender<monitor::Lifecycle>,
    client: watch::Receiver<Option<Docker>>,
    inventory: Inventory,
}

impl Engine {
    /// Starts the monitor for `host` (a validated `unix://` or `tcp://` URL; the local socket
    /// when None). Never fails: an engine that is down now is reported and retried.
    pub fn start(host: Option<&str>) -> (Self, tokio::task::JoinHandle<()>) {
        let (status_tx, status) =
            watch::channel(disconnected("connecting to the Docker engine…".into()));
        let (client_tx, client) = watch::channel(None);
        let inventory = Inventory::default();
        let (lifecycle, _) = tokio::sync::broadcast::channel(256);
        let monitor = Monitor {
            host: Host::parse(host),
            lifecycle: lifecycle.clone(),
            status: status_tx,
            client: client_tx,
            inventory: inventory.clone(),
        };
        let task = tokio::spawn(monitor.run());
        (
            Engine {
                status,
                lifecycle,
                client,
                inventory,
            },
            task,
        )
    }

    pub fn status(&self) -> EngineStatus {
        self.status.borrow().clone()
    }

    pub fn subscribe(&self) -> watch::Receiver<EngineStatus> {
        self.status.clone()
    }

    /// Containers dying, being OOM-killed, stopped, turning unhealthy, as the engine says.
    pub fn lifecycle(&self) -> tokio::sync::broadcast::Receiver<monitor::Lifecycle> {
        self.lifecycle.subscribe()
    }

    pub fn inventory(&self) -> &Inventory {
        &self.inventory
    }

    /// Whether bosun has a connection to the engine right now.
    pub fn connected(&self) -> bool {
        self.client.borrow().is_some()
    }

    /// Ok while connected, or 503 saying what to check: for refusing early, before a claim.
    pub fn ready(&self) -> Result<(), AppError> {
        self.client().map(drop).map_err(AppError::from)
    }

    /// The client for the connected engine: only the operations in this room use it.
    fn client(&self) -> Result<Docker, EngineError> {
        self.client.borrow().clone().ok_or_else(|| {
            let why = self.status().error.unwrap_or_default();
            EngineError::disconnected(format!(
                "The Docker engine is unreachable ({why}). bosun reconnects by itself; check that dockerd is running and that /var/run/docker.sock is mounted into bosun, then try again."
            ))
        })
    }
}

#[async_trait]
impl EnginePort for Engine {
    async fn status(&self, _actor: &Viewer) -> Result<EngineStatus, AppError> {
        Ok(Engine::status(self))
    }
}
