//! The audit log: one entry per event, its outcome, and the filters to read it with.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum AuditOutcome {
    Ok,
    Failed,
    Denied,
}

impl AuditOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Ok => "ok",
            AuditOutcome::Failed => "failed",
            AuditOutcome::Denied => "denied",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ok" => Some(AuditOutcome::Ok),
            "failed" => Some(AuditOutcome::Failed),
            "denied" => Some(AuditOutcome::Denied),
            _ => None,
        }
    }
}

/// One audited event: who did what to which target, from where, and how it ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    pub actor: String,
    pub client: Option<String>,
    pub action: String,
    pub target: String,
    pub outcome: AuditOutcome,
    pub request_id: Option<String>,
    /// A short, secret-free explanation (e.g. why it failed).
    pub detail: Option<String>,
}

/// Filters for the audit log. Every field is optional; results are newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[serde(default, deny_unknown_fields)]
pub struct AuditQuery {
    /// Exact user name.
    pub actor: Option<String>,
    /// Action prefix, e.g. `user.` or `session.login`.
    pub action: Option<String>,
    pub outcome: Option<AuditOutcome>,
    /// Only entries with an id below this (for paging back).
    pub before: Option<i64>,
    /// 1–500, default 100.
    pub limit: Option<u32>,
}

impl AuditQuery {
    pub const DEFAULT_LIMIT: u32 = 100;
    pub const MAX_LIMIT: u32 = 500;

    pub fn effective_limit(&self) -> Result<u32, String> {
        match self.limit {
            None => Ok(Self::DEFAULT_LIMIT),
            Some(n) if (1..=Self::MAX_LIMIT).contains(&n) => Ok(n),
            Some(n) => Err(format!(
                "limit must be between 1 and {}, got {n}",
                Self::MAX_LIMIT
            )),
        }
    }
}
