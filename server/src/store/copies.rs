//! Off-site copies of backups: where each went and how its last attempt ended.

use super::{Store, StoreError};

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct CopyRow {
    pub backup_id: i64,
    pub key: String,
    pub status: String,
    pub size: Option<i64>,
    pub sha256: Option<String>,
    pub at: Option<i64>,
    pub attempts: i64,
    pub next_at: Option<i64>,
    pub error: Option<String>,
}

const COLUMNS: &str = "backup_id, key, status, size, sha256, at, attempts, next_at, error";

impl Store {
    pub async fn copy_pending(&self, id: i64, key: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO backup_copies (backup_id, key, status) VALUES (?, ?, 'pending') \
             ON CONFLICT (backup_id) DO UPDATE SET key = excluded.key, status = 'pending'",
        )
        .bind(id)
        .bind(key)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn copy_done(
        &self,
        id: i64,
        size: u64,
        sha256: &str,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE backup_copies SET status = 'done', size = ?, sha256 = ?, at = ?, attempts = attempts + 1, next_at = NULL, error = NULL WHERE backup_id = ?",
        )
        .bind(i64::try_from(size).unwrap_or(i64::MAX))
        .bind(sha256)
        .bind(at_ms)
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Records a failed attempt; returns how many there were.
    pub async fn copy_failed(
        &self,
        id: i64,
        error: &str,
        next_at_ms: i64,
    ) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "UPDATE backup_copies SET status = 'failed', error = ?, next_at = ?, attempts = attempts + 1 WHERE backup_id = ? RETURNING attempts",
        )
        .bind(error)
        .bind(next_at_ms)
        .bind(id)
        .fetch_one(self.pool())
        .await?)
    }

    pub async fn copy_of(&self, id: i64) -> Result<Option<CopyRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM backup_copies WHERE backup_id = ?"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Copies whose next attempt is due (and those a stopped bosun left pending).
    pub async fn copies_due(&self, now_ms: i64) -> Result<Vec<CopyRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM backup_copies WHERE (status = 'failed' AND next_at <= ?) OR status = 'pending' ORDER BY backup_id"
        ))
        .bind(now_ms)
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn copies_of(&self, ids: &[i64]) -> Result<Vec<CopyRow>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = sqlx::QueryBuilder::new(format!(
            "SELECT {COLUMNS} FROM backup_copies WHERE backup_id IN ("
        ));
        let mut sep = q.separated(", ");
        for id in ids {
            sep.push_bind(*id);
        }
        q.push(")");
        Ok(q.build_query_as().fetch_all(self.pool()).await?)
    }
}
