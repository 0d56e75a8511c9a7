//! Taking one backup: check, claim the database, dump, verify, publish, catalogue, audit,
//! and prune only after a verified success.

use bosun_frontend::error::AppError;
use bosun_frontend::model::{AuditOutcome, BackupKind, BackupStatus, Compression};

use super::command::{self, Secret};
use super::exec::{self, Dumped};
use super::retention::{Good, to_prune};
use super::settings::PasswordSource;
use super::sink::Sink;
use super::space::Watch;
use super::{BackupService, Found, Owner};
use crate::busy::{Claim, Resource, Work};
use crate::docker::containers;
use crate::error::OrInternal;
use crate::store::backups::{BackupRow, Filter, GoodBackup, NewBackup};

impl BackupService {
    /// 507 when the backup directory has less free space than the configured minimum.
    pub(super) fn check_free_space(&self) -> Result<(), AppError> {
        let dir = &self.inner.dir;
        let free = fs4::available_space(dir).map_err(|e| {
            AppError::unavailable(format!(
                "Could not read the free space of {}: {e}. Check that the backup directory exists and is readable.",
                dir.display()
            ))
        })?;
        if free < self.inner.min_free {
            return Err(AppError::insufficient_storage(format!(
                "Only {} free in {}; a backup needs at least {} free (--backup-min-free-mb). Free some space (delete old backups), or point --backup-dir at a bigger disk.",
                bosun_frontend::model::human_bytes(free),
                dir.display(),
                bosun_frontend::model::human_bytes(self.inner.min_free)
            )));
        }
        Ok(())
    }

    /// The limits and place of one dump or restore of `found`.
    pub(super) fn exec_job<'a>(&'a self, found: &'a Found, guard: &Claim) -> exec::Job<'a> {
        exec::Job {
            docker: &self.inner.engine,
            container: &found.record.id,
            engine: found.settings.engine,
            bytes: guard.bytes().clone(),
            timeout: self.inner.timeout,
        }
    }

    /// The free-space minimum, in MB as configured.
    pub(super) fn min_free_mb(&self) -> u64 {
        self.inner.min_free / (1024 * 1024)
    }

    /// Starts a backup in the background and returns its catalogue row (status running).
    pub async fn start_backup(
        &self,
        owner: Owner,
        project: &str,
        service: &str,
        compression: Compression,
        kind: BackupKind,
    ) -> Result<BackupRow, AppError> {
        let found = self.find(project, service)?;
        if let Some(problem) = Self::problem(&found) {
            return Err(AppError::conflict(problem));
        }
        self.check_free_space()?;
        let guard = self.inner.busy.claim(
            Resource::service(project, service),
            Work::Backup,
            &owner.username,
        )?;
        let row = self.begin(&found, &owner, compression, kind).await?;
        guard.step("backing up", Some(row.id));
        let this = self.clone();
        let started = row.clone();
        tokio::spawn(async move {
            let _ = this.run(&guard, &found, started, &owner).await;
            drop(guard);
        });
        Ok(row)
    }

    /// The catalogue row of a backup about to run.
    pub(super) async fn begin(
        &self,
        found: &Found,
        owner: &Owner,
        compression: Compression,
        kind: BackupKind,
    ) -> Result<BackupRow, AppError> {
        self.begin_in(found, owner, compression, kind, None).await
    }

    /// The same, as a part of the stack set `set_id`.
    pub(super) async fn begin_in(
        &self,
        found: &Found,
        owner: &Owner,
        compression: Compression,
        kind: BackupKind,
        set_id: Option<i64>,
    ) -> Result<BackupRow, AppError> {
        let database = found.settings.database.clone().unwrap_or_default();
        self.inner
            .store
            .insert_backup(&NewBackup {
                project: &found.project,
                service: &found.service,
                engine: found.settings.engine,
                database: &database,
                kind,
                content: bosun_frontend::model::BackupContent::Database,
                set_id,
                compression,
                actor: &owner.username,
                encrypted: self.inner.keys.for_local().is_some(),
                at_ms: self.inner.clock.now_ms(),
            })
            .await
            .or_internal("recording the backup")
    }

    /// Runs the dump for `row` and records how it ended. The error is the reason.
    pub(super) async fn run(
        &self,
        guard: &Claim,
        found: &Found,
        row: BackupRow,
        owner: &Owner,
    ) -> Result<BackupRow, String> {
        let result = match self.dump(guard, found, &row).await {
            Ok(dumped) => self.keep(&row, &dumped, &found.record.image_id).await,
            Err(reason) => Err(reason),
        };
        let done = self.ended(guard, &row, owner, result).await?;
        // Proven by a restore in the background, one at a time; the service is free again.
        let (this, verified, label, by) = (
            self.clone(),
            done.clone(),
            found.settings.verify.clone(),
            owner.clone(),
        );
        tokio::spawn(async move {
            this.after_good(&verified, label.as_deref(), &by).await;
        });
        // Retention is a schedule's: only its own runs prune, and only its own backups are
        // pruned. Manual and safety backups stay until an admin deletes them, or their age
        // limit (expiry.rs); so no operator's "Back up now" can push history out.
        if done.kind == BackupKind::Scheduled.as_str() {
            self.prune(owner, &done.project, &done.service).await;
        }
        Ok(done)
    }

    /// Records how the job of `row` ended: a failure in the catalogue and as a notification;
    /// either way in the audit log and on the live views.
    pub(super) async fn ended(
        &self,
        guard: &Claim,
        row: &BackupRow,
        owner: &Owner,
        result: Result<BackupRow, String>,
    ) -> Result<BackupRow, String> {
        let target = format!("{}/{} #{}", row.project, row.service, row.id);
        if let Err(reason) = &result {
            let bytes = guard.bytes().load(std::sync::atomic::Ordering::Relaxed);
            if let Err(e) = self
                .inner
                .store
                .finish_backup_failed(row.id, reason, bytes, self.inner.clock.now_ms())
                .await
            {
                tracing::error!(error = %e, id = row.id, "could not record a failed backup");
            }
            let what = if row.is_files() {
                "files".to_owned()
            } else {
                format!("database {}", row.database)
            };
            self.inner.notifier.send(crate::notify::Notification::new(
                bosun_frontend::model::NotifyEvent::BackupFailed,
                crate::notify::Severity::Critical,
                format!("Backup of {}/{} failed", row.project, row.service),
                format!("Backup #{} of {}/{} ({what}, started by {}) failed: {reason}", row.id, row.project, row.service, owner.username),
                serde_json::json!({"backup_id": row.id, "project": row.project, "service": row.service, "database": row.database, "content": row.content, "reason": reason}),
            ));
        }
        self.changed();
        let audited = result
            .as_ref()
            .map_err(|reason| AppError::engine_failed(reason.clone()));
        self.inner
            .audit
            .outcome(owner.who(), "backup.create", &target, &audited)
            .await;
        result
    }

    pub(super) async fn secret(&self, found: &Found) -> Result<Option<Secret>, String> {
        let Some(source) = &found.settings.password else {
            return Ok(None);
        };
        self.inner.engine.ready().map_err(|e| e.message)?;
        let name = source.variable();
        let value = containers::variable(&self.inner.engine, &found.record.id, name)
            .await
            .map_err(|e| format!("could not read the container's settings: {e}"))?;
        match (source, value) {
            (_, None) => Err(format!(
                "the variable {name} is not set in the container {}. Set it, or name the password's variable with the label bosun.backup.password-env.",
                found.record.name
            )),
            (PasswordSource::Env(_), Some(v)) => Ok(Some(Secret::Value(v))),
            (PasswordSource::File(_), Some(path)) => Ok(Some(Secret::File(path))),
        }
    }

    async fn dump(&self, guard: &Claim, found: &Found, row: &BackupRow) -> Result<Dumped, String> {
        self.inner.engine.ready().map_err(|e| e.message)?;
        let secret = self.secret(found).await?;
        let spec = command::dump(
            found.settings.engine,
            &found.settings.user,
            &row.database,
            secret.as_ref(),
        );
        let final_path = self.inner.dir.join(&row.file_name);
        let compression = row.compression();
        let create_path = final_path.clone();
        let watch = Watch::new(self.inner.dir.clone(), self.min_free_mb());
        // The name says whether the file is encrypted: it was chosen when the row was made.
        let sealed = super::crypt::is_encrypted(&row.file_name)
            .then(|| self.inner.keys.recipients.clone())
            .flatten();
        if super::crypt::is_encrypted(&row.file_name) && sealed.is_none() {
            return Err("the backup was to be encrypted but no age public key is set".into());
        }
        let sink = tokio::task::spawn_blocking(move || {
            Sink::create(&create_path, compression, sealed.as_ref(), watch)
        })
        .await
        .map_err(|e| format!("could not create the backup file: {e}"))?
        .map_err(|e| format!("could not create the backup file: {e}"))?;
        let tally = super::tally::Tally::new(found.settings.engine, &row.database);
        exec::dump(self.exec_job(found, guard), spec, sink, tally, final_path).await
    }

    /// Catalogues a good dump and writes its manifest beside it; returns the finished row. If
    /// either fails, the file is removed again: no backup counts as good unless all of it is
    /// in place.
    async fn keep(
        &self,
        row: &BackupRow,
        dumped: &Dumped,
        image: &str,
    ) -> Result<BackupRow, String> {
        let good = GoodBackup {
            dump_bytes: dumped.dump_bytes,
            file_bytes: dumped.written.file_bytes,
            sha256: &dumped.written.sha256,
            server_version: dumped.server_version.as_deref(),
            at_ms: self.inner.clock.now_ms(),
        };
        let recorded = async {
            self.inner
                .store
                .finish_backup_ok(row.id, &good)
                .await
                .map_err(|e| format!("could not record the backup: {e}"))?;
            let figures = serde_json::to_string(&dumped.figures)
                .map_err(|e| format!("could not record the backup: {e}"))?;
            self.inner
                .store
                .set_backup_source(row.id, &figures, image)
                .await
                .map_err(|e| format!("could not record the backup: {e}"))?;
            self.write_manifest_of(row.id).await
        }
        .await;
        if recorded.is_err() {
            self.remove_files(&row.file_name).await;
        }
        recorded
    }

    /// Applies the database's retention after a verified success.
    async fn prune(&self, owner: &Owner, project: &str, service: &str) {
        let Ok(schedules) = self.effective_schedules().await else {
            return;
        };
        let Some(rules) = schedules
            .iter()
            .find(|s| s.project == project && s.service == service)
            .map(|s| s.retention)
            .filter(|r| r.prunes())
        else {
            return;
        };
        let Ok(good) = self
            .inner
            .store
            .list_backups(&Filter {
                project: Some(project.to_owned()),
                service: Some(service.to_owned()),
                status: Some(BackupStatus::Ok),
                content: Some(bosun_frontend::model::BackupContent::Database),
                limit: 100_000,
                ..Default::default()
            })
            .await
        else {
            return;
        };
        let scheduled = BackupKind::Scheduled.as_str();
        let candidates: Vec<Good> = good
            .iter()
            .filter(|r| r.kind == scheduled && r.set_id.is_none())
            .map(|r| Good {
                id: r.id,
                at_ms: r.started_at,
            })
            .collect();
        let remove = to_prune(&candidates, rules);
        if remove.is_empty() {
            return;
        }
        let mut removed = Vec::new();
        for row in good.iter().filter(|r| remove.contains(&r.id)) {
            self.remove_files(&row.file_name).await;
            if self.inner.store.delete_backup(row.id).await.is_ok() {
                removed.push(format!("#{}", row.id));
            }
        }
        self.inner
            .audit
            .record(
                owner.who(),
                "backup.prune",
                &format!("{project}/{service}"),
                AuditOutcome::Ok,
                Some(format!(
                    "removed {} (keep last {}, daily {}, weekly {}, monthly {})",
                    removed.join(", "),
                    rules.keep_last,
                    rules.keep_daily,
                    rules.keep_weekly,
                    rules.keep_monthly
                )),
            )
            .await;
        self.changed();
    }
}
