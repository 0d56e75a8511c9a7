//! Step 2b, confirm: what bosun's internal CA may certify. A name passes when
//! `BOSUN_CA_ALLOWED_NAMES` allows it (unset: when the CA has issued it before, for any
//! certificate but bosun's own), when this certificate was last issued with it, when it is one
//! of bosun's own configured names (for bosun's own certificate), or when the admin confirms it
//! with the request (`confirm_names`). Names come from labels and files that others can write,
//! so anything else is refused, listing the names and how to confirm them; an automatic renewal
//! then fails visibly instead. A CA made limited (name constraints) never certifies outside
//! its limits, confirmed or not: clients would refuse the certificate.

use std::collections::HashSet;

use bosun_frontend::error::AppError;
use bosun_frontend::model::{CertId, CertSource, RenewRequest};

use super::plan::{Planned, check_names};
use crate::certs::CertService;
use crate::config::AllowedNames;
use crate::error::OrInternal;
use crate::store::certs::ManagedRow;

/// What the internal CA certifies without a confirmation.
pub struct Allowed<'a> {
    setting: Option<&'a AllowedNames>,
    /// The names it issued before, for certificates other than bosun's own.
    issued: HashSet<String>,
    /// bosun's own configured names (for bosun's own certificate only).
    own: Vec<String>,
}

/// The names of a row last issued by the internal CA.
fn from_ca(row: &ManagedRow) -> Vec<String> {
    if row.source() == CertSource::InternalCa {
        row.names()
    } else {
        Vec::new()
    }
}

impl<'a> Allowed<'a> {
    pub fn new(setting: Option<&'a AllowedNames>, rows: &[ManagedRow], own: Vec<String>) -> Self {
        let issued = rows
            .iter()
            .filter(|r| r.id != CertId::OWN)
            .flat_map(from_ca)
            .collect();
        Allowed {
            setting,
            issued,
            own,
        }
    }

    /// The names of `names` that need a confirmation to be certified for the certificate `id`
    /// (whose row is `row`).
    pub fn unconfirmed(&self, id: &str, row: Option<&ManagedRow>, names: &[String]) -> Vec<String> {
        let before = row.map(from_ca).unwrap_or_default();
        let own = id == CertId::OWN;
        names
            .iter()
            .filter(|n| {
                let allowed = match self.setting {
                    Some(s) => s.allows(n),
                    None => self.issued.contains(*n),
                };
                !(allowed || before.contains(n) || (own && self.own.contains(n)))
            })
            .cloned()
            .collect()
    }
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

impl CertService {
    /// What the internal CA certifies without a confirmation, now.
    pub(in crate::certs) fn ca_allowed<'a>(&'a self, rows: &[ManagedRow]) -> Allowed<'a> {
        let own = if self.inner.own.serving().is_some() {
            self.inner.own.names()
        } else {
            Vec::new()
        };
        Allowed::new(self.inner.settings.ca_allowed.as_ref(), rows, own)
    }

    /// The admin's `confirm_names`, tidied like names; each must be one the plan certifies.
    fn confirm_list(planned: &Planned, request: &RenewRequest) -> Result<Vec<String>, AppError> {
        let Some(given) = request.confirm_names.as_ref().filter(|c| !c.is_empty()) else {
            return Ok(Vec::new());
        };
        let confirmed = check_names(given).map_err(|e| AppError {
            field: Some("confirm_names".into()),
            ..e
        })?;
        if let Some(stray) = confirmed.iter().find(|c| !planned.names().contains(c)) {
            return Err(AppError::bad_request(
                "confirm_names",
                format!(
                    "You confirmed “{stray}”, but this certificate would be for {} only. Confirm exactly the names it is for (reload the page if they changed).",
                    planned.names().join(", ")
                ),
            ));
        }
        Ok(confirmed)
    }

    /// Checks that the internal CA may certify the plan's names (see the module's words).
    pub(super) async fn confirmed(
        &self,
        planned: &Planned,
        request: &RenewRequest,
    ) -> Result<(), AppError> {
        if planned.source() != CertSource::InternalCa {
            return Ok(());
        }
        let names = planned.names();
        if let Some(limits) = self.inner.issuers.ca().limits() {
            let outside: Vec<String> = names
                .iter()
                .filter(|n| !limits.permit(n))
                .cloned()
                .collect();
            if !outside.is_empty() {
                return Err(AppError::bad_request(
                    "names",
                    format!(
                        "bosun's internal CA was made for {} only (BOSUN_CA_ALLOWED_NAMES when it was created): every client would refuse a certificate from it for {}. Renew those names from ACME, or upload a certificate for them.",
                        limits.shown(),
                        outside.join(", ")
                    ),
                ));
            }
        }
        let confirmed = Self::confirm_list(planned, request)?;
        let rows = self
            .inner
            .store
            .managed_certs()
            .await
            .or_internal("reading the managed certificates")?;
        let r = planned.resolved();
        let missing: Vec<String> = self
            .ca_allowed(&rows)
            .unconfirmed(r.id().as_str(), r.row(), names)
            .into_iter()
            .filter(|n| !confirmed.contains(n))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let from = if request.names.is_some() {
            "the names given with this renewal".to_owned()
        } else {
            r.names_from().to_owned()
        };
        let rule = match &self.inner.settings.ca_allowed {
            Some(a) => format!("BOSUN_CA_ALLOWED_NAMES ({a}) does not allow"),
            None => "bosun's internal CA has not issued before (and BOSUN_CA_ALLOWED_NAMES is not set to allow)".to_owned(),
        };
        Err(AppError::conflict(format!(
            "Confirm the names first: {rule} {}. They come from {from}, which others may be able to write. Check that they belong to this service, then renew again confirming them: \"confirm_names\": [{}] (on the page: tick “Issue for exactly these names”).",
            missing.join(", "),
            quoted(names)
        )))
    }
}

/// The names an admin confirmed with a request, tidied (for the audit record).
pub fn confirmed_names(request: &RenewRequest) -> Vec<String> {
    request
        .confirm_names
        .as_ref()
        .filter(|c| !c.is_empty())
        .and_then(|c| check_names(c).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, source: CertSource, names: &[&str]) -> ManagedRow {
        ManagedRow {
            id: id.into(),
            cert_path: None,
            key_path: None,
            source: source.as_str().into(),
            challenge: None,
            names: serde_json::to_string(names).unwrap(),
            reload: "[]".into(),
            last_renewed_at: None,
            last_error: None,
            last_error_at: None,
            failures: 0,
            next_attempt_at: None,
            reloads: "[]".into(),
        }
    }

    fn v(n: &[&str]) -> Vec<String> {
        n.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn by_default_what_the_ca_issued_before_and_nothing_of_bosuns_own() {
        let rows = [
            row("file-a", CertSource::InternalCa, &["a.lan"]),
            row("file-b", CertSource::Acme, &["b.example"]),
            row(CertId::OWN, CertSource::InternalCa, &["bosun.lan"]),
        ];
        let a = Allowed::new(None, &rows, v(&["bosun.lan", "10.0.0.2"]));
        let wanted = v(&["a.lan", "b.example", "bosun.lan", "new.lan"]);
        // A label claiming bosun's own name, or ACME's, is not taken on trust.
        assert_eq!(
            a.unconfirmed("file-x", None, &wanted),
            v(&["b.example", "bosun.lan", "new.lan"])
        );
        // The certificate's own last names from the CA stay confirmed.
        assert_eq!(
            a.unconfirmed(
                "file-x",
                Some(&row("file-x", CertSource::InternalCa, &["new.lan"])),
                &wanted
            ),
            v(&["b.example", "bosun.lan"])
        );
        // Not when its last one came from elsewhere.
        assert!(
            a.unconfirmed(
                "file-x",
                Some(&row("file-x", CertSource::Upload, &["new.lan"])),
                &wanted
            )
            .contains(&"new.lan".to_owned())
        );
        // bosun's own certificate may have bosun's own names.
        assert_eq!(
            a.unconfirmed(CertId::OWN, None, &v(&["bosun.lan", "10.0.0.2", "x.lan"])),
            v(&["x.lan"])
        );
    }

    #[test]
    fn a_setting_replaces_what_was_issued_before() {
        let rows = [row("file-a", CertSource::InternalCa, &["a.lan"])];
        let setting = AllowedNames(vec![crate::config::AllowedName::Suffix("internal".into())]);
        let a = Allowed::new(Some(&setting), &rows, vec![]);
        assert_eq!(
            a.unconfirmed("file-x", None, &v(&["a.lan", "db.internal", "10.0.0.1"])),
            v(&["a.lan", "10.0.0.1"])
        );
    }
}
