//! The catalogue's record of each backup's proof by restore: the source figures tallied from
//! the dump, the image it ran, and the verification's outcome.

use bosun_frontend::model::backup_verify::{VerifyDto, VerifyStatus};

use super::backups::{BackupRow, COLUMNS};
use super::{Store, StoreError, rfc3339};

/// How a verification ended.
pub struct VerifyRecord<'a> {
    pub status: VerifyStatus,
    pub tables: Option<u64>,
    pub rows: Option<u64>,
    pub ms: Option<u64>,
    pub at_ms: i64,
    pub reason: Option<&'a str>,
}

fn int(n: Option<u64>) -> Option<i64> {
    n.map(|n| i64::try_from(n).unwrap_or(i64::MAX))
}

impl BackupRow {
    pub fn verify(&self) -> Option<VerifyDto> {
        let status: VerifyStatus = self.verify_status.as_deref()?.parse().ok()?;
        let count = |n: Option<i64>| n.and_then(|n| u64::try_from(n).ok());
        Some(VerifyDto {
            status,
            tables: count(self.verify_tables),
            rows: count(self.verify_rows),
            seconds: count(self.verify_ms).map(|ms| ms.div_ceil(1000).max(1)),
            at: self.verify_at.map(rfc3339),
            reason: self.verify_reason.clone(),
        })
    }

    /// The source's figures as recorded at dump time (none for backups made before bosun
    /// tallied them).
    pub fn figures(&self) -> Option<std::collections::BTreeMap<String, u64>> {
        serde_json::from_str(self.figures.as_deref()?).ok()
    }
}

impl Store {
    /// The dump's own figures and the image, kept with a good backup.
    pub async fn set_backup_source(
        &self,
        id: i64,
        figures: &str,
        image: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE backups SET figures = ?, image = ? WHERE id = ?")
            .bind(figures)
            .bind(image)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn set_backup_verify(&self, id: i64, v: &VerifyRecord<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE backups SET verify_status = ?, verify_tables = ?, verify_rows = ?, verify_ms = ?, verify_at = ?, verify_reason = ? WHERE id = ?",
        )
        .bind(v.status.as_str())
        .bind(int(v.tables))
        .bind(int(v.rows))
        .bind(int(v.ms))
        .bind(v.at_ms)
        .bind(v.reason)
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The newest verified backup of a database, for the weekly policy.
    pub async fn last_verified(
        &self,
        project: &str,
        service: &str,
    ) -> Result<Option<BackupRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM backups WHERE project = ? AND service = ? AND verify_status = 'verified' ORDER BY verify_at DESC LIMIT 1"
        ))
        .bind(project)
        .bind(service)
        .fetch_optional(self.pool())
        .await?)
    }

    /// The label value of the throwaway server a verification is about to make.
    pub async fn set_verify_token(&self, id: i64, token: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE backups SET verify_token = ? WHERE id = ?")
            .bind(token)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// At start-up: verifications that were running when bosun stopped, marked skipped;
    /// returns the labels of their throwaway servers.
    pub async fn interrupt_running_verifications(
        &self,
        at_ms: i64,
    ) -> Result<Vec<String>, StoreError> {
        let tokens: Vec<Option<String>> = sqlx::query_scalar(
            "UPDATE backups SET verify_status = 'skipped', verify_at = ?, verify_reason = 'bosun stopped while verifying this backup; its throwaway database was removed. Verify it again.' WHERE verify_status = 'running' RETURNING verify_token",
        )
        .bind(at_ms)
        .fetch_all(self.pool())
        .await?;
        Ok(tokens.into_iter().flatten().collect())
    }
}
