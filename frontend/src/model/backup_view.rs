//! What the Backups page shows: the databases and the services with files bosun backs up,
//! and stack sets (every dump and file backup of a project, taken and restored as one).

use serde::{Deserialize, Serialize};

use super::backup::{BackupDto, BackupStatus, JobDto};
use super::backup_schedule::ScheduleDto;
use super::scale::DbEngine;

/// A service whose files bosun can back up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FileSourceDto {
    pub project: String,
    pub service: String,
    /// The container the files are read from.
    pub container: String,
    /// The paths backed up (label `bosun.backup.paths`, else every volume and bind mount
    /// that is not a database's data, a socket or a device).
    pub paths: Vec<String>,
    /// `bosun.backup.stop: true`: the service is stopped for the copy.
    pub stop: bool,
    /// Runbook tasks run before and after the copy (`bosun.backup.before` / `.after`).
    pub before: Option<String>,
    pub after: Option<String>,
    /// Why a backup cannot run now, and what to do.
    pub problem: Option<String>,
    pub last_good: Option<BackupDto>,
    pub last_failed: Option<BackupDto>,
    pub job: Option<JobDto>,
}

/// A stack set: one backup of every database and every service's files in a project.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BackupSetDto {
    pub id: i64,
    pub project: String,
    /// `ok` only when every part is good.
    pub status: BackupStatus,
    pub reason: Option<String>,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub actor: String,
    /// `manual`, or `scheduled` (only those are pruned).
    #[serde(default)]
    pub kind: String,
    /// Databases first, then files, as they are restored.
    pub parts: Vec<BackupDto>,
}

/// A project's stack-set schedule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SetScheduleDto {
    pub project: String,
    /// Cron, UTC: five fields (minute hour day month weekday), or six with seconds first.
    pub cron: String,
    /// How many scheduled sets of the project are kept (0: all). Manual sets are never pruned.
    pub keep_last: u32,
    pub next_run: Option<String>,
    pub last_run: Option<String>,
}

/// `PUT /api/v1/projects/{project}/backup-sets/schedule`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewSetSchedule {
    pub cron: String,
    #[serde(default)]
    pub keep_last: u32,
}

/// `POST /api/v1/backup-sets/{id}/restore`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetRestoreRequest {
    /// The project name, typed again to confirm.
    pub confirm: String,
}

/// The answer to a set's restore: each part's restore, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SetRestoreReport {
    pub set_id: i64,
    pub restored: Vec<super::backup::RestoreReport>,
    pub duration_ms: u64,
}

/// A database service found on the host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DatabaseDto {
    pub project: String,
    pub service: String,
    pub engine: DbEngine,
    /// The database dumped; `None` when it could not be found (see `problem`).
    pub database: Option<String>,
    pub user: Option<String>,
    /// The name (never the value) of the variable holding the password.
    pub password_env: Option<String>,
    /// The container a backup runs in: the service's first running one.
    pub container: Option<String>,
    /// Why a backup cannot run now, and what to do about it.
    pub problem: Option<String>,
    pub last_good: Option<BackupDto>,
    pub last_failed: Option<BackupDto>,
    pub job: Option<JobDto>,
    pub schedules: Vec<ScheduleDto>,
}

/// The Backups page's live data (`/api/v1/backups/events`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BackupsView {
    pub databases: Vec<DatabaseDto>,
    /// Services whose files bosun can back up.
    #[serde(default)]
    pub files: Vec<FileSourceDto>,
    /// Newest first, the last 10 stack sets.
    #[serde(default)]
    pub sets: Vec<BackupSetDto>,
    /// Projects backed up as a set on a schedule.
    #[serde(default)]
    pub set_schedules: Vec<SetScheduleDto>,
    /// Newest first, the last 50.
    pub recent: Vec<BackupDto>,
}
