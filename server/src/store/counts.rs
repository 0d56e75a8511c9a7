//! How the catalogued work stands, counted for bosun's metrics: backups, runbook runs and
//! image updates by status, and certificates whose renewal is failing.

use super::{Store, StoreError};

/// One count: what was counted, its status, and how many rows have it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusCount {
    pub kind: &'static str,
    pub status: String,
    pub count: i64,
}

/// The catalogues counted, with the kind each is reported as. Fixed strings only.
const TABLES: [(&str, &str); 3] = [
    (
        "backup",
        "SELECT status, COUNT(*) FROM backups GROUP BY status",
    ),
    (
        "task",
        "SELECT status, COUNT(*) FROM task_runs GROUP BY status",
    ),
    (
        "update",
        "SELECT status, COUNT(*) FROM update_runs GROUP BY status",
    ),
];

impl Store {
    /// Rows by status in each catalogue (backups, runbook runs, image updates).
    pub async fn status_counts(&self) -> Result<Vec<StatusCount>, StoreError> {
        let mut out = Vec::new();
        for (kind, sql) in TABLES {
            let rows: Vec<(String, i64)> = sqlx::query_as(sql).fetch_all(self.pool()).await?;
            out.extend(rows.into_iter().map(|(status, count)| StatusCount {
                kind,
                status,
                count,
            }));
        }
        Ok(out)
    }

    /// Certificates whose last renewal attempt failed (their failures not yet cleared).
    pub async fn failing_certificates(&self) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM managed_certs WHERE failures > 0")
            .fetch_one(self.pool())
            .await?;
        Ok(n)
    }
}
