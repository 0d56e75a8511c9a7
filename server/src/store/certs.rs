//! Certificates bosun looks after: where new ones come from, and how renewals went.

use bosun_frontend::model::{CertSource, Challenge, ReloadResult, ReloadTarget};

use super::{Store, StoreError, now_ms};

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct ManagedRow {
    pub id: String,
    pub cert_path: Option<String>,
    pub key_path: Option<String>,
    pub source: String,
    pub challenge: Option<String>,
    pub names: String,
    pub reload: String,
    pub last_renewed_at: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
    pub failures: i64,
    pub next_attempt_at: Option<i64>,
    pub reloads: String,
}

const COLUMNS: &str = "id, cert_path, key_path, source, challenge, names, reload, last_renewed_at, last_error, last_error_at, failures, next_attempt_at, reloads";

impl ManagedRow {
    pub fn source(&self) -> CertSource {
        self.source.parse().unwrap_or(CertSource::External)
    }
    pub fn challenge(&self) -> Option<Challenge> {
        self.challenge.as_deref().and_then(|c| c.parse().ok())
    }
    pub fn names(&self) -> Vec<String> {
        serde_json::from_str(&self.names).unwrap_or_default()
    }
    pub fn reload(&self) -> Vec<ReloadTarget> {
        serde_json::from_str(&self.reload).unwrap_or_default()
    }
    pub fn reloads(&self) -> Vec<ReloadResult> {
        serde_json::from_str(&self.reloads).unwrap_or_default()
    }
    pub fn failures(&self) -> u32 {
        u32::try_from(self.failures).unwrap_or(0)
    }
}

/// A successful renewal or upload, to record.
pub struct Renewed<'a> {
    pub id: &'a str,
    pub cert_path: Option<&'a str>,
    pub key_path: Option<&'a str>,
    pub source: CertSource,
    pub challenge: Option<Challenge>,
    pub names: &'a [String],
    pub reload: &'a [ReloadTarget],
    pub reloads: &'a [ReloadResult],
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

impl Store {
    pub async fn managed_cert(&self, id: &str) -> Result<Option<ManagedRow>, StoreError> {
        Ok(
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM managed_certs WHERE id = ?"))
                .bind(id)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    pub async fn managed_certs(&self) -> Result<Vec<ManagedRow>, StoreError> {
        Ok(
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM managed_certs ORDER BY id"))
                .fetch_all(self.pool())
                .await?,
        )
    }

    /// Records a success: the new settings, and no failures any more.
    pub async fn cert_renewed(&self, r: &Renewed<'_>) -> Result<(), StoreError> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO managed_certs (id, cert_path, key_path, source, challenge, names, reload, last_renewed_at, failures, reloads, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET cert_path = excluded.cert_path, key_path = excluded.key_path, \
             source = excluded.source, challenge = excluded.challenge, names = excluded.names, reload = excluded.reload, \
             last_renewed_at = excluded.last_renewed_at, last_error = NULL, last_error_at = NULL, failures = 0, \
             next_attempt_at = NULL, reloads = excluded.reloads, updated_at = excluded.updated_at",
        )
        .bind(r.id)
        .bind(r.cert_path)
        .bind(r.key_path)
        .bind(r.source.as_str())
        .bind(r.challenge.map(Challenge::as_str))
        .bind(json(&r.names))
        .bind(json(&r.reload))
        .bind(now)
        .bind(json(&r.reloads))
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Records a failed attempt on a managed certificate and when to try again. Files bosun
    /// does not manage yet keep no row (their failure is in the audit log); bosun's own
    /// certificate is always managed, so `own` creates its row with that source.
    pub async fn cert_failed(
        &self,
        id: &str,
        error: &str,
        next_attempt_at: i64,
        own: Option<CertSource>,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        if let Some(source) = own {
            sqlx::query(
                "INSERT INTO managed_certs (id, source, updated_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING",
            )
            .bind(id)
            .bind(source.as_str())
            .bind(now)
            .execute(self.pool())
            .await?;
        }
        sqlx::query(
            "UPDATE managed_certs SET last_error = ?, last_error_at = ?, failures = failures + 1, \
             next_attempt_at = ?, updated_at = ? WHERE id = ?",
        )
        .bind(error)
        .bind(now)
        .bind(next_attempt_at)
        .bind(now)
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bosun_frontend::model::ReloadAction;

    #[tokio::test]
    async fn a_success_clears_failures_and_keeps_settings() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        assert!(store.managed_cert("file-0").await.unwrap().is_none());
        // A failure on an unmanaged certificate leaves no row behind.
        store.cert_failed("file-0", "nope", 1, None).await.unwrap();
        assert!(store.managed_cert("file-0").await.unwrap().is_none());

        let names = vec!["portal.lan".to_owned()];
        let reload = vec![ReloadTarget {
            project: "p".into(),
            service: "nginx".into(),
            action: ReloadAction::Restart,
        }];
        let r = Renewed {
            id: "file-0",
            cert_path: Some("/c/server.crt"),
            key_path: Some("/c/server.key"),
            source: CertSource::InternalCa,
            challenge: None,
            names: &names,
            reload: &reload,
            reloads: &[],
        };
        store.cert_renewed(&r).await.unwrap();
        store
            .cert_failed("file-0", "CA down", 99, None)
            .await
            .unwrap();
        store
            .cert_failed("file-0", "CA still down", 199, None)
            .await
            .unwrap();
        let row = store.managed_cert("file-0").await.unwrap().unwrap();
        assert_eq!(row.failures(), 2);
        assert_eq!(row.last_error.as_deref(), Some("CA still down"));
        assert_eq!(row.next_attempt_at, Some(199));
        store.cert_renewed(&r).await.unwrap();
        let row = store.managed_cert("file-0").await.unwrap().unwrap();
        assert_eq!(row.failures(), 0);
        assert_eq!(row.last_error, None);
        assert_eq!(row.source(), CertSource::InternalCa);
        assert_eq!(row.names(), names);
        assert_eq!(row.reload(), reload);
        // bosun's own certificate gets a row on its first failure.
        store
            .cert_failed("bosun", "disk full", 5, Some(CertSource::SelfSigned))
            .await
            .unwrap();
        let own = store.managed_cert("bosun").await.unwrap().unwrap();
        assert_eq!((own.failures(), own.source()), (1, CertSource::SelfSigned));
    }
}
