//! The embedded store: one SQLite file in the data dir, versioned migrations.

pub mod audit;
pub mod backup_sets;
pub mod backup_verify;
pub mod backups;
pub mod certs;
pub mod copies;
pub mod counts;
pub mod defined_tasks;
pub mod oidc_users;
pub mod passkeys;
pub mod schedules;
pub mod tasks;
pub mod tokens;
pub mod totp;
pub mod updates;
pub mod users;
pub mod webhooks;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
    /// Bumped whenever a credential may have stopped working (a user disabled, deleted or
    /// demoted, sessions ended, a token revoked, two-factor rules changed), so that open
    /// streams check their caller again at once.
    credentials: std::sync::Arc<tokio::sync::watch::Sender<u64>>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Sql(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}

impl Store {
    pub async fn open(data_dir: &Path) -> Result<Self, StoreError> {
        let path = data_dir.join("bosun.db");
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            // 1 MiB of page cache per connection (SQLite's default is 2): the catalogue is
            // small, and an idle bosun should be small too.
            .pragma("cache_size", "-1024");
        // Connections beyond the one in use close after a minute idle (sqlx: 10 minutes).
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .idle_timeout(Duration::from_secs(60))
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Store {
            pool,
            credentials: std::sync::Arc::new(tokio::sync::watch::Sender::new(0)),
        })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Changes each time a credential may have stopped working.
    pub fn credential_changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.credentials.subscribe()
    }

    fn credentials_changed(&self) {
        self.credentials.send_modify(|n| *n = n.wrapping_add(1));
    }
}

/// Unix milliseconds, the store's time format.
pub fn now_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    (now.unix_timestamp_nanos() / 1_000_000) as i64
}

/// Unix milliseconds as RFC 3339 (UTC, second precision) for the API.
pub fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}
