//! Backup schedules: when a database is backed up, and how many of its backups are kept.

use serde::{Deserialize, Serialize};

use super::backup::Compression;

/// Where a schedule comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ScheduleSource {
    /// Set on the page or through the API; stored by bosun.
    Bosun,
    /// From the service's `bosun.backup.schedule` label; change it in the compose file.
    Label,
}

/// How many good backups pruning keeps. The newest good backup is always kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Retention {
    /// The newest N (0 = no pruning by count; with every field 0 nothing is pruned).
    #[serde(default)]
    pub keep_last: u32,
    /// The newest of each of the last N days that have one.
    #[serde(default)]
    pub keep_daily: u32,
    #[serde(default)]
    pub keep_weekly: u32,
    #[serde(default)]
    pub keep_monthly: u32,
}

impl Retention {
    pub fn prunes(&self) -> bool {
        self.keep_last + self.keep_daily + self.keep_weekly + self.keep_monthly > 0
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ScheduleDto {
    /// `None` for label schedules.
    pub id: Option<i64>,
    pub project: String,
    pub service: String,
    /// Five fields (minute hour day month weekday), or six with seconds first; UTC.
    pub cron: String,
    pub compression: Compression,
    pub retention: Retention,
    pub source: ScheduleSource,
    pub next_run: Option<String>,
    pub last_run: Option<String>,
    /// A run that should have happened while bosun was not running.
    pub missed: Option<String>,
    /// Which of its backups are proven by a restore; None: the database's label or the default.
    pub verify: Option<super::backup_verify::VerifyPolicy>,
}

/// `POST /api/v1/schedules`: one schedule per database; posting again replaces it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewSchedule {
    pub project: String,
    pub service: String,
    pub cron: String,
    #[serde(default)]
    pub compression: Option<Compression>,
    #[serde(default)]
    pub retention: Retention,
    /// Which of its backups are proven by a restore (default: BOSUN_BACKUP_VERIFY).
    #[serde(default)]
    pub verify: Option<super::backup_verify::VerifyPolicy>,
}

/// `DELETE /api/v1/schedules?project=…&service=…`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
pub struct ScheduleKey {
    pub project: String,
    pub service: String,
}
