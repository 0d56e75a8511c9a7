//! A backup proven by a real restore: the policy that decides which backups are verified,
//! and what a verification found.

use serde::{Deserialize, Serialize};

/// How a verification ended (or that it runs now).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum VerifyStatus {
    Running,
    /// Restored into a throwaway server: every table there, with the source's row counts.
    Verified,
    /// The restore failed, or a table or a row count differs (the reason names it).
    Failed,
    /// Not verified: the policy left it out, or bosun stopped during the verification.
    Skipped,
}

impl VerifyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VerifyStatus::Running => "running",
            VerifyStatus::Verified => "verified",
            VerifyStatus::Failed => "failed",
            VerifyStatus::Skipped => "skipped",
        }
    }
}

impl std::str::FromStr for VerifyStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "running" => Ok(VerifyStatus::Running),
            "verified" => Ok(VerifyStatus::Verified),
            "failed" => Ok(VerifyStatus::Failed),
            "skipped" => Ok(VerifyStatus::Skipped),
            other => Err(format!("unknown verification status {other:?}")),
        }
    }
}

/// What the last verification of a backup found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct VerifyDto {
    pub status: VerifyStatus,
    /// Tables the restored copy holds (verified), or the source had (failed).
    pub tables: Option<u64>,
    /// Rows in all of them.
    pub rows: Option<u64>,
    /// How long it took, in whole seconds (at least 1).
    pub seconds: Option<u64>,
    /// When it ended (RFC 3339, UTC).
    pub at: Option<String>,
    /// Why it failed or was skipped: names the table that differs.
    pub reason: Option<String>,
}

/// Where one copy of a backup is kept: this host's backup directory, or the off-site store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CopyDto {
    /// `local` or `offsite`.
    #[serde(rename = "where")]
    pub place: String,
    /// The file name (local) or the object key (off-site).
    pub key: String,
    /// `done`; off-site also `pending` or `failed` (tried again with back-off).
    pub status: String,
    pub size: u64,
    pub sha256: Option<String>,
    pub at: Option<String>,
    /// Why the last attempt failed.
    pub error: Option<String>,
}

/// Which good backups are verified by a restore: every one, the newest once a week, or none.
/// `auto` (the default) is `always` for dumps under 2 GB and `newest-weekly` above.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum VerifyPolicy {
    Auto,
    Always,
    NewestWeekly,
    Off,
}

/// Dumps at least this large are verified once a week under `auto`.
pub const AUTO_ALWAYS_BELOW: u64 = 2 * 1024 * 1024 * 1024;

impl std::str::FromStr for VerifyPolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(VerifyPolicy::Auto),
            "always" => Ok(VerifyPolicy::Always),
            "newest-weekly" => Ok(VerifyPolicy::NewestWeekly),
            "off" => Ok(VerifyPolicy::Off),
            other => Err(format!(
                "{other:?} is not a verification policy: use auto, always, newest-weekly or off"
            )),
        }
    }
}

impl std::fmt::Display for VerifyPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            VerifyPolicy::Auto => "auto",
            VerifyPolicy::Always => "always",
            VerifyPolicy::NewestWeekly => "newest-weekly",
            VerifyPolicy::Off => "off",
        })
    }
}

impl VerifyPolicy {
    /// What `auto` means for a dump of `dump_bytes`.
    pub fn resolve(self, dump_bytes: u64) -> VerifyPolicy {
        match self {
            VerifyPolicy::Auto if dump_bytes < AUTO_ALWAYS_BELOW => VerifyPolicy::Always,
            VerifyPolicy::Auto => VerifyPolicy::NewestWeekly,
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_verifies_every_small_backup_and_big_ones_weekly() {
        assert_eq!(VerifyPolicy::Auto.resolve(10), VerifyPolicy::Always);
        assert_eq!(
            VerifyPolicy::Auto.resolve(AUTO_ALWAYS_BELOW),
            VerifyPolicy::NewestWeekly
        );
        assert_eq!(VerifyPolicy::Off.resolve(10), VerifyPolicy::Off);
        assert_eq!("Newest-Weekly".parse(), Ok(VerifyPolicy::NewestWeekly));
        assert!("sometimes".parse::<VerifyPolicy>().is_err());
    }
}
