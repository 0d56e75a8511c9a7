//! File backups' extra columns (their paths, the containers a job stopped) and stack sets:
//! one row per "Back up project", its parts being the backups that name it.

use bosun_frontend::model::{BackupSetDto, BackupStatus};

use super::backups::{BackupRow, COLUMNS};
use super::{Store, StoreError, rfc3339};

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct SetRow {
    pub id: i64,
    pub project: String,
    pub status: String,
    pub reason: Option<String>,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub actor: String,
    pub kind: String,
}

const SET_COLUMNS: &str = "id, project, status, reason, started_at, finished_at, actor, kind";

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct SetScheduleRow {
    pub project: String,
    pub cron: String,
    pub keep_last: i64,
    pub last_run: Option<i64>,
}

impl SetRow {
    pub fn status(&self) -> BackupStatus {
        self.status.parse().unwrap_or(BackupStatus::Failed)
    }

    pub fn dto(&self, parts: &[BackupRow]) -> BackupSetDto {
        BackupSetDto {
            id: self.id,
            project: self.project.clone(),
            status: self.status(),
            reason: self.reason.clone(),
            started_at: rfc3339(self.started_at),
            finished_at: self.finished_at.map(rfc3339),
            actor: self.actor.clone(),
            kind: self.kind.clone(),
            parts: parts.iter().map(BackupRow::dto).collect(),
        }
    }
}

impl Store {
    /// A file backup's paths, as its manifest lists them (JSON).
    pub async fn set_backup_paths(&self, id: i64, paths: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE backups SET paths = ? WHERE id = ?")
            .bind(paths)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The containers a job stopped (JSON), or None once they run again.
    pub async fn set_backup_held(&self, id: i64, held: Option<&str>) -> Result<(), StoreError> {
        sqlx::query("UPDATE backups SET held = ? WHERE id = ?")
            .bind(held)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Jobs whose stopped containers were never started again (bosun stopped meanwhile).
    pub async fn held_backups(&self) -> Result<Vec<BackupRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM backups WHERE held IS NOT NULL ORDER BY id"
        ))
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn insert_set(
        &self,
        project: &str,
        kind: &str,
        actor: &str,
        at_ms: i64,
    ) -> Result<SetRow, StoreError> {
        Ok(sqlx::query_as(&format!(
            "INSERT INTO backup_sets (project, status, started_at, actor, kind) VALUES (?, 'running', ?, ?, ?) RETURNING {SET_COLUMNS}"
        ))
        .bind(project)
        .bind(at_ms)
        .bind(actor)
        .bind(kind)
        .fetch_one(self.pool())
        .await?)
    }

    pub async fn finish_set(
        &self,
        id: i64,
        status: BackupStatus,
        reason: Option<&str>,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE backup_sets SET status = ?, reason = ?, finished_at = ? WHERE id = ?")
            .bind(status.as_str())
            .bind(reason)
            .bind(at_ms)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// At start-up: sets that were running when bosun stopped.
    pub async fn interrupt_running_sets(&self, at_ms: i64) -> Result<Vec<SetRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "UPDATE backup_sets SET status = 'interrupted', reason = 'bosun stopped while this set was taken; its unfinished parts were marked interrupted. Back up the project again.', finished_at = ? \
             WHERE status = 'running' RETURNING {SET_COLUMNS}"
        ))
        .bind(at_ms)
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn backup_set(&self, id: i64) -> Result<Option<SetRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {SET_COLUMNS} FROM backup_sets WHERE id = ?"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Newest first.
    pub async fn list_sets(&self, limit: u32) -> Result<Vec<SetRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {SET_COLUMNS} FROM backup_sets ORDER BY id DESC LIMIT ?"
        ))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?)
    }

    /// A set's parts: dumps first, then files, each in the order taken.
    pub async fn set_parts(&self, id: i64) -> Result<Vec<BackupRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM backups WHERE set_id = ? ORDER BY content = 'files', id"
        ))
        .bind(id)
        .fetch_all(self.pool())
        .await?)
    }

    /// A project's good scheduled sets, newest first.
    pub async fn scheduled_sets(&self, project: &str) -> Result<Vec<SetRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {SET_COLUMNS} FROM backup_sets WHERE project = ? AND kind = 'scheduled' AND status = 'ok' ORDER BY id DESC"
        ))
        .bind(project)
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn delete_set(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM backup_sets WHERE id = ?")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn set_schedules(&self) -> Result<Vec<SetScheduleRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT project, cron, keep_last, last_run FROM set_schedules ORDER BY project",
        )
        .fetch_all(self.pool())
        .await?)
    }

    /// Creates or replaces a project's set schedule (its last run is kept).
    pub async fn put_set_schedule(
        &self,
        project: &str,
        cron: &str,
        keep_last: u32,
        actor: &str,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO set_schedules (project, cron, keep_last, created_by, created_at) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (project) DO UPDATE SET cron = excluded.cron, keep_last = excluded.keep_last, created_by = excluded.created_by, created_at = excluded.created_at",
        )
        .bind(project)
        .bind(cron)
        .bind(i64::from(keep_last))
        .bind(actor)
        .bind(at_ms)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Whether there was one to delete.
    pub async fn delete_set_schedule(&self, project: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM set_schedules WHERE project = ?")
            .bind(project)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn record_set_run(&self, project: &str, at_ms: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE set_schedules SET last_run = ? WHERE project = ?")
            .bind(at_ms)
            .bind(project)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
