//! Starting the certificates room: the internal CA, the roots bosun trusts, ACME (with its
//! HTTP-01 listener), bosun's own certificate, and the probes of the services' TLS ports.

use std::sync::{Arc, Mutex};

use crate::audit::AuditService;
use crate::config::Config;
use crate::docker::Engine;
use crate::store::Store;
use crate::tls::CertResolver;
use crate::trust::Trust;

use super::inventory::probe::Probes;
use super::inventory::shared::{Scanned, Scans};
use super::issuers::acme::{self, Acme, Http01Answers};
use super::issuers::{InternalCa, Issuers};
use super::own::OwnCert;
use super::{CertService, Inner, Settings};

/// How often the certificate directories are looked at again for files changed on disk,
/// while a Certificates page follows them.
const RESCAN_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// What `CertService::start` hands back: the service, the resolver rustls asks on every
/// handshake (None without TLS), and the HTTP-01 listener to serve (if configured).
pub struct Started {
    pub service: CertService,
    pub resolver: Option<Arc<CertResolver>>,
    pub http01: Option<(Http01Answers, tokio::net::TcpListener)>,
}

/// What the certificates room starts from, read once at start: bosun's internal CA and the
/// roots bosun trusts (the system's, the CA's, `BOSUN_CERT_TRUST`'s). The same roots check
/// the registries, the identity provider, webhooks and off-site stores.
pub struct Roots {
    pub ca: InternalCa,
    pub trust: Trust,
}

impl Roots {
    pub fn load(config: &Config) -> Result<Self, String> {
        let ca = InternalCa::load_or_create(
            &config.data_dir,
            config.ca_cert_days,
            config.ca_allowed_names.as_ref(),
        )?;
        let mut extra = vec![ca.root_der().clone()];
        if let Some(path) = &config.cert_trust {
            extra.extend(
                crate::trust::read_bundle(path).map_err(|e| format!("BOSUN_CERT_TRUST: {e}"))?,
            );
        }
        let trust = Trust::new(&extra);
        Ok(Roots { ca, trust })
    }
}

impl CertService {
    // The rooms it works with, each one handle: grouping them in a struct would only move
    // the same list elsewhere.
    #[allow(clippy::too_many_arguments)]
    pub async fn start(
        config: &Config,
        roots: Roots,
        store: Store,
        audit: AuditService,
        engine: Engine,
        busy: crate::busy::Busy,
        notifier: crate::notify::Notifier,
        clock: crate::clock::SharedClock,
    ) -> Result<Started, String> {
        let Roots { ca, trust } = roots;

        let mut http01 = None;
        let acme = match &config.acme_directory {
            None => None,
            Some(dir) => {
                let answers = match config.acme_http_listen {
                    Some(addr) => {
                        let listener = acme::bind_http01(addr).await?;
                        let answers = Http01Answers::default();
                        http01 = Some((answers.clone(), listener));
                        Some(answers)
                    }
                    None => None,
                };
                Some(Acme::new(
                    dir.to_string(),
                    config.acme_email.clone(),
                    answers,
                    config.acme_dns_hook.clone(),
                    trust.extra_roots(),
                    &config.data_dir,
                )?)
            }
        };

        let own = OwnCert::load(config, &store).await?;
        let resolver = own.resolver();
        let probe_tls = crate::net::accept_any_certificate(crate::tls::provider())
            .map_err(|e| e.to_string())?;
        let scans = {
            let (engine, dirs) = (engine.clone(), config.cert_dirs.clone());
            Scans::new(RESCAN_EVERY, move || {
                Scanned::of(&engine.inventory().records(), &dirs)
            })
        };
        let service = CertService {
            inner: Arc::new(Inner {
                store,
                audit,
                engine,
                busy,
                notifier,
                settings: Settings {
                    dirs: config.cert_dirs.clone(),
                    warn_days: config.cert_warn_days.warn,
                    critical_days: config.cert_warn_days.critical,
                    renew_at: config.cert_renew_at,
                    ca_allowed: config.ca_allowed_names.clone(),
                },
                issuers: Issuers::new(ca, acme, own.managed()),
                own,
                trust,
                probes: Probes::new(probe_tls),
                scans,
                warned: Mutex::default(),
                clock,
            }),
        };
        Ok(Started {
            service,
            resolver,
            http01,
        })
    }
}
