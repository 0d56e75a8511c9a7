//! Certificates: bosun's own HTTPS, certificate files in watched directories, and what the
//! stack's services present; renewed from an internal CA or ACME (or uploaded), put in place
//! without a restart, and the services using them reloaded and checked.

pub mod acme;
pub mod ca;
pub mod files;
pub mod inspect;
mod port;
pub mod probe;
pub mod reload;
mod renew;
pub mod targets;
pub mod trust;
mod view;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bosun_frontend::model::CertificatesView;
use futures::Stream;

use crate::audit::AuditService;
use crate::config::{Config, TlsMode};
use crate::docker::Engine;
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

pub struct Settings {
    pub dirs: Vec<PathBuf>,
    pub warn_days: u32,
    pub critical_days: u32,
    /// Renewal starts once this share (0..1) of the lifetime has passed.
    pub renew_at: f64,
    pub own: OwnMode,
    pub own_cert: PathBuf,
    pub own_key: PathBuf,
}

struct Own {
    resolver: Arc<CertResolver>,
    /// When the files were last read (`--tls files` reloads when they change).
    loaded: Mutex<Option<SystemTime>>,
}

#[derive(Clone)]
pub struct CertService {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    audit: AuditService,
    engine: Engine,
    settings: Settings,
    own: Option<Own>,
    ca: ca::InternalCa,
    acme: Option<acme::Acme>,
    trust: trust::Trust,
    probes: probe::Probes,
    /// Renewals claim their certificate here; their reloads claim the services they touch.
    busy: crate::busy::Busy,
    notifier: crate::notify::Notifier,
    /// The day (Unix days) each certificate was last reported as expiring.
    warned: Mutex<std::collections::HashMap<String, i64>>,
}

/// What `CertService::start` hands back: the service, the resolver rustls asks on every
/// handshake (None without TLS), and the HTTP-01 listener to serve (if configured).
pub struct Started {
    pub service: CertService,
    pub resolver: Option<Arc<CertResolver>>,
    pub http01: Option<(acme::Http01Answers, tokio::net::TcpListener)>,
}

/// How often `--tls files` are looked at for changes.
const OWN_FILES_EVERY: Duration = Duration::from_secs(5);

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

impl CertService {
    pub async fn start(
        config: &Config,
        store: Store,
        audit: AuditService,
        engine: Engine,
        busy: crate::busy::Busy,
        notifier: crate::notify::Notifier,
    ) -> Result<Started, String> {
        let ca = ca::InternalCa::load_or_create(&config.data_dir, config.ca_cert_days)?;
        let mut extra = vec![ca.root_der().clone()];
        if let Some(path) = &config.cert_trust {
            extra.extend(trust::read_bundle(path).map_err(|e| format!("BOSUN_CERT_TRUST: {e}"))?);
        }
        let trust = trust::Trust::new(&extra);

        let mut http01 = None;
        let acme = match &config.acme_directory {
            None => None,
            Some(dir) => {
                let answers = match config.acme_http_listen {
                    Some(addr) => {
                        let listener = acme::bind_http01(addr).await?;
                        let answers = acme::Http01Answers::default();
                        http01 = Some((answers.clone(), listener));
                        Some(answers)
                    }
                    None => None,
                };
                Some(acme::Acme::new(
                    dir.to_string(),
                    config.acme_email.clone(),
                    answers,
                    config.acme_dns_hook.clone(),
                    trust.extra_roots(),
                    &config.data_dir,
                )?)
            }
        };

        let own_paths = crate::tls::selfsigned::paths(&config.data_dir);
        let (mode, own_cert, own_key) = match config.tls {
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
        let own = match &mode {
            OwnMode::Off => None,
            OwnMode::Files => {
                let key =
                    crate::tls::load_pem_files(&own_cert, &own_key).map_err(|e| e.to_string())?;
                Some(key)
            }
            OwnMode::Managed { names } => {
                let row = store
                    .managed_cert(bosun_frontend::model::CertId::OWN)
                    .await
                    .map_err(|e| e.to_string())?;
                let chosen = row
                    .map(|r| r.source())
                    .filter(|s| *s != bosun_frontend::model::CertSource::SelfSigned);
                let kept = match chosen {
                    // A certificate from a CA or an upload is kept as it is, even if it is
                    // due: the renewal loop takes care of that once bosun is up.
                    Some(source) => match crate::tls::load_pem_files(&own_cert, &own_key) {
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
        let resolver = own.map(|k| Arc::new(CertResolver::new(k)));
        let probe_tls = crate::links::check::accept_any_certificate(crate::tls::provider())
            .map_err(|e| e.to_string())?;
        let service = CertService {
            inner: Arc::new(Inner {
                store,
                audit,
                engine,
                settings: Settings {
                    dirs: config.cert_dirs.clone(),
                    warn_days: config.cert_warn_days.warn,
                    critical_days: config.cert_warn_days.critical,
                    renew_at: config.cert_renew_at,
                    own: mode,
                    own_cert: own_cert.clone(),
                    own_key,
                },
                own: resolver.clone().map(|r| Own {
                    resolver: r,
                    loaded: Mutex::new(modified(&own_cert)),
                }),
                ca,
                acme,
                trust,
                probes: probe::Probes::new(probe_tls),
                busy,
                notifier,
                warned: Mutex::default(),
            }),
        };
        Ok(Started {
            service,
            resolver,
            http01,
        })
    }

    pub fn ca_pem(&self) -> String {
        self.inner.ca.root_pem().to_owned()
    }

    /// The Certificates page's data now, then whenever it changes: renewals starting, moving
    /// on and ending, containers coming and going, and at least every 30 s.
    pub fn follow(&self) -> impl Stream<Item = CertificatesView> + Send + use<> {
        let busy = self.inner.busy.clone();
        let this = self.clone();
        crate::live::snapshots(
            vec![
                self.inner.busy.watch(),
                self.inner.engine.inventory().watch(),
            ],
            move || {
                if busy.any(&[crate::busy::Work::Renewal]) {
                    Duration::from_millis(500)
                } else {
                    Duration::from_secs(30)
                }
            },
            move || {
                let this = this.clone();
                async move { this.view_now().await }
            },
        )
    }

    /// Runs for as long as bosun does: probes the services' TLS ports, reloads `--tls files`
    /// when they change, and renews what is due (with back-off after failures).
    pub async fn run(self) {
        let mut inventory = self.inner.engine.inventory().watch();
        // Let the inventory fill before the first probe.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let mut last_probe: Option<std::time::Instant> = None;
        let mut last_renew: Option<std::time::Instant> = None;
        let mut changed = false;
        loop {
            if changed || last_probe.is_none_or(|t| t.elapsed() > Duration::from_secs(600)) {
                inventory.borrow_and_update();
                self.probe_all().await;
                last_probe = Some(std::time::Instant::now());
            }
            // Files on disk are looked at every few seconds (a stat of two files).
            self.reload_own_files().await;
            if changed || last_renew.is_none_or(|t| t.elapsed() >= Duration::from_secs(60)) {
                self.renew_due().await;
                self.warn_expiring().await;
                last_renew = Some(std::time::Instant::now());
            }
            changed = false;
            tokio::select! {
                () = tokio::time::sleep(OWN_FILES_EVERY) => {}
                r = inventory.changed() => {
                    if r.is_err() { return; }
                    // A burst of container events settles into one probe.
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    changed = true;
                }
            }
        }
    }

    /// Tells the notification targets, once a day per certificate, about every certificate
    /// inside the warning window (or expired) that bosun will not renew in time by itself.
    async fn warn_expiring(&self) {
        use bosun_frontend::model::{NotifyEvent, Urgency};
        let Ok((certs, _)) = self.certificates().await else {
            return;
        };
        let today = time::OffsetDateTime::now_utc().unix_timestamp() / 86_400;
        let warn = i64::from(self.inner.settings.warn_days);
        let mut warned = self.inner.warned.lock().unwrap_or_else(|p| p.into_inner());
        for c in certs
            .iter()
            .filter(|c| c.problem.is_none() && c.days_left < warn)
        {
            if warned.get(&c.id) == Some(&today) {
                continue;
            }
            warned.insert(c.id.clone(), today);
            let (severity, state) = match c.urgency {
                Urgency::Expired => (crate::notify::Severity::Critical, "has expired".to_owned()),
                Urgency::Critical => (
                    crate::notify::Severity::Critical,
                    format!("expires in {} days", c.days_left),
                ),
                _ => (
                    crate::notify::Severity::Warning,
                    format!("expires in {} days", c.days_left),
                ),
            };
            let plan = match &c.managed {
                Some(m) if m.source.renews_by_itself() => format!(
                    "bosun renews it from {} by itself{}.",
                    m.source.title(),
                    m.last_error.as_ref().map(|e| format!(", but the last try failed: {e}")).unwrap_or_default()
                ),
                _ => "bosun does not renew it by itself: renew it on the Certificates page, or upload a new one.".into(),
            };
            self.inner.notifier.send(crate::notify::Notification::new(
                NotifyEvent::CertExpiring,
                severity,
                format!("Certificate {} {state}", c.title),
                format!("The certificate {} ({}) {state}, on {}. {plan}", c.title, c.sans.join(", "), c.not_after),
                serde_json::json!({"id": c.id, "title": c.title, "names": c.sans, "not_after": c.not_after, "days_left": c.days_left}),
            ));
        }
    }

    async fn probe_all(&self) {
        let records = self.inner.engine.inventory().records();
        self.inner.probes.refresh(probe::targets(&records)).await;
        self.inner.busy.notify();
    }

    /// `--tls files`: new files on disk (renewed by another tool) are served within seconds.
    /// Files that are not usable are refused (the good certificate stays), shown on the page,
    /// audited and notified; either way the outcome is recorded.
    async fn reload_own_files(&self) {
        let (OwnMode::Files, Some(own)) = (&self.inner.settings.own, &self.inner.own) else {
            return;
        };
        let s = &self.inner.settings;
        let outcome = {
            let now = modified(&s.own_cert).max(modified(&s.own_key));
            let mut loaded = own.loaded.lock().unwrap_or_else(|p| p.into_inner());
            if now.is_none() || *loaded >= now {
                return;
            }
            // Either way, try again only when the files change once more.
            *loaded = now;
            crate::tls::load_pem_files(&s.own_cert, &s.own_key)
                .map_err(|e| e.to_string())
                .and_then(|k| own.resolver.replace(k).map_err(|e| e.to_string()))
        };
        let owner = crate::audit::Owner::system("files");
        let target = view::OWN_TITLE;
        let (outcome, detail) = match outcome {
            Ok(()) => {
                tracing::info!(path = %s.own_cert.display(), "serving the changed certificate files");
                let current = own.resolver.current();
                let leaf = current.cert.first().and_then(|c| inspect::facts(c).ok());
                let names = leaf.as_ref().map(|f| f.sans.clone()).unwrap_or_default();
                let recorded = self
                    .inner
                    .store
                    .cert_renewed(&crate::store::certs::Renewed {
                        id: bosun_frontend::model::CertId::OWN,
                        cert_path: None,
                        key_path: None,
                        source: bosun_frontend::model::CertSource::Files,
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
                    bosun_frontend::model::AuditOutcome::Ok,
                    format!("new files on disk, serial {serial}"),
                )
            }
            Err(e) => {
                tracing::warn!(error = %e, "the changed certificate files are not usable; still serving the previous certificate");
                let message = format!(
                    "The files {} and {} changed but are not usable ({e}); bosun still serves the previous certificate. Put a matching, valid pair there.",
                    s.own_cert.display(),
                    s.own_key.display()
                );
                if let Err(err) = self
                    .inner
                    .store
                    .cert_failed(
                        bosun_frontend::model::CertId::OWN,
                        &message,
                        crate::store::now_ms(),
                        Some(bosun_frontend::model::CertSource::Files),
                    )
                    .await
                {
                    tracing::error!(error = %err, "could not record the unusable certificate files");
                }
                self.inner.notifier.send(crate::notify::Notification::new(
                    bosun_frontend::model::NotifyEvent::CertRenewFailed,
                    crate::notify::Severity::Critical,
                    format!("{target}: unusable certificate files"),
                    message.clone(),
                    serde_json::json!({"id": bosun_frontend::model::CertId::OWN, "title": target, "source": "files", "error": &message}),
                ));
                (bosun_frontend::model::AuditOutcome::Failed, message)
            }
        };
        self.inner
            .audit
            .record(
                owner.who(),
                "certificate.reload",
                target,
                outcome,
                Some(detail),
            )
            .await;
        self.inner.busy.notify();
    }
}
