//! Certificates: what the inventory shows (the Certificates page and `GET /api/v1/certificates`).

use serde::{Deserialize, Serialize};

use super::cert_reload::{ReloadResult, ReloadTarget};
use super::cert_source::{CertSource, Challenge};

/// Where a certificate in the inventory lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CertKind {
    /// bosun's own HTTPS certificate.
    Own,
    /// A certificate file in a directory bosun watches (`BOSUN_CERT_DIRS`).
    File,
    /// What a stack service presents on one of its TLS ports.
    Served,
}

/// How soon something must be done, worst first (the page sorts by it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// Expired, not yet valid, or unreadable.
    Expired,
    /// Inside the critical window (default 7 days).
    Critical,
    /// Inside the warning window (default 30 days), or the last renewal failed.
    Warning,
    Ok,
}

impl Urgency {
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Expired => "expired",
            Urgency::Critical => "critical",
            Urgency::Warning => "warning",
            Urgency::Ok => "ok",
        }
    }
}

/// Does the chain lead to a root bosun trusts (system roots, its internal CA, `BOSUN_CERT_TRUST`)?
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChainCheck {
    pub valid: bool,
    pub message: String,
}

/// The private key that goes with a certificate file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct KeyCheck {
    /// The key's file (never its contents), when one was found.
    pub file: Option<String>,
    /// True when the key belongs to the certificate.
    pub matches: bool,
    pub message: String,
}

/// bosun looks after this certificate: where new ones come from, and how renewals went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ManagedDto {
    pub source: CertSource,
    pub challenge: Option<Challenge>,
    /// The names requested at the next renewal.
    pub names: Vec<String>,
    /// When bosun renews it by itself (RFC 3339), if it can.
    pub renew_after: Option<String>,
    pub last_renewed: Option<String>,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
    /// Failed attempts since the last success (retried with back-off).
    pub failures: u32,
    pub next_attempt: Option<String>,
    /// The services reloaded after the last renewal, and how that went.
    pub reloads: Vec<ReloadResult>,
    /// Services given with a renewal to reload after each one, besides those found by label.
    pub reload_with: Vec<ReloadTarget>,
}

/// One certificate that matters, as the page and `GET /api/v1/certificates` show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CertDto {
    /// `bosun`, `file-…` or `svc-…`: stable across restarts.
    pub id: String,
    pub kind: CertKind,
    /// Where it is: "bosun's own HTTPS", a file path, or `project/service #n :port`.
    pub title: String,
    pub subject: String,
    pub sans: Vec<String>,
    pub issuer: String,
    /// Hex, colon-separated.
    pub serial: String,
    /// e.g. "ECDSA P-256", "RSA 2048".
    pub key_type: String,
    pub not_before: String,
    pub not_after: String,
    /// Whole days until it expires (negative once expired).
    pub days_left: i64,
    /// How much of its lifetime has passed, 0 to 1 (more once expired).
    pub lifetime_used: f64,
    pub urgency: Urgency,
    pub chain: ChainCheck,
    /// For files and bosun's own certificate.
    pub key: Option<KeyCheck>,
    pub managed: Option<ManagedDto>,
    /// Services presenting this very certificate (same serial), for files and bosun's own;
    /// the file it is served from, for services.
    pub related: Vec<String>,
    /// The sources "Renew now" can use for it (empty: bosun cannot renew it).
    pub renew_sources: Vec<CertSource>,
    /// Names "Renew now" from bosun's internal CA would certify that it has not issued for this
    /// certificate before and `BOSUN_CA_ALLOWED_NAMES` does not allow (they came from a label
    /// or a file others can write): an admin confirms them (`confirm_names`) first.
    #[serde(default)]
    pub unconfirmed_names: Vec<String>,
    /// Why a file or a service port could not be read; the other fields are then empty.
    pub problem: Option<String>,
}

/// A renewal that is running now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CertJobDto {
    pub cert_id: String,
    pub actor: String,
    /// The step it is at, e.g. "waiting for the ACME CA to validate portal.lan".
    pub step: String,
    /// Steps done so far, oldest first.
    pub done: Vec<String>,
    pub elapsed_ms: u64,
}

/// bosun's internal CA, whose root can be imported into browsers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CaDto {
    pub subject: String,
    pub not_after: String,
    /// SHA-256 of the root certificate, hex, colon-separated: compare it when importing.
    pub fingerprint: String,
}

/// The ACME settings bosun started with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AcmeDto {
    pub directory: Option<String>,
    /// The challenges bosun can answer with its configuration.
    pub challenges: Vec<Challenge>,
}

/// The Certificates page: every certificate, running renewals, the CA and the settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CertificatesView {
    /// Sorted by urgency, then days left.
    pub certs: Vec<CertDto>,
    pub jobs: Vec<CertJobDto>,
    pub ca: Option<CaDto>,
    pub acme: AcmeDto,
    pub warn_days: u32,
    pub critical_days: u32,
    /// Renewal starts once this share of the lifetime has passed.
    pub renew_at_percent: f64,
    /// The directories bosun watches for certificate files.
    pub dirs: Vec<String>,
    /// Entries in those directories named like the files bosun keeps beside certificates that
    /// bosun did not leave there (a planted link, a stray temporary file), with what to do.
    #[serde(default)]
    pub warnings: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urgency_sorts_worst_first() {
        let mut v = vec![
            Urgency::Ok,
            Urgency::Critical,
            Urgency::Expired,
            Urgency::Warning,
        ];
        v.sort();
        assert_eq!(
            v,
            vec![
                Urgency::Expired,
                Urgency::Critical,
                Urgency::Warning,
                Urgency::Ok
            ]
        );
    }
}
