//! Backup schedules set through bosun, and when each database's schedule last fired.

use std::collections::HashMap;

use bosun_frontend::model::{Compression, Retention};

use super::{Store, StoreError, now_ms};

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct ScheduleRow {
    pub id: i64,
    pub project: String,
    pub service: String,
    pub cron: String,
    pub compression: String,
    pub keep_last: i64,
    pub keep_daily: i64,
    pub keep_weekly: i64,
    pub keep_monthly: i64,
    pub verify: Option<String>,
}

fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

impl ScheduleRow {
    pub fn retention(&self) -> Retention {
        Retention {
            keep_last: count(self.keep_last),
            keep_daily: count(self.keep_daily),
            keep_weekly: count(self.keep_weekly),
            keep_monthly: count(self.keep_monthly),
        }
    }
    pub fn compression(&self) -> Compression {
        self.compression.parse().unwrap_or_default()
    }
}

/// A checked schedule to store.
pub struct NewScheduleRow<'a> {
    pub project: &'a str,
    pub service: &'a str,
    pub cron: &'a str,
    pub compression: Compression,
    pub retention: Retention,
    pub verify: Option<bosun_frontend::model::backup_verify::VerifyPolicy>,
    pub created_by: &'a str,
}

const COLUMNS: &str = "id, project, service, cron, compression, keep_last, keep_daily, keep_weekly, keep_monthly, verify";

impl Store {
    /// One schedule per database: a second one replaces the first.
    pub async fn upsert_schedule(&self, s: &NewScheduleRow<'_>) -> Result<ScheduleRow, StoreError> {
        Ok(sqlx::query_as(&format!(
            "INSERT INTO backup_schedules (project, service, cron, compression, keep_last, keep_daily, keep_weekly, keep_monthly, verify, created_by, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (project, service) DO UPDATE SET cron = excluded.cron, compression = excluded.compression, verify = excluded.verify, \
             keep_last = excluded.keep_last, keep_daily = excluded.keep_daily, keep_weekly = excluded.keep_weekly, \
             keep_monthly = excluded.keep_monthly, created_by = excluded.created_by, created_at = excluded.created_at \
             RETURNING {COLUMNS}"
        ))
        .bind(s.project)
        .bind(s.service)
        .bind(s.cron)
        .bind(s.compression.as_str())
        .bind(i64::from(s.retention.keep_last))
        .bind(i64::from(s.retention.keep_daily))
        .bind(i64::from(s.retention.keep_weekly))
        .bind(i64::from(s.retention.keep_monthly))
        .bind(s.verify.map(|v| v.to_string()))
        .bind(s.created_by)
        .bind(now_ms())
        .fetch_one(self.pool())
        .await?)
    }

    /// Whether there was one to delete.
    pub async fn delete_schedule(&self, project: &str, service: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM backup_schedules WHERE project = ? AND service = ?")
            .bind(project)
            .bind(service)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn schedules(&self) -> Result<Vec<ScheduleRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM backup_schedules ORDER BY project, service"
        ))
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn record_schedule_run(
        &self,
        project: &str,
        service: &str,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO backup_schedule_runs (project, service, last_run_at) VALUES (?, ?, ?) \
             ON CONFLICT (project, service) DO UPDATE SET last_run_at = excluded.last_run_at",
        )
        .bind(project)
        .bind(service)
        .bind(at_ms)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn schedule_runs(&self) -> Result<HashMap<(String, String), i64>, StoreError> {
        let rows: Vec<(String, String, i64)> =
            sqlx::query_as("SELECT project, service, last_run_at FROM backup_schedule_runs")
                .fetch_all(self.pool())
                .await?;
        Ok(rows.into_iter().map(|(p, s, at)| ((p, s), at)).collect())
    }
}
