//! Proving a good backup by restoring it: a throwaway server from the image the database
//! ran (no network, no port, an anonymous volume, a memory limit), the dump restored with
//! the very client path a real restore uses, then every table's rows counted and compared
//! with the figures tallied from the dump when it was taken. One verification runs at a
//! time; the throwaway server is removed on every path, and at start after a crash.

use std::time::{Duration, Instant};

use bosun_frontend::authz::Operator;
use bosun_frontend::error::AppError;
use bosun_frontend::model::backup_verify::{VerifyPolicy, VerifyStatus};
use bosun_frontend::model::{AuditOutcome, BackupDto, BackupStatus, DbEngine, NotifyEvent};
use bosun_frontend::ports::BackupVerifyPort;

use super::{BackupService, Owner, probe};
use crate::docker::throwaway;
use crate::store::backup_verify::VerifyRecord;
use crate::store::backups::BackupRow;

/// The throwaway server's memory limit.
pub const MEMORY: i64 = 1024 * 1024 * 1024;
/// Figures for this long are kept as "verified recently" under `newest-weekly`.
const WEEK_MS: i64 = 7 * 24 * 3600 * 1000;

/// One verification at a time, and the default policy.
pub struct Verifier {
    pub gate: tokio::sync::Semaphore,
    pub policy: VerifyPolicy,
    /// Set at shutdown: a verification cut off then is neither recorded nor reported.
    pub stopping: std::sync::atomic::AtomicBool,
}

impl Verifier {
    pub fn new(policy: VerifyPolicy) -> Self {
        Verifier {
            gate: tokio::sync::Semaphore::new(1),
            policy,
            stopping: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

/// What a verification found, or why it failed.
pub(super) struct Found {
    pub tables: u64,
    pub rows: u64,
}

impl BackupService {
    /// At start: throwaway servers a killed bosun left, and verifications it cut off.
    pub(super) async fn clean_verifications(&self) {
        let now = self.inner.clock.now_ms();
        let tokens = match self.inner.store.interrupt_running_verifications(now).await {
            Ok(tokens) => tokens,
            Err(e) => {
                tracing::error!(error = %e, "could not mark interrupted verifications");
                return;
            }
        };
        if tokens.is_empty() {
            return;
        }
        // In the background: the engine may not be reachable yet.
        let engine = self.inner.engine.clone();
        tokio::spawn(async move {
            for token in tokens {
                for attempt in 0..60 {
                    if engine.ready().is_ok() {
                        match throwaway::remove_leftover(&engine, &token).await {
                            Ok(gone) if !gone.is_empty() => {
                                tracing::warn!(containers = ?gone, "removed a throwaway database left by an interrupted verification")
                            }
                            Ok(_) => {}
                            Err(e) => {
                                tracing::error!(error = %e, "could not remove a throwaway database left by an interrupted verification")
                            }
                        }
                        break;
                    }
                    if attempt < 59 {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
    }

    /// At shutdown: the throwaway servers of verifications still running are removed now
    /// (their tasks end with the runtime), and those verifications marked skipped.
    pub async fn stop_verifications(&self) {
        self.inner
            .verify
            .stopping
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let now = self.inner.clock.now_ms();
        let Ok(tokens) = self.inner.store.interrupt_running_verifications(now).await else {
            return;
        };
        for token in tokens {
            let _ = throwaway::remove_leftover(&self.inner.engine, &token).await;
        }
    }

    /// After a good backup: verifies it when the database's policy says so (label
    /// `bosun.backup.verify`, else BOSUN_BACKUP_VERIFY), else records why not.
    pub(super) async fn verify_by_policy(
        &self,
        row: &BackupRow,
        label: Option<&str>,
        owner: &Owner,
    ) {
        // A scheduled run follows its schedule's policy; then the database's label; then
        // BOSUN_BACKUP_VERIFY.
        let scheduled = if row.kind == bosun_frontend::model::BackupKind::Scheduled.as_str() {
            self.effective_schedules()
                .await
                .ok()
                .and_then(|all| {
                    all.into_iter()
                        .find(|s| s.project == row.project && s.service == row.service)
                })
                .and_then(|s| s.verify)
        } else {
            None
        };
        let policy = scheduled
            .or_else(|| label.and_then(|l| l.parse::<VerifyPolicy>().ok()))
            .unwrap_or(self.inner.verify.policy)
            .resolve(u64::try_from(row.dump_bytes).unwrap_or(0));
        let skip = match policy {
            VerifyPolicy::Off => Some("verification is off for this database".to_owned()),
            VerifyPolicy::NewestWeekly => {
                match self
                    .inner
                    .store
                    .last_verified(&row.project, &row.service)
                    .await
                {
                    Ok(Some(last))
                        if last
                            .verify_at
                            .is_some_and(|at| self.inner.clock.now_ms() - at < WEEK_MS) =>
                    {
                        Some(format!(
                            "newest-weekly: backup #{} was verified less than a week ago",
                            last.id
                        ))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
        .or_else(|| self.unreadable(row));
        match skip {
            Some(reason) => {
                self.record_verify(row.id, VerifyStatus::Skipped, None, 0, Some(&reason))
                    .await
            }
            None => {
                let _ = self.verify_now(row.id, owner).await;
            }
        }
    }

    /// Verifies backup `id` now (waiting for any other verification to end first).
    pub(super) async fn verify_now(&self, id: i64, owner: &Owner) -> Result<BackupRow, String> {
        let _turn = self
            .inner
            .verify
            .gate
            .acquire()
            .await
            .map_err(|_| "bosun is stopping".to_owned())?;
        let row = self.read(id).await?;
        let started = Instant::now();
        self.record_verify(id, VerifyStatus::Running, None, 0, None)
            .await;
        self.changed();
        let result = self.verify_inner(&row).await;
        if self
            .inner
            .verify
            .stopping
            .load(std::sync::atomic::Ordering::SeqCst)
        {
            return Err("bosun is stopping".into());
        }
        if result.is_err() && self.inner.store.backup(id).await.ok().flatten().is_none() {
            // Deleted meanwhile (by an admin, or pruned): nothing left to prove or report.
            tracing::info!(
                id,
                "a backup was deleted while it waited for its verification"
            );
            return Err(format!("backup #{id} was deleted"));
        }
        let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let target = format!("{}/{} #{}", row.project, row.service, row.id);
        match &result {
            Ok(found) => {
                self.record_verify(id, VerifyStatus::Verified, Some(found), ms, None)
                    .await;
            }
            Err(reason) => {
                self.record_verify(id, VerifyStatus::Failed, None, ms, Some(reason))
                    .await;
                self.inner.notifier.send(crate::notify::Notification::new(
                    NotifyEvent::BackupVerifyFailed,
                    crate::notify::Severity::Critical,
                    format!("Backup of {}/{} did not restore", row.project, row.service),
                    if row.is_files() {
                        format!("Backup #{} of {}/{}'s files was read back to prove it, and that failed: {reason}", row.id, row.project, row.service)
                    } else {
                        format!("Backup #{} of {}/{} (database {}) was restored into a throwaway server to prove it, and that failed: {reason}", row.id, row.project, row.service, row.database)
                    },
                    serde_json::json!({"backup_id": row.id, "project": row.project, "service": row.service, "database": row.database, "reason": reason}),
                ));
            }
        }
        let (outcome, detail) = match &result {
            Ok(f) => (
                AuditOutcome::Ok,
                format!("{} tables, {} rows, {} ms", f.tables, f.rows, ms),
            ),
            Err(reason) => (AuditOutcome::Failed, reason.clone()),
        };
        self.inner
            .audit
            .record(owner.who(), "backup.verify", &target, outcome, Some(detail))
            .await;
        self.write_manifest(id).await;
        self.changed();
        let done = self.read(id).await?;
        result.map(|_| done)
    }

    async fn read(&self, id: i64) -> Result<BackupRow, String> {
        self.inner
            .store
            .backup(id)
            .await
            .map_err(|e| format!("could not read the catalogue: {e}"))?
            .ok_or_else(|| format!("there is no backup #{id}"))
    }

    async fn record_verify(
        &self,
        id: i64,
        status: VerifyStatus,
        found: Option<&Found>,
        ms: u64,
        reason: Option<&str>,
    ) {
        let record = VerifyRecord {
            status,
            tables: found.map(|f| f.tables),
            rows: found.map(|f| f.rows),
            ms: (status != VerifyStatus::Running && status != VerifyStatus::Skipped).then_some(ms),
            at_ms: self.inner.clock.now_ms(),
            reason,
        };
        if let Err(e) = self.inner.store.set_backup_verify(id, &record).await {
            tracing::error!(error = %e, id, "could not record a verification");
        }
    }

    async fn verify_inner(&self, row: &BackupRow) -> Result<Found, String> {
        if row.status() != BackupStatus::Ok {
            return Err(format!(
                "backup #{} is {}, not good",
                row.id,
                row.status().as_str()
            ));
        }
        let path = self.inner.dir.join(&row.file_name);
        let sum = super::plain::sha256_of(path.clone()).await?;
        if row.sha256.as_deref() != Some(sum.as_str()) {
            return Err(
                "the backup file no longer matches its checksum: it changed on disk".into(),
            );
        }
        let file = self.source(row, path, None)?;
        file.check().await?;
        if row.is_files() {
            return self.check_tree(row, file).await;
        }
        let source = row.figures().ok_or(
            "this backup was made before bosun recorded each table's rows, so there is nothing to compare a restore with; take a new backup",
        )?;
        let image = row
            .image
            .clone()
            .ok_or("the catalogue does not say which image the database ran")?;
        self.inner.engine.ready().map_err(|e| e.message)?;
        let token = hex::encode(rand::random::<[u8; 12]>());
        self.inner
            .store
            .set_verify_token(row.id, &token)
            .await
            .map_err(|e| format!("could not record the verification: {e}"))?;
        let engine = row.engine();
        let password = hex::encode(rand::random::<[u8; 24]>());
        let user = match engine {
            DbEngine::Postgres => self.verify_user(row),
            DbEngine::Mysql | DbEngine::Mariadb => "root".to_owned(),
        };
        let server = probe::server(engine, &user, &row.database, &password);
        let box_ = throwaway::start(
            &self.inner.engine,
            throwaway::Spec {
                image: &image,
                env: server.env.clone(),
                data_dir: server.data_dir,
                memory_bytes: MEMORY,
                backup_id: row.id,
                token: &token,
                of: &format!("{}-{}", row.project, row.service),
            },
        )
        .await?;
        let result = self
            .restore_and_count(&box_, row, &server, &file, &source)
            .await;
        if let Err(e) = box_.remove().await {
            tracing::error!(error = %e, container = %box_.name, "could not remove a throwaway database");
        }
        result
    }

    /// Why bosun cannot read this backup on its own (an encrypted file, and no identity file
    /// that opens files), if so. The identity file is read only for encrypted files.
    fn unreadable(&self, row: &BackupRow) -> Option<String> {
        if !super::crypt::is_encrypted(&row.file_name) {
            return None;
        }
        self.inner.keys.identity(None).err()
    }

    /// The database user of the backup's service now (the dump's objects are owned by it).
    fn verify_user(&self, row: &BackupRow) -> String {
        self.find(&row.project, &row.service)
            .map(|f| f.settings.user)
            .unwrap_or_else(|_| "postgres".to_owned())
    }

    /// Rewrites the manifest beside the file with the verification's figures.
    async fn write_manifest(&self, id: i64) {
        let Ok(row) = self.read(id).await else { return };
        let manifest = self.manifest(&row);
        if let Ok(bytes) = serde_json::to_vec_pretty(&manifest)
            && let Err(e) = tokio::fs::write(self.manifest_path(&row.file_name), bytes).await
        {
            tracing::error!(error = %e, id, "could not rewrite a backup's manifest");
        }
    }
}

#[async_trait::async_trait]
impl BackupVerifyPort for BackupService {
    async fn verify(&self, actor: &Operator, id: i64) -> Result<BackupDto, AppError> {
        let row = self.row(id).await?;
        if row.status() != BackupStatus::Ok {
            return Err(AppError::conflict(format!(
                "Backup #{id} is {}: only a good backup can be verified.",
                row.status().as_str()
            )));
        }
        if let Some(why) = self.unreadable(&row) {
            return Err(AppError::conflict(format!(
                "Backup #{id} cannot be verified: {why}."
            )));
        }
        if row.verify_status.as_deref() == Some(VerifyStatus::Running.as_str()) {
            return Err(AppError::conflict(format!(
                "Backup #{id} is being verified now. Its result shows on the Backups page when it ends."
            )));
        }
        self.record_verify(
            id,
            VerifyStatus::Running,
            None,
            0,
            Some("waiting for its turn"),
        )
        .await;
        self.changed();
        let (this, owner) = (self.clone(), Owner::from(actor));
        tokio::spawn(async move {
            let _ = this.verify_now(id, &owner).await;
        });
        Ok(self.row(id).await.map_or_else(|_| row.dto(), |r| r.dto()))
    }
}
