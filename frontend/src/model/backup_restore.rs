//! Restoring a backup and reading an encrypted one: what is asked and what is answered. An
//! identity given here is a secret: no `Debug` of these prints it.

use serde::{Deserialize, Serialize};

/// `POST /api/v1/backups/{id}/restore`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RestoreRequest {
    /// The service name, typed again to confirm.
    pub confirm: String,
    /// Where the file comes from: this host (default; fetched back from the off-site copy
    /// if it is gone), or the off-site copy.
    #[serde(default)]
    pub from: RestoreFrom,
    /// An age identity (`AGE-SECRET-KEY-1…`) for an encrypted backup, used for this restore
    /// only and never stored or logged. Without it, BOSUN_BACKUP_AGE_IDENTITY_FILE's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// A file backup: restore only this one of its paths (default: all of them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// `POST /api/v1/backups/{id}/decrypted` (a form): the backup's file decrypted, for an
/// encrypted backup. Without an identity, BOSUN_BACKUP_AGE_IDENTITY_FILE's.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DecryptRequest {
    /// An age identity (`AGE-SECRET-KEY-1…`), used for this download only.
    #[serde(default)]
    pub identity: Option<String>,
}

impl std::fmt::Debug for DecryptRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecryptRequest")
            .field("identity", &self.identity.as_ref().map(|_| "<secret>"))
            .finish()
    }
}

/// A request is logged in places; its identity never is.
impl std::fmt::Debug for RestoreRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestoreRequest")
            .field("confirm", &self.confirm)
            .field("from", &self.from)
            .field("path", &self.path)
            .field("identity", &self.identity.as_ref().map(|_| "<secret>"))
            .finish()
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum RestoreFrom {
    #[default]
    Local,
    Offsite,
}

impl RestoreFrom {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "local" | "" => Some(RestoreFrom::Local),
            "offsite" => Some(RestoreFrom::Offsite),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RestoreReport {
    pub backup_id: i64,
    /// The backup taken right before the restore; restore it to undo.
    pub safety_backup_id: i64,
    pub restored_bytes: u64,
    pub duration_ms: u64,
}
