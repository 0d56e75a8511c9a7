//! Step 2, plan: what a renewal will do, decided before anything starts: the names (checked),
//! the source (an issuer bosun has), the challenge if the issuer asks for one, and which
//! services to reload afterwards. Only a `Planned` renewal can be issued.

use bosun_frontend::error::AppError;
use bosun_frontend::model::{CertSource, Challenge, ReloadTarget, RenewRequest};

use super::resolve::Resolved;
use crate::certs::CertService;
use crate::store::certs::ManagedRow;

const MAX_NAMES: usize = 100;

/// DNS names (a leading `*.` allowed) or IP addresses; lower-cased, without repeats.
pub fn check_names(names: &[String]) -> Result<Vec<String>, AppError> {
    let bad = |n: &str| {
        AppError::bad_request(
            "names",
            format!(
                "“{}” is not a DNS name or IP address. Use names such as portal.lan or *.lan, or addresses such as 192.168.1.10.",
                n.chars()
                    .filter(|c| !c.is_control())
                    .take(80)
                    .collect::<String>()
            ),
        )
    };
    if names.is_empty() || names.len() > MAX_NAMES {
        return Err(AppError::bad_request(
            "names",
            format!("Give 1 to {MAX_NAMES} names for the certificate."),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for n in names {
        let n = n.trim().trim_end_matches('.').to_ascii_lowercase();
        if let Ok(ip) = n.trim_matches(['[', ']']).parse::<std::net::IpAddr>() {
            if !out.contains(&ip.to_string()) {
                out.push(ip.to_string());
            }
            continue;
        }
        let host = n.strip_prefix("*.").unwrap_or(&n);
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        if n.len() > 253 || host.is_empty() || !host.split('.').all(label_ok) {
            return Err(bad(&n));
        }
        if !out.contains(&n) {
            out.push(n);
        }
    }
    Ok(out)
}

/// A renewal, decided: made only by `CertService::plan` (or `Planned::upload`).
pub struct Planned {
    resolved: Resolved,
    names: Vec<String>,
    source: CertSource,
    challenge: Option<Challenge>,
    reload: Vec<ReloadTarget>,
}

impl Planned {
    /// An uploaded certificate for `r`: its names, the services reloaded last time.
    pub fn upload(r: Resolved, names: Vec<String>) -> Self {
        let reload = r.row().map(ManagedRow::reload).unwrap_or_default();
        Planned {
            resolved: r,
            names,
            source: CertSource::Upload,
            challenge: None,
            reload,
        }
    }
    pub fn resolved(&self) -> &Resolved {
        &self.resolved
    }
    pub fn names(&self) -> &[String] {
        &self.names
    }
    pub fn source(&self) -> CertSource {
        self.source
    }
    pub fn challenge(&self) -> Option<Challenge> {
        self.challenge
    }
    pub fn reload(&self) -> &[ReloadTarget] {
        &self.reload
    }
}

impl CertService {
    /// What a renewal of `r` will do; on error `r` comes back with why.
    pub(super) fn plan(
        &self,
        r: Resolved,
        request: &RenewRequest,
    ) -> Result<Planned, (Box<Resolved>, AppError)> {
        match self.decide(&r, request) {
            Ok((names, source, challenge)) => {
                let reload = request
                    .reload
                    .clone()
                    .unwrap_or_else(|| r.row().map(ManagedRow::reload).unwrap_or_default());
                Ok(Planned {
                    resolved: r,
                    names,
                    source,
                    challenge,
                    reload,
                })
            }
            Err(e) => Err((Box::new(r), e)),
        }
    }

    fn decide(
        &self,
        r: &Resolved,
        request: &RenewRequest,
    ) -> Result<(Vec<String>, CertSource, Option<Challenge>), AppError> {
        let wanted = request
            .names
            .clone()
            .or_else(|| r.row().map(ManagedRow::names).filter(|n| !n.is_empty()))
            .unwrap_or_else(|| r.names().to_vec());
        let names = check_names(&wanted)?;
        let own = r.is_own();
        let from_row = r
            .row()
            .map(ManagedRow::source)
            .filter(|s| s.renews_by_itself());
        let source = request.source.or(from_row).unwrap_or(
            if own && self.inner.own.managed() && r.row().is_none() {
                CertSource::SelfSigned
            } else {
                CertSource::InternalCa
            },
        );
        let issuer = self.inner.issuers.get(source, own)?;
        let challenge = issuer
            .challenge(
                &names,
                request
                    .challenge
                    .or(r.row().and_then(ManagedRow::challenge)),
            )
            .map_err(|m| AppError::bad_request("challenge", format!("{m}.")))?;
        Ok((names, source, challenge))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_tidied() {
        let v = |n: &[&str]| n.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            check_names(&v(&["Portal.LAN.", "bad_name.lan"]))
                .err()
                .map(|e| e.field),
            Some(Some("names".to_owned()))
        );
        assert_eq!(
            check_names(&v(&[
                "Portal.LAN.",
                "portal.lan",
                "*.lan",
                "[::1]",
                "10.0.0.1"
            ]))
            .unwrap(),
            v(&["portal.lan", "*.lan", "::1", "10.0.0.1"])
        );
        for bad in ["", "a..b", "-a.lan", "a_b.lan", "*.", "a.lan/x", "a b"] {
            assert!(check_names(&v(&[bad])).is_err(), "{bad:?}");
        }
        assert!(check_names(&[]).is_err());
        assert!(check_names(&vec!["a.lan".to_owned(); 101]).is_err());
    }
}
