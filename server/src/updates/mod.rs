//! Image updates: each compose service's image is compared with its registry's current build
//! (on a schedule and on demand); an update pulls the new build with progress and recreates
//! the service's containers as compose would, each behind a health gate, and puts the old ones
//! back by itself when a new one fails. A rollback does the same towards the image the service
//! ran before. One update of a service at a time, excluding its scale, stop and restore (the
//! busy registry); every run audited and kept, and finished or put back after a bosun restart.

pub mod board;
mod check;
mod compose;
mod events;
mod gate;
mod launch;
mod logins;
mod port;
mod recover;
mod reference;
mod registry;
mod run;
mod swap;
mod swarm;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bosun_frontend::model::UpdateRunDto;
use tokio::sync::watch;

pub use self::board::Board;
use self::logins::Logins;
use crate::audit::AuditService;
use crate::busy::Busy;
use crate::clock::SharedClock;
use crate::docker::Engine;
use crate::docker::images::Login;
use crate::notify::Notifier;
use crate::store::Store;

/// The label that leaves a service out of checks and updates (`bosun.update=false`).
pub const UPDATE_LABEL: &str = "bosun.update";
/// How long a new container without a health check must run, unrestarted, to pass the gate.
pub const WAIT_LABEL: &str = "bosun.update.wait";
/// The gate's wait when the service does not set one.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct UpdatesService {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    busy: Busy,
    store: Store,
    audit: AuditService,
    notifier: Notifier,
    clock: SharedClock,
    board: Board,
    docker_config: Option<PathBuf>,
    /// Asks registries when a build was made (None when it could not be built).
    http: Option<reqwest::Client>,
    /// One check of every service at a time.
    checking: tokio::sync::Mutex<()>,
    /// The runs going on now, by id: their latest state, for their event streams.
    live: Mutex<HashMap<i64, watch::Sender<UpdateRunDto>>>,
}

/// What the service is built from.
pub struct Parts {
    pub engine: Engine,
    pub busy: Busy,
    pub store: Store,
    pub audit: AuditService,
    pub notifier: Notifier,
    pub clock: SharedClock,
    pub board: Board,
    pub docker_config: Option<PathBuf>,
    /// The roots registries' certificates are checked against.
    pub roots: Arc<rustls::RootCertStore>,
}

impl UpdatesService {
    /// The service, with the board filled from the store; runs a previous bosun left
    /// running are put back (in the background, once the engine answers).
    pub async fn start(parts: Parts) -> Self {
        let http = crate::net::Https::trusting(parts.roots)
            .timeout(Duration::from_secs(20))
            .build()
            .map_err(|e| tracing::error!(error = %e, "no HTTP client for registries; build times are not shown"))
            .ok();
        let service = UpdatesService {
            inner: Arc::new(Inner {
                engine: parts.engine,
                busy: parts.busy,
                store: parts.store,
                audit: parts.audit,
                notifier: parts.notifier,
                clock: parts.clock,
                board: parts.board,
                docker_config: parts.docker_config,
                http,
                checking: tokio::sync::Mutex::new(()),
                live: Mutex::default(),
            }),
        };
        service.load_board().await;
        service.recover().await;
        service
    }

    /// The login for `registry`, read from the Docker config now (so a changed file counts).
    fn login(&self, registry: &str) -> Option<Login> {
        let path = self.inner.docker_config.as_ref()?;
        match Logins::read(path) {
            Ok(logins) => logins.for_registry(registry).cloned(),
            Err(e) => {
                tracing::warn!(error = %e, "could not read the registry logins (BOSUN_DOCKER_CONFIG)");
                None
            }
        }
    }

    fn live_runs(&self) -> std::sync::MutexGuard<'_, HashMap<i64, watch::Sender<UpdateRunDto>>> {
        // A poisoned lock only means a holder panicked mid-update; the map is still whole.
        self.inner.live.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn load_board(&self) {
        let store = &self.inner.store;
        let board = &self.inner.board;
        match store.update_checks().await {
            Ok(rows) => rows.iter().for_each(|r| board.set_check(r.dto())),
            Err(e) => tracing::error!(error = %e, "could not read the last update checks"),
        }
        match store.latest_updates().await {
            Ok(rows) => rows.iter().for_each(|r| board.set_run(r.dto())),
            Err(e) => tracing::error!(error = %e, "could not read the latest update runs"),
        }
        match store.rollback_targets().await {
            Ok(rows) => rows.iter().for_each(|r| {
                board.set_rollback_to(&r.project, &r.service, &r.image, Some(r.from_id.clone()))
            }),
            Err(e) => tracing::error!(error = %e, "could not read the rollback targets"),
        }
    }
}
