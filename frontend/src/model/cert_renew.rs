//! Asking for a new certificate (renewal or upload) and how that ended.

use serde::{Deserialize, Serialize};

use super::cert_reload::{ReloadResult, ReloadTarget};
use super::cert_source::{CertSource, Challenge};

/// `POST /api/v1/certificates/{id}/renew`. Every field is optional: without them the
/// certificate renews as before (same names, same source).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RenewRequest {
    pub source: Option<CertSource>,
    pub challenge: Option<Challenge>,
    /// DNS names or IP addresses to certify (at most 100).
    pub names: Option<Vec<String>>,
    /// Services to reload afterwards; replaces the list given before.
    pub reload: Option<Vec<ReloadTarget>>,
    /// The names the admin saw and confirms, for a certificate from bosun's internal CA: each
    /// name it has not issued for this certificate before and `BOSUN_CA_ALLOWED_NAMES` does
    /// not allow must be in it (409 otherwise, listing them); every name in it must be one the
    /// certificate is for.
    pub confirm_names: Option<Vec<String>>,
}

/// `POST /api/v1/certificates`: a certificate chain and its key, in PEM, for a certificate
/// that is in the inventory (`bosun` or a file).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UploadRequest {
    pub target: String,
    pub cert_pem: String,
    pub key_pem: String,
}

/// How a renewal or an upload ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RenewReport {
    pub id: String,
    pub source: CertSource,
    pub serial: String,
    pub not_after: String,
    pub names: Vec<String>,
    pub reloads: Vec<ReloadResult>,
    pub took_ms: u64,
}
