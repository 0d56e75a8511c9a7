//! The backup catalogue: one row per attempt. Only `ok` rows have a file.

use bosun_frontend::model::{
    BackupContent, BackupDto, BackupKind, BackupStatus, Compression, DbEngine, FilePart,
};
use sqlx::QueryBuilder;

use bosun_frontend::model::{ProjectName, ServiceName};

use super::{Store, StoreError, rfc3339};

/// A backup about to start.
pub struct NewBackup<'a> {
    /// Checked names: they make the file name.
    pub project: &'a ProjectName,
    pub service: &'a ServiceName,
    pub engine: DbEngine,
    pub database: &'a str,
    pub kind: BackupKind,
    /// A dump, or the service's files.
    pub content: BackupContent,
    /// The stack set it is a part of.
    pub set_id: Option<i64>,
    pub compression: Compression,
    pub actor: &'a str,
    /// The file is encrypted (age): its name ends in `.age`.
    pub encrypted: bool,
    /// When it starts (Unix ms, bosun's clock): retention and the age limit count from it.
    pub at_ms: i64,
}

/// How a good backup ended.
pub struct GoodBackup<'a> {
    pub dump_bytes: u64,
    pub file_bytes: u64,
    pub sha256: &'a str,
    pub server_version: Option<&'a str>,
    /// When it ended (Unix ms, bosun's clock).
    pub at_ms: i64,
}

/// Checked filters for listing.
#[derive(Default)]
pub struct Filter {
    pub project: Option<String>,
    pub service: Option<String>,
    pub database: Option<String>,
    pub status: Option<BackupStatus>,
    pub content: Option<BackupContent>,
    pub from_ms: Option<i64>,
    pub until_ms: Option<i64>,
    pub limit: u32,
}

#[derive(sqlx::FromRow, Clone, Debug, Default)]
pub struct BackupRow {
    pub id: i64,
    pub project: String,
    pub service: String,
    pub engine: String,
    pub database: String,
    pub kind: String,
    pub status: String,
    pub reason: Option<String>,
    pub file_name: String,
    pub compression: String,
    pub dump_bytes: i64,
    pub file_bytes: i64,
    pub sha256: Option<String>,
    pub server_version: Option<String>,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub actor: String,
    /// JSON `{"table": rows}` tallied from the dump as it was written.
    pub figures: Option<String>,
    /// The image id the database ran when it was dumped.
    pub image: Option<String>,
    pub verify_status: Option<String>,
    pub verify_tables: Option<i64>,
    pub verify_rows: Option<i64>,
    pub verify_ms: Option<i64>,
    pub verify_at: Option<i64>,
    pub verify_reason: Option<String>,
    pub content: String,
    /// JSON [FilePart] (file backups).
    pub paths: Option<String>,
    /// JSON [container id] this job stopped and has not started again.
    pub held: Option<String>,
    pub set_id: Option<i64>,
}

pub(super) const COLUMNS: &str = "id, project, service, engine, database, kind, status, reason, file_name, compression, dump_bytes, file_bytes, sha256, server_version, started_at, finished_at, actor, figures, image, verify_status, verify_tables, verify_rows, verify_ms, verify_at, verify_reason, content, paths, held, set_id";

impl BackupRow {
    pub fn status(&self) -> BackupStatus {
        self.status.parse().unwrap_or(BackupStatus::Failed)
    }
    pub fn compression(&self) -> Compression {
        self.compression.parse().unwrap_or_default()
    }
    pub fn engine(&self) -> DbEngine {
        self.engine.parse().unwrap_or(DbEngine::Postgres)
    }
    pub fn content(&self) -> BackupContent {
        BackupContent::parse(&self.content).unwrap_or_default()
    }
    pub fn is_files(&self) -> bool {
        self.content() == BackupContent::Files
    }
    /// A file backup's paths (none for a dump).
    pub fn parts(&self) -> Vec<FilePart> {
        self.paths
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok())
            .unwrap_or_default()
    }

    pub fn dto(&self) -> BackupDto {
        let status = self.status();
        BackupDto {
            id: self.id,
            project: self.project.clone(),
            service: self.service.clone(),
            engine: (!self.is_files()).then(|| self.engine()),
            database: self.database.clone(),
            kind: BackupKind::parse(&self.kind).unwrap_or(BackupKind::Manual),
            content: self.content(),
            paths: self.parts(),
            set_id: self.set_id,
            status,
            reason: self.reason.clone(),
            file_name: (status == BackupStatus::Ok).then(|| self.file_name.clone()),
            compression: self.compression(),
            dump_bytes: u64::try_from(self.dump_bytes).unwrap_or(0),
            file_bytes: u64::try_from(self.file_bytes).unwrap_or(0),
            sha256: self.sha256.clone(),
            server_version: self.server_version.clone(),
            started_at: rfc3339(self.started_at),
            finished_at: self.finished_at.map(rfc3339),
            duration_ms: self
                .finished_at
                .and_then(|f| u64::try_from(f - self.started_at).ok()),
            actor: self.actor.clone(),
            verify: self.verify(),
            copies: Vec::new(),
            encrypted: self.file_name.ends_with(".age"),
        }
    }
}

/// `shop-db-20261122-030000-17.sql.gz` (`….sql.gz.age` encrypted; `….files.tar.gz` for
/// files): made here from checked names, never from a request.
fn file_name(id: i64, b: &NewBackup<'_>, at_ms: i64) -> String {
    let stamp = time::OffsetDateTime::from_unix_timestamp(at_ms.div_euclid(1000))
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[year][month][day]-[hour][minute][second]"
            ))
            .ok()
        })
        .unwrap_or_default();
    format!(
        "{}-{}-{stamp}-{id}.{}.{}{}",
        b.project,
        b.service,
        match b.content {
            BackupContent::Database => "sql",
            BackupContent::Files => "files.tar",
        },
        b.compression.extension(),
        if b.encrypted { ".age" } else { "" }
    )
}

impl Store {
    /// Records a backup as running and returns it with its file name.
    pub async fn insert_backup(&self, b: &NewBackup<'_>) -> Result<BackupRow, StoreError> {
        let at = b.at_ms;
        let mut tx = self.pool().begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO backups (project, service, engine, database, kind, status, file_name, compression, started_at, actor, content, set_id) \
             VALUES (?, ?, ?, ?, ?, 'running', '', ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(b.project.as_str())
        .bind(b.service.as_str())
        .bind(match b.content {
            BackupContent::Database => b.engine.as_str(),
            BackupContent::Files => "files",
        })
        .bind(b.database)
        .bind(b.kind.as_str())
        .bind(b.compression.as_str())
        .bind(at)
        .bind(b.actor)
        .bind(b.content.as_str())
        .bind(b.set_id)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("UPDATE backups SET file_name = ? WHERE id = ?")
            .bind(file_name(id, b, at))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.backup(id)
            .await?
            .ok_or(StoreError::Sql(sqlx::Error::RowNotFound))
    }

    pub async fn finish_backup_ok(&self, id: i64, g: &GoodBackup<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE backups SET status = 'ok', reason = NULL, dump_bytes = ?, file_bytes = ?, sha256 = ?, server_version = ?, finished_at = ? WHERE id = ?",
        )
        .bind(i64::try_from(g.dump_bytes).unwrap_or(i64::MAX))
        .bind(i64::try_from(g.file_bytes).unwrap_or(i64::MAX))
        .bind(g.sha256)
        .bind(g.server_version)
        .bind(g.at_ms)
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn finish_backup_failed(
        &self,
        id: i64,
        reason: &str,
        dump_bytes: u64,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE backups SET status = 'failed', reason = ?, dump_bytes = ?, finished_at = ? WHERE id = ?",
        )
        .bind(reason)
        .bind(i64::try_from(dump_bytes).unwrap_or(i64::MAX))
        .bind(at_ms)
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// At start-up: backups that were running when bosun stopped.
    pub async fn interrupt_running_backups(
        &self,
        at_ms: i64,
    ) -> Result<Vec<BackupRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "UPDATE backups SET status = 'interrupted', reason = 'bosun stopped while this backup ran; its partial file was removed. Back up again.', finished_at = ? \
             WHERE status = 'running' RETURNING {COLUMNS}"
        ))
        .bind(at_ms)
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn backup(&self, id: i64) -> Result<Option<BackupRow>, StoreError> {
        Ok(
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM backups WHERE id = ?"))
                .bind(id)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    pub async fn delete_backup(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM backups WHERE id = ?")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Newest first.
    pub async fn list_backups(&self, f: &Filter) -> Result<Vec<BackupRow>, StoreError> {
        let mut sql = QueryBuilder::new(format!("SELECT {COLUMNS} FROM backups WHERE 1 = 1"));
        if let Some(p) = &f.project {
            sql.push(" AND project = ").push_bind(p.clone());
        }
        if let Some(s) = &f.service {
            sql.push(" AND service = ").push_bind(s.clone());
        }
        if let Some(d) = &f.database {
            sql.push(" AND database = ").push_bind(d.clone());
        }
        if let Some(s) = f.status {
            sql.push(" AND status = ").push_bind(s.as_str());
        }
        if let Some(c) = f.content {
            sql.push(" AND content = ").push_bind(c.as_str());
        }
        if let Some(t) = f.from_ms {
            sql.push(" AND started_at >= ").push_bind(t);
        }
        if let Some(t) = f.until_ms {
            sql.push(" AND started_at < ").push_bind(t);
        }
        sql.push(" ORDER BY id DESC LIMIT ")
            .push_bind(i64::from(f.limit));
        Ok(sql.build_query_as().fetch_all(self.pool()).await?)
    }

    /// One database's newest dump with `status`.
    pub async fn latest_backup(
        &self,
        project: &str,
        service: &str,
        status: BackupStatus,
    ) -> Result<Option<BackupRow>, StoreError> {
        self.latest_of(project, service, BackupContent::Database, status)
            .await
    }

    /// One service's newest backup of `content` with `status`.
    pub async fn latest_of(
        &self,
        project: &str,
        service: &str,
        content: BackupContent,
        status: BackupStatus,
    ) -> Result<Option<BackupRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM backups WHERE project = ? AND service = ? AND content = ? AND status = ? ORDER BY id DESC LIMIT 1"
        ))
        .bind(project)
        .bind(service)
        .bind(content.as_str())
        .bind(status.as_str())
        .fetch_optional(self.pool())
        .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_made_from_checked_parts() {
        let (project, service) = ("shop".parse().unwrap(), "db".parse().unwrap());
        let b = NewBackup {
            project: &project,
            service: &service,
            engine: DbEngine::Postgres,
            database: "shop",
            kind: BackupKind::Manual,
            content: BackupContent::Database,
            set_id: None,
            compression: Compression::Zstd,
            actor: "ann",
            encrypted: false,
            at_ms: 1_795_348_800_000,
        };
        assert_eq!(
            file_name(17, &b, b.at_ms),
            "shop-db-20261122-120000-17.sql.zst"
        );
        let sealed = NewBackup {
            encrypted: true,
            ..b
        };
        assert_eq!(
            file_name(17, &sealed, sealed.at_ms),
            "shop-db-20261122-120000-17.sql.zst.age"
        );
        let files = NewBackup {
            content: BackupContent::Files,
            ..sealed
        };
        assert_eq!(
            file_name(17, &files, files.at_ms),
            "shop-db-20261122-120000-17.files.tar.zst.age"
        );
    }
}
