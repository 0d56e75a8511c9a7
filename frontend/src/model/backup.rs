//! Database backups: the databases bosun found, the catalogue of backups, running jobs and
//! schedules. Shared by the Backups page, the server functions and the REST API.

use serde::{Deserialize, Serialize};

use super::scale::DbEngine;

/// A backup id from a path or a form: a positive whole number, nothing else, so nothing
/// path-shaped ever gets near the backup directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackupId(pub i64);

impl std::str::FromStr for BackupId {
    type Err = &'static str;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().parse::<i64>() {
            Ok(id) if id > 0 => Ok(BackupId(id)),
            _ => Err("A backup id is a positive whole number, as listed by GET /api/v1/backups."),
        }
    }
}

/// How a backup file is compressed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    #[default]
    Gzip,
    Zstd,
}

impl Compression {
    pub fn as_str(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }

    /// The file name ending, after `.sql`.
    pub fn extension(self) -> &'static str {
        match self {
            Compression::Gzip => "gz",
            Compression::Zstd => "zst",
        }
    }

    /// The media type of the download.
    pub fn media_type(self) -> &'static str {
        match self {
            Compression::Gzip => "application/gzip",
            Compression::Zstd => "application/zstd",
        }
    }
}

impl std::str::FromStr for Compression {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "gzip" | "gz" => Ok(Compression::Gzip),
            "zstd" | "zst" => Ok(Compression::Zstd),
            other => Err(format!(
                "unknown compression {other:?}: use \"gzip\" or \"zstd\""
            )),
        }
    }
}

/// Where a backup stands. Only `ok` backups have a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum BackupStatus {
    Running,
    Ok,
    Failed,
    /// bosun stopped while it ran; found and reported at the next start.
    Interrupted,
}

impl BackupStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BackupStatus::Running => "running",
            BackupStatus::Ok => "ok",
            BackupStatus::Failed => "failed",
            BackupStatus::Interrupted => "interrupted",
        }
    }
}

impl std::str::FromStr for BackupStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "running" => Ok(BackupStatus::Running),
            "ok" => Ok(BackupStatus::Ok),
            "failed" => Ok(BackupStatus::Failed),
            "interrupted" => Ok(BackupStatus::Interrupted),
            other => Err(format!(
                "unknown status {other:?}: use running, ok, failed or interrupted"
            )),
        }
    }
}

/// Why a backup was taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum BackupKind {
    Manual,
    Scheduled,
    /// Taken automatically right before a restore.
    Safety,
}

impl BackupKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BackupKind::Manual => "manual",
            BackupKind::Scheduled => "scheduled",
            BackupKind::Safety => "safety",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "manual" => Some(BackupKind::Manual),
            "scheduled" => Some(BackupKind::Scheduled),
            "safety" => Some(BackupKind::Safety),
            _ => None,
        }
    }
}

/// One entry of the catalogue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BackupDto {
    pub id: i64,
    pub project: String,
    pub service: String,
    /// The database's engine; none for a file backup.
    pub engine: Option<DbEngine>,
    pub database: String,
    pub kind: BackupKind,
    /// A database dump, or a service's files.
    #[serde(default)]
    pub content: BackupContent,
    /// A file backup's paths, each with its files, bytes and tree digest.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<FilePart>,
    /// The stack set it is a part of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_id: Option<i64>,
    pub status: BackupStatus,
    /// Why it failed, with an excerpt of the dump's own error output.
    pub reason: Option<String>,
    /// The download's file name (only for `ok`).
    pub file_name: Option<String>,
    pub compression: Compression,
    /// Bytes the dump wrote (uncompressed).
    pub dump_bytes: u64,
    /// Bytes on disk (compressed).
    pub file_bytes: u64,
    pub sha256: Option<String>,
    pub server_version: Option<String>,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub duration_ms: Option<u64>,
    /// Who asked for it (`schedule` for scheduled runs).
    pub actor: String,
    /// Its proof by restore; None while none was made.
    pub verify: Option<super::backup_verify::VerifyDto>,
    /// Where it is kept: this host, off-site, or both.
    #[serde(default)]
    pub copies: Vec<super::backup_verify::CopyDto>,
    /// The file on this host is encrypted with age: restoring it, or downloading it
    /// decrypted, takes an identity.
    #[serde(default)]
    pub encrypted: bool,
}

/// What a backup holds: a database's dump, or a service's files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum BackupContent {
    #[default]
    Database,
    Files,
}

impl BackupContent {
    pub fn as_str(self) -> &'static str {
        match self {
            BackupContent::Database => "database",
            BackupContent::Files => "files",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "database" => Some(BackupContent::Database),
            "files" => Some(BackupContent::Files),
            _ => None,
        }
    }
}

/// One path of a file backup, as its manifest lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FilePart {
    /// The path inside the container (a mount's destination).
    pub path: String,
    /// Entries below it: files, directories, links.
    pub files: u64,
    /// Bytes of file content.
    pub bytes: u64,
    /// SHA-256 over the tree: every entry's name, type, mode, owner, size, content and link
    /// target, in the engine's order. The same tree read again gives the same digest.
    pub sha256: String,
}

/// A backup or restore running now, with its progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct JobDto {
    pub project: String,
    pub service: String,
    /// "backing up", "restoring", "safety backup before restore".
    pub what: String,
    pub backup_id: Option<i64>,
    /// Dump bytes read so far (backups), or restored so far (restores).
    pub bytes: u64,
    /// Bytes per second over the job so far.
    pub rate: u64,
    pub elapsed_ms: u64,
    pub actor: String,
}

/// `POST /api/v1/backups`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BackupRequest {
    pub project: String,
    pub service: String,
    #[serde(default)]
    pub compression: Option<Compression>,
    /// `database` (default: the service's dump) or `files` (its volumes and bind mounts).
    #[serde(default)]
    pub kind: Option<BackupContent>,
}

/// The answer to `POST /api/v1/backups` (202): follow it with `GET /api/v1/backups/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BackupStarted {
    pub id: i64,
    pub status: BackupStatus,
}

pub use super::backup_restore::{DecryptRequest, RestoreFrom, RestoreReport, RestoreRequest};

/// Filters of `GET /api/v1/backups`. Dates are `YYYY-MM-DD` (UTC), inclusive.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
pub struct BackupQuery {
    pub project: Option<String>,
    pub service: Option<String>,
    pub database: Option<String>,
    pub status: Option<String>,
    /// `database` or `files`.
    pub content: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// At most this many, newest first (1..=1000, default 200).
    pub limit: Option<u32>,
}

/// Bytes as people read them: "1.4 MB".
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compression_and_status_parse_strictly() {
        assert_eq!("zstd".parse::<Compression>(), Ok(Compression::Zstd));
        assert_eq!("GZIP".parse::<Compression>(), Ok(Compression::Gzip));
        assert!("bz2".parse::<Compression>().is_err());
        assert_eq!("ok".parse::<BackupStatus>(), Ok(BackupStatus::Ok));
        assert!("OK; DROP".parse::<BackupStatus>().is_err());
    }

    #[test]
    fn backup_ids_are_positive_numbers_only() {
        assert_eq!("17".parse::<BackupId>(), Ok(BackupId(17)));
        for bad in ["0", "-1", "1.5", "1e3", "../x", "/etc/passwd", ""] {
            assert!(bad.parse::<BackupId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn requests_refuse_unknown_fields() {
        let r: Result<BackupRequest, _> =
            serde_json::from_str(r#"{"project":"p","service":"db","path":"/etc"}"#);
        assert!(r.is_err());
        let r: Result<RestoreRequest, _> = serde_json::from_str(r#"{"confirm":"db"}"#);
        assert_eq!(r.ok().map(|r| r.confirm).as_deref(), Some("db"));
        let r: RestoreRequest = serde_json::from_str(
            r#"{"confirm":"db","from":"offsite","identity":"AGE-SECRET-KEY-1SECRET"}"#,
        )
        .expect("parsed");
        assert_eq!(r.from, RestoreFrom::Offsite);
        assert!(!format!("{r:?}").contains("SECRET-KEY"));
        assert!(serde_json::from_str::<RestoreRequest>(r#"{"confirm":"db","from":"s3"}"#).is_err());
    }

    #[test]
    fn bytes_read_like_a_person_would() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1_400_000), "1.4 MB");
        assert_eq!(human_bytes(2_000_000_000), "2.0 GB");
    }
}
