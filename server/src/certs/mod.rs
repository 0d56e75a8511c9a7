//! Certificates: bosun's own HTTPS, certificate files in watched directories, and what the
//! stack's services present; renewed from an internal CA or ACME (or uploaded), put in place
//! without a restart, and the services using them reloaded and checked.
//!
//! Three rooms: `inventory/` (what there is: scan, targets, probe, view), `renewal/` (one file
//! per step: resolve → plan → issue → place → reload → verify, then record), and `issuers/`
//! (where new certificates come from). Files are written through `crate::fsx`.

pub mod inspect;
pub mod inventory;
pub mod issuers;
mod own;
mod port;
pub mod renewal;
mod start;
mod watch;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bosun_frontend::model::CertificatesView;
use futures::Stream;

use crate::audit::AuditService;
use crate::docker::Engine;
use crate::store::Store;

pub use self::start::{Roots, Started};

pub struct Settings {
    pub dirs: Vec<PathBuf>,
    pub warn_days: u32,
    pub critical_days: u32,
    /// Renewal starts once this share (0..1) of the lifetime has passed.
    pub renew_at: f64,
    /// `BOSUN_CA_ALLOWED_NAMES` (None: the names the internal CA issued before).
    pub ca_allowed: Option<crate::config::AllowedNames>,
}

#[derive(Clone)]
pub struct CertService {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    audit: AuditService,
    engine: Engine,
    /// Renewals claim their certificate here; their reloads claim the services they touch.
    busy: crate::busy::Busy,
    notifier: crate::notify::Notifier,
    settings: Settings,
    own: own::OwnCert,
    issuers: issuers::Issuers,
    trust: crate::trust::Trust,
    probes: inventory::probe::Probes,
    /// The one scan of the certificate directories every reader shares.
    scans: inventory::shared::Scans,
    /// The day (Unix days) each certificate was last reported as expiring.
    warned: Mutex<std::collections::HashMap<String, i64>>,
    /// bosun's clock: what is due for renewal, back-off and expiry warnings are counted on it.
    /// (New certificates' validity is the real time's: clients check it.)
    clock: crate::clock::SharedClock,
}

impl CertService {
    pub fn ca_pem(&self) -> String {
        self.inner.issuers.ca().root_pem().to_owned()
    }

    /// The Certificates page's data now, then whenever it changes: renewals starting, moving
    /// on and ending, a new shared scan (containers coming and going, files written or changed
    /// on disk), and at least every 30 s. Built from the shared scan: a viewer never rescans.
    pub fn follow(&self) -> impl Stream<Item = CertificatesView> + Send + use<> {
        let busy = self.inner.busy.clone();
        let this = self.clone();
        self.inner.scans.follow(
            vec![self.inner.busy.watch()],
            move || {
                if busy.any(&[crate::busy::Work::Renewal]) {
                    Duration::from_millis(500)
                } else {
                    Duration::from_secs(30)
                }
            },
            move |scan| {
                let this = this.clone();
                async move { this.view_of(&scan).await }
            },
        )
    }
}
