//! Each certificate as the page and the REST API show it: its facts read off the chain, how
//! urgent it is, whether its key belongs to it, and what bosun does about it.

use bosun_frontend::model::{
    CertDto, CertId, CertKind, CertSource, ChainCheck, KeyCheck, ManagedDto, Urgency,
};
use rustls_pki_types::CertificateDer;

use super::chain;
use super::ids::{file_id, served_id, target_id};
use super::probe::Probed;
use super::scan::{CertFile, KeyFound};
use super::targets::Target;
use crate::certs::own::OWN_TITLE;
use crate::certs::{CertService, inspect};
use crate::store::certs::ManagedRow;
use crate::store::rfc3339;

/// What differs between the kinds; the rest of a `CertDto` is read off the chain.
pub(super) struct Basis<'a> {
    pub(super) id: CertId,
    pub(super) kind: CertKind,
    pub(super) title: String,
    pub(super) chain: Result<&'a [CertificateDer<'static>], String>,
    pub(super) key: Option<KeyCheck>,
    pub(super) managed: Option<ManagedDto>,
    pub(super) renew_sources: Vec<CertSource>,
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
    /// The sources a certificate can be renewed from (`own`: bosun's own).
    pub(in crate::certs) fn sources(&self, own: bool) -> Vec<CertSource> {
        self.inner.issuers.sources(own)
    }

    pub(super) fn managed(&self, row: &ManagedRow, leaf: Option<&inspect::Facts>) -> ManagedDto {
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

    pub(super) fn dto(&self, b: Basis<'_>, now: i64) -> CertDto {
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
            unconfirmed_names: Vec::new(),
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
            chain: chain::check(&self.inner.trust, chain, &f),
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
            unconfirmed_names: Vec::new(),
            problem: None,
        }
    }

    pub(super) fn own_dto(&self, rows: &[ManagedRow], now: i64) -> Option<CertDto> {
        let own = &self.inner.own;
        let current = own.serving()?;
        let row = rows.iter().find(|r| r.id == CertId::OWN);
        let leaf = current.cert.first().and_then(|c| inspect::facts(c).ok());
        let managed = Some(match row {
            Some(r) => self.managed(r, leaf.as_ref()),
            None => ManagedDto {
                source: own.first_source(),
                challenge: None,
                names: own.names(),
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
                key: Some(own_key_check(&own.key, current.cert.first())),
                managed,
                renew_sources: self.sources(true),
            },
            now,
        ))
    }

    pub(super) fn file_dto(&self, f: &CertFile, rows: &[ManagedRow], now: i64) -> CertDto {
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

    /// A declared target with no certificate file (yet), or one bosun cannot use.
    pub(super) fn target_dto(&self, t: &Target, rows: &[ManagedRow], now: i64) -> CertDto {
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

    pub(super) fn served_dto(&self, p: &Probed, now: i64) -> CertDto {
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
}

/// Ties each served certificate to the file or own certificate with the same serial and
/// issuer, both ways; a served one can be renewed through its file.
pub(super) fn relate(certs: &mut [CertDto]) {
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
