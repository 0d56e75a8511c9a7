//! The inventory as the page and the REST API show it: every certificate with its facts,
//! how urgent it is, and what bosun does about it.

use bosun_frontend::error::AppError;
use bosun_frontend::model::{
    AcmeDto, CertDto, CertId, CertKind, CertSource, CertificatesView, ChainCheck, KeyCheck,
    ManagedDto, Urgency,
};
use rustls_pki_types::CertificateDer;
use sha2::{Digest, Sha256};

use super::files::{CertFile, KeyFound};
use super::probe::Probed;
use super::targets::Target;
use super::{CertService, OwnMode, inspect};
use crate::error::OrInternal;
use crate::store::certs::ManagedRow;
use crate::store::rfc3339;

pub const OWN_TITLE: &str = "bosun's own HTTPS";

pub fn now_secs() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

pub fn file_id(path: &std::path::Path) -> CertId {
    let digest = hex::encode(Sha256::digest(path.to_string_lossy().as_bytes()));
    CertId::from_parts(CertKind::File, &digest)
}

/// A usable target is its certificate file; one bosun cannot use is that service's own entry
/// (two services may name the same path inside unrelated containers).
pub fn target_id(t: &Target) -> CertId {
    if t.problem.is_some() {
        let key = format!("{}:{}", t.service, t.cert.display());
        file_id(std::path::Path::new(&key))
    } else {
        file_id(&t.cert)
    }
}

pub fn served_id(p: &Probed) -> CertId {
    let digest = hex::encode(Sha256::digest(
        format!("{}:{}", p.target.container, p.target.port).as_bytes(),
    ));
    CertId::from_parts(CertKind::Served, &digest)
}

/// What differs between the kinds; the rest of a `CertDto` is read off the chain.
struct Basis<'a> {
    id: CertId,
    kind: CertKind,
    title: String,
    chain: Result<&'a [CertificateDer<'static>], String>,
    key: Option<KeyCheck>,
    managed: Option<ManagedDto>,
    renew_sources: Vec<CertSource>,
}

fn key_check(k: &KeyFound) -> Option<KeyCheck> {
    let shown = |p: &std::path::Path| Some(p.display().to_string());
    Some(match k {
        KeyFound::NotNeeded => return None,
        KeyFound::SameFile => KeyCheck {
            file: None,
            matches: true,
            message: "in the same file, and belongs to the certificate".into(),
        },
        KeyFound::Matching(p) => KeyCheck {
            file: shown(p),
            matches: true,
            message: "belongs to the certificate".into(),
        },
        KeyFound::Mismatched(p) => KeyCheck {
            file: shown(p),
            matches: false,
            message: "does not belong to this certificate: a service using the pair fails its TLS handshakes. Renew it, or upload the matching pair.".into(),
        },
        KeyFound::Unreadable(p, e) => KeyCheck {
            file: shown(p),
            matches: false,
            message: e.clone(),
        },
        KeyFound::None => KeyCheck {
            file: None,
            matches: false,
            message: "no key file found beside it (bosun looks for NAME.key, privkey.pem and any key in the same directory that matches)".into(),
        },
    })
}

/// Whether the key file on disk belongs to the certificate bosun serves. bosun never serves a
/// pair that does not match, so a mismatch here means the file changed after it was loaded
/// (by hand, or by another tool) and the next reload or restart would refuse it.
fn own_key_check(path: &std::path::Path, served: Option<&CertificateDer<'static>>) -> KeyCheck {
    let key = std::fs::read(path)
        .map_err(|e| {
            format!("cannot be read ({e}); bosun keeps serving the key it loaded before. Check the file and its permissions.")
        })
        .and_then(|pem| inspect::key_from_pem(&pem));
    let (matches, message) = match key.map(|k| served.is_some_and(|l| inspect::key_matches(l, k))) {
        Ok(true) => (true, "belongs to the certificate bosun serves".to_owned()),
        Ok(false) => (
            false,
            "does not belong to the certificate bosun serves: bosun keeps serving the last good pair and refuses this one on reload. Put the matching key in place, or renew."
                .to_owned(),
        ),
        Err(e) => (false, e),
    };
    KeyCheck {
        file: Some(path.display().to_string()),
        matches,
        message,
    }
}

impl CertService {
    pub(super) fn sources(&self, own: bool) -> Vec<CertSource> {
        let mut v = Vec::new();
        if own && matches!(self.inner.settings.own, OwnMode::Managed { .. }) {
            v.push(CertSource::SelfSigned);
        }
        v.push(CertSource::InternalCa);
        if self.inner.acme.is_some() {
            v.push(CertSource::Acme);
        }
        v
    }

    fn managed(&self, row: &ManagedRow, leaf: Option<&inspect::Facts>) -> ManagedDto {
        let source = row.source();
        let share = self.inner.settings.renew_at;
        ManagedDto {
            source,
            challenge: row.challenge(),
            names: row.names(),
            renew_after: leaf
                .filter(|_| source.renews_by_itself())
                .map(|f| rfc3339(f.renewal_point(share) * 1000)),
            last_renewed: row.last_renewed_at.map(rfc3339),
            last_error: row.last_error.clone(),
            last_error_at: row.last_error_at.map(rfc3339),
            failures: row.failures(),
            next_attempt: row.next_attempt_at.map(rfc3339),
            reloads: row.reloads(),
            reload_with: row.reload(),
        }
    }

    fn dto(&self, b: Basis<'_>, now: i64) -> CertDto {
        let s = &self.inner.settings;
        let blank = |problem: String| CertDto {
            id: b.id.to_string(),
            kind: b.kind,
            title: b.title.clone(),
            subject: String::new(),
            sans: Vec::new(),
            issuer: String::new(),
            serial: String::new(),
            key_type: String::new(),
            not_before: String::new(),
            not_after: String::new(),
            days_left: 0,
            lifetime_used: 0.0,
            urgency: Urgency::Warning,
            chain: ChainCheck {
                valid: false,
                message: String::new(),
            },
            key: None,
            managed: b.managed.clone(),
            related: Vec::new(),
            renew_sources: Vec::new(),
            problem: Some(problem),
        };
        let chain = match b.chain {
            Ok(c) if !c.is_empty() => c,
            Ok(_) => return blank("no certificate".into()),
            Err(e) => return blank(e),
        };
        let f = match inspect::facts(&chain[0]) {
            Ok(f) => f,
            Err(e) => return blank(e),
        };
        let days_left = (f.not_after - now).div_euclid(86_400);
        let troubled = b.key.as_ref().is_some_and(|k| !k.matches)
            || b.managed.as_ref().is_some_and(|m| {
                m.failures > 0
                    || m.reloads
                        .iter()
                        .any(|r| !r.ok || r.serving_new == Some(false))
            });
        let urgency = if now >= f.not_after || now < f.not_before {
            Urgency::Expired
        } else if days_left < i64::from(s.critical_days) {
            Urgency::Critical
        } else if days_left < i64::from(s.warn_days) || troubled {
            Urgency::Warning
        } else {
            Urgency::Ok
        };
        let managed = b.managed.map(|mut m| {
            if m.renew_after.is_none() && m.source.renews_by_itself() {
                m.renew_after = Some(rfc3339(f.renewal_point(s.renew_at) * 1000));
            }
            m
        });
        CertDto {
            id: b.id.to_string(),
            kind: b.kind,
            title: b.title,
            chain: self.inner.trust.check(chain, &f),
            lifetime_used: f.used(now),
            subject: f.subject,
            sans: f.sans,
            issuer: f.issuer,
            serial: f.serial,
            key_type: f.key_type,
            not_before: rfc3339(f.not_before * 1000),
            not_after: rfc3339(f.not_after * 1000),
            days_left,
            urgency,
            key: b.key,
            managed,
            related: Vec::new(),
            renew_sources: b.renew_sources,
            problem: None,
        }
    }

    fn own_dto(&self, rows: &[ManagedRow], now: i64) -> Option<CertDto> {
        let own = self.inner.own.as_ref()?;
        let current = own.resolver.current();
        let row = rows.iter().find(|r| r.id == CertId::OWN);
        let leaf = current.cert.first().and_then(|c| inspect::facts(c).ok());
        let managed = Some(match row {
            Some(r) => self.managed(r, leaf.as_ref()),
            None => ManagedDto {
                source: match self.inner.settings.own {
                    OwnMode::Files => CertSource::Files,
                    _ => CertSource::SelfSigned,
                },
                challenge: None,
                names: match &self.inner.settings.own {
                    OwnMode::Managed { names } => names.clone(),
                    _ => leaf.as_ref().map(|f| f.sans.clone()).unwrap_or_default(),
                },
                renew_after: None,
                last_renewed: None,
                last_error: None,
                last_error_at: None,
                failures: 0,
                next_attempt: None,
                reloads: Vec::new(),
                reload_with: Vec::new(),
            },
        });
        Some(self.dto(
            Basis {
                id: CertId::own(),
                kind: CertKind::Own,
                title: OWN_TITLE.into(),
                chain: Ok(&current.cert),
                key: Some(own_key_check(
                    &self.inner.settings.own_key,
                    current.cert.first(),
                )),
                managed,
                renew_sources: self.sources(true),
            },
            now,
        ))
    }

    fn file_dto(&self, f: &CertFile, rows: &[ManagedRow], now: i64) -> CertDto {
        let id = file_id(&f.path);
        let row = rows.iter().find(|r| r.id == id.as_str());
        let leaf = f
            .chain
            .as_ref()
            .ok()
            .and_then(|c| c.first())
            .and_then(|c| inspect::facts(c).ok());
        let renewable = leaf.as_ref().is_some_and(|l| l.is_server());
        self.dto(
            Basis {
                title: f.path.display().to_string(),
                kind: CertKind::File,
                chain: f.chain.as_deref().map_err(Clone::clone),
                key: key_check(&f.key),
                managed: row.map(|r| self.managed(r, leaf.as_ref())),
                renew_sources: if renewable {
                    self.sources(false)
                } else {
                    Vec::new()
                },
                id,
            },
            now,
        )
    }

    /// The targets the services declare by label (`bosun.cert.dir`), found through the mounts.
    pub(super) fn declared_targets(&self) -> Vec<Target> {
        let records = self.inner.engine.inventory().records();
        let own = super::targets::own_mounts(&records);
        super::targets::declared(&records, own.as_deref())
    }

    /// A declared target with no certificate file (yet), or one bosun cannot use.
    fn target_dto(&self, t: &Target, rows: &[ManagedRow], now: i64) -> CertDto {
        let id = target_id(t);
        let row = rows.iter().find(|r| r.id == id.as_str());
        let file = t
            .cert
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let problem = t.problem.clone().unwrap_or_else(|| {
            format!(
                "No certificate yet: {} reads {file} from here. “Renew now” puts one there.",
                t.service
            )
        });
        let mut dto = self.dto(
            Basis {
                id,
                kind: CertKind::File,
                title: t.cert.display().to_string(),
                chain: Err(problem),
                key: None,
                managed: row.map(|r| self.managed(r, None)),
                renew_sources: Vec::new(),
            },
            now,
        );
        if t.problem.is_none() {
            // A service waiting for its certificate is as urgent as one about to expire.
            dto.urgency = Urgency::Critical;
            dto.sans = t.names.clone();
            dto.renew_sources = self.sources(false);
        }
        dto.related.push(t.service.clone());
        dto
    }

    fn served_dto(&self, p: &Probed, now: i64) -> CertDto {
        self.dto(
            Basis {
                id: served_id(p),
                kind: CertKind::Served,
                title: format!("{} :{}", p.target.container, p.target.port),
                chain: p.chain.as_deref().map_err(Clone::clone),
                key: None,
                managed: None,
                renew_sources: Vec::new(),
            },
            now,
        )
    }

    /// Every certificate now, worst first.
    pub async fn certificates(&self) -> Result<(Vec<CertDto>, Vec<CertFile>), AppError> {
        let rows = self
            .inner
            .store
            .managed_certs()
            .await
            .or_internal("reading the managed certificates")?;
        let declared = self.declared_targets();
        let mut dirs = self.inner.settings.dirs.clone();
        for t in declared.iter().filter(|t| t.problem.is_none()) {
            if !dirs.contains(&t.dir) {
                dirs.push(t.dir.clone());
            }
        }
        let files = tokio::task::spawn_blocking(move || super::files::scan(&dirs))
            .await
            .or_internal("scanning the certificate directories")?;
        let now = now_secs();
        let mut certs: Vec<CertDto> = Vec::new();
        certs.extend(self.own_dto(&rows, now));
        certs.extend(files.iter().map(|f| self.file_dto(f, &rows, now)));
        for t in &declared {
            let id = target_id(t);
            if let Some(c) = certs.iter_mut().find(|c| c.id == id.as_str()) {
                c.related.push(t.service.clone());
            } else {
                certs.push(self.target_dto(t, &rows, now));
            }
        }
        // Files bosun renewed before and that are gone now.
        for r in rows.iter().filter(|r| r.id.starts_with("file-")) {
            if certs.iter().all(|c| c.id != r.id) {
                let title = r.cert_path.clone().unwrap_or_else(|| r.id.clone());
                certs.push(self.dto(
                    Basis {
                        id: r.id.parse().unwrap_or_else(|_| CertId::own()),
                        kind: CertKind::File,
                        title,
                        chain: Err("the file is gone (or its directory is no longer in BOSUN_CERT_DIRS); bosun renewed it before".into()),
                        key: None,
                        managed: Some(self.managed(r, None)),
                        renew_sources: Vec::new(),
                    },
                    now,
                ));
            }
        }
        certs.extend(
            self.inner
                .probes
                .all()
                .iter()
                .map(|p| self.served_dto(p, now)),
        );
        relate(&mut certs);
        certs.sort_by(|a, b| {
            (a.urgency, a.days_left, &a.title).cmp(&(b.urgency, b.days_left, &b.title))
        });
        Ok((certs, files))
    }

    /// The renewals running now, with their steps.
    fn jobs(&self) -> Vec<bosun_frontend::model::CertJobDto> {
        self.inner
            .busy
            .of(crate::busy::Work::Renewal)
            .into_iter()
            .filter_map(|r| match r.resource {
                crate::busy::Resource::Certificate { id, .. } => {
                    Some(bosun_frontend::model::CertJobDto {
                        cert_id: id,
                        actor: r.who,
                        step: r.what,
                        done: r.done,
                        elapsed_ms: u64::try_from(r.elapsed.as_millis()).unwrap_or(u64::MAX),
                    })
                }
                _ => None,
            })
            .collect()
    }

    pub async fn view_now(&self) -> Result<CertificatesView, AppError> {
        let (certs, _) = self.certificates().await?;
        let s = &self.inner.settings;
        Ok(CertificatesView {
            certs,
            jobs: self.jobs(),
            ca: self.inner.ca.dto(),
            acme: AcmeDto {
                directory: self.inner.acme.as_ref().map(|a| a.directory().to_owned()),
                challenges: self
                    .inner
                    .acme
                    .as_ref()
                    .map(|a| a.challenges())
                    .unwrap_or_default(),
            },
            warn_days: s.warn_days,
            critical_days: s.critical_days,
            renew_at_percent: s.renew_at * 100.0,
            dirs: s.dirs.iter().map(|d| d.display().to_string()).collect(),
        })
    }
}

/// Ties each served certificate to the file or own certificate with the same serial and
/// issuer, both ways; a served one can be renewed through its file.
fn relate(certs: &mut [CertDto]) {
    let key = |c: &CertDto| (c.serial.clone(), c.issuer.clone());
    let sources: Vec<(usize, (String, String))> = certs
        .iter()
        .enumerate()
        .filter(|(_, c)| c.kind != CertKind::Served && c.problem.is_none())
        .map(|(i, c)| (i, key(c)))
        .collect();
    for s in 0..certs.len() {
        if certs[s].kind != CertKind::Served || certs[s].problem.is_some() {
            continue;
        }
        let k = key(&certs[s]);
        for (i, sk) in &sources {
            if *sk == k {
                let (served_title, file_title, file_sources) = (
                    certs[s].title.clone(),
                    certs[*i].title.clone(),
                    certs[*i].renew_sources.clone(),
                );
                certs[*i].related.push(served_title);
                certs[s].related.push(file_title);
                if certs[s].renew_sources.is_empty() {
                    certs[s].renew_sources = file_sources;
                }
            }
        }
    }
}
