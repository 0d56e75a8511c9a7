//! bosun's own certificate: how it is kept (none, managed in `<data>/tls/`, or the `--tls files`),
//! the resolver rustls asks on every handshake, and files changed by another tool picked up.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use bosun_frontend::model::{AuditOutcome, CertId, CertSource, NotifyEvent};
use rustls::sign::CertifiedKey;

use super::{CertService, inspect};
use crate::config::{Config, TlsMode};
use crate::store::Store;
use crate::tls::CertResolver;

/// How bosun serves HTTPS, and where its own certificate is kept.
#[derive(Clone, Debug)]
pub enum OwnMode {
    /// Plain HTTP behind a proxy: no certificate of its own.
    Off,
    /// Kept in `<data>/tls/`: self-signed at first, then from the source chosen.
    Managed { names: Vec<String> },
    /// The files given with `--tls files`; reloaded when they change, written on renewal.
    Files,
}

pub const OWN_TITLE: &str = "bosun's own HTTPS";

pub struct OwnCert {
    pub mode: OwnMode,
    pub cert: PathBuf,
    pub key: PathBuf,
    live: Option<Live>,
}

struct Live {
    resolver: Arc<CertResolver>,
    /// When the files were last read (`--tls files` reloads when they change).
    loaded: Mutex<Option<SystemTime>>,
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

impl OwnCert {
    /// What bosun serves at start: the files, the kept certificate, or a new self-signed one.
    pub async fn load(config: &Config, store: &Store) -> Result<Self, String> {
        let own_paths = crate::tls::selfsigned::paths(&config.data_dir);
        let (mode, cert, key) = match config.tls {
            TlsMode::Off => (OwnMode::Off, own_paths.cert, own_paths.key),
            TlsMode::Files => match (&config.tls_cert, &config.tls_key) {
                (Some(c), Some(k)) => (OwnMode::Files, c.clone(), k.clone()),
                _ => return Err("--tls files needs --tls-cert and --tls-key".into()),
            },
            TlsMode::Auto => (
                OwnMode::Managed {
                    names: crate::tls::selfsigned::wanted_names(
                        &config.tls_names,
                        config.public_url.as_ref().and_then(|u| u.host_str()),
                    ),
                },
                own_paths.cert,
                own_paths.key,
            ),
        };
        let served = match &mode {
            OwnMode::Off => None,
            OwnMode::Files => {
                Some(crate::tls::load_pem_files(&cert, &key).map_err(|e| e.to_string())?)
            }
            OwnMode::Managed { names } => {
                let row = store
                    .managed_cert(CertId::OWN)
                    .await
                    .map_err(|e| e.to_string())?;
                let chosen = row
                    .map(|r| r.source())
                    .filter(|s| *s != CertSource::SelfSigned);
                let kept = match chosen {
                    // A certificate from a CA or an upload is kept as it is, even if it is
                    // due: the renewal loop takes care of that once bosun is up.
                    Some(source) => match crate::tls::load_pem_files(&cert, &key) {
                        Ok(k) => Some(k),
                        Err(e) => {
                            tracing::warn!(error = %e, %source, "bosun's own certificate is unusable; making a self-signed one");
                            None
                        }
                    },
                    None => None,
                };
                match kept {
                    Some(k) => Some(k),
                    None => Some(
                        crate::tls::selfsigned::load_or_create(&config.data_dir, names)
                            .map_err(|e| e.to_string())?,
                    ),
                }
            }
        };
        let live = served.map(|k| Live {
            resolver: Arc::new(CertResolver::new(k)),
            loaded: Mutex::new(modified(&cert)),
        });
        Ok(OwnCert {
            mode,
            cert,
            key,
            live,
        })
    }

    pub fn resolver(&self) -> Option<Arc<CertResolver>> {
        self.live.as_ref().map(|l| l.resolver.clone())
    }

    /// The certificate served now; None with plain HTTP.
    pub fn serving(&self) -> Option<Arc<CertifiedKey>> {
        self.live.as_ref().map(|l| l.resolver.current())
    }

    /// `--tls auto`: bosun may make it self-signed.
    pub fn managed(&self) -> bool {
        matches!(self.mode, OwnMode::Managed { .. })
    }

    /// The source it has when no renewal recorded one.
    pub fn first_source(&self) -> CertSource {
        match self.mode {
            OwnMode::Files => CertSource::Files,
            _ => CertSource::SelfSigned,
        }
    }

    /// The names it is for: the configured ones, or those of the certificate served.
    pub fn names(&self) -> Vec<String> {
        match &self.mode {
            OwnMode::Managed { names } => names.clone(),
            _ => self
                .serving()
                .and_then(|c| c.cert.first().and_then(|l| inspect::facts(l).ok()))
                .map(|f| f.sans)
                .unwrap_or_default(),
        }
    }

    /// Serves `key` to new handshakes (checked again first); the files on disk are its.
    pub fn swap(&self, key: CertifiedKey) -> Result<(), String> {
        let live = self.live.as_ref().ok_or("bosun serves plain HTTP")?;
        live.resolver.replace(key).map_err(|e| e.to_string())?;
        *live.loaded.lock().unwrap_or_else(|p| p.into_inner()) = modified(&self.cert);
        Ok(())
    }

    /// `--tls files`: when the files changed since they were read, the new pair (or why it
    /// is refused). Either way they are tried again only once they change once more.
    fn changed(&self) -> Option<Result<(), String>> {
        let (OwnMode::Files, Some(live)) = (&self.mode, &self.live) else {
            return None;
        };
        let now = modified(&self.cert).max(modified(&self.key));
        let mut loaded = live.loaded.lock().unwrap_or_else(|p| p.into_inner());
        if now.is_none() || *loaded >= now {
            return None;
        }
        *loaded = now;
        Some(
            crate::tls::load_pem_files(&self.cert, &self.key)
                .map_err(|e| e.to_string())
                .and_then(|k| live.resolver.replace(k).map_err(|e| e.to_string())),
        )
    }
}

impl CertService {
    /// `--tls files`: new files on disk (renewed by another tool) are served within seconds.
    /// Files that are not usable are refused (the good certificate stays), shown on the page,
    /// audited and notified; either way the outcome is recorded.
    pub(super) async fn reload_own_files(&self) {
        let own = &self.inner.own;
        let Some(outcome) = own.changed() else {
            return;
        };
        let owner = crate::audit::Owner::system("files");
        let (outcome, detail) = match outcome {
            Ok(()) => {
                tracing::info!(path = %own.cert.display(), "serving the changed certificate files");
                let leaf = own
                    .serving()
                    .and_then(|c| c.cert.first().and_then(|l| inspect::facts(l).ok()));
                let names = leaf.as_ref().map(|f| f.sans.clone()).unwrap_or_default();
                let recorded = self
                    .inner
                    .store
                    .cert_renewed(&crate::store::certs::Renewed {
                        id: CertId::OWN,
                        cert_path: None,
                        key_path: None,
                        source: CertSource::Files,
                        challenge: None,
                        names: &names,
                        reload: &[],
                        reloads: &[],
                    })
                    .await;
                if let Err(e) = recorded {
                    tracing::error!(error = %e, "could not record the new certificate files");
                }
                let serial = leaf.map(|f| f.serial).unwrap_or_default();
                (
                    AuditOutcome::Ok,
                    format!("new files on disk, serial {serial}"),
                )
            }
            Err(e) => (AuditOutcome::Failed, self.own_files_refused(&e).await),
        };
        self.inner
            .audit
            .record(
                owner.who(),
                "certificate.reload",
                OWN_TITLE,
                outcome,
                Some(detail),
            )
            .await;
        self.inner.busy.notify();
    }

    /// Records and notifies unusable `--tls files`; the message for the audit record.
    async fn own_files_refused(&self, e: &str) -> String {
        let own = &self.inner.own;
        tracing::warn!(error = %e, "the changed certificate files are not usable; still serving the previous certificate");
        let message = format!(
            "The files {} and {} changed but are not usable ({e}); bosun still serves the previous certificate. Put a matching, valid pair there.",
            own.cert.display(),
            own.key.display()
        );
        if let Err(err) = self
            .inner
            .store
            .cert_failed(
                CertId::OWN,
                &message,
                self.inner.clock.now_ms(),
                Some(CertSource::Files),
            )
            .await
        {
            tracing::error!(error = %err, "could not record the unusable certificate files");
        }
        self.inner.notifier.send(crate::notify::Notification::new(
            NotifyEvent::CertRenewFailed,
            crate::notify::Severity::Critical,
            format!("{OWN_TITLE}: unusable certificate files"),
            message.clone(),
            serde_json::json!({"id": CertId::OWN, "title": OWN_TITLE, "source": "files", "error": &message}),
        ));
        message
    }
}
