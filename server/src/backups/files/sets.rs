//! Stack sets: "Back up project" takes every database dump and every file backup of a
//! compose project as one set, one id, good only when every part is good. Every service of
//! the set is claimed before the first part starts, so no other job runs between its parts.
//! A set restores its databases first, then its files, each with its own safety backup.

use std::collections::BTreeMap;
use std::time::Instant;

use bosun_frontend::error::AppError;
use bosun_frontend::model::{
    AuditOutcome, BackupKind, BackupSetDto, BackupStatus, Compression, ProjectName, RestoreFrom,
    RestoreRequest, SetRestoreReport,
};

use super::super::{BackupService, Found, Owner};
use super::FileSource;
use crate::busy::{Claim, Resource, Work};
use crate::error::OrInternal;
use crate::store::backup_sets::SetRow;

impl BackupService {
    pub(super) async fn set_dto(&self, row: &SetRow) -> Result<BackupSetDto, AppError> {
        let parts = self
            .inner
            .store
            .set_parts(row.id)
            .await
            .or_internal("reading the backup catalogue")?;
        let mut dto = row.dto(&[]);
        dto.parts = self.shown(&parts).await;
        Ok(dto)
    }

    /// `PROJECT-set-ID.json` in the backup directory: the set and every part (file name,
    /// SHA-256, paths), so the set can be found and checked without bosun's catalogue.
    pub(in crate::backups) fn set_manifest_path(
        &self,
        project: &str,
        id: i64,
    ) -> std::path::PathBuf {
        self.inner.dir.join(format!("{project}-set-{id}.json"))
    }

    async fn write_set_manifest(&self, set: &SetRow) {
        let Ok(Some(row)) = self.inner.store.backup_set(set.id).await else {
            return;
        };
        let Ok(dto) = self.set_dto(&row).await else {
            return;
        };
        let written = match serde_json::to_vec_pretty(&dto) {
            Ok(bytes) => tokio::fs::write(self.set_manifest_path(&set.project, set.id), bytes)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        if let Err(e) = written {
            tracing::error!(error = %e, id = set.id, "could not write a backup set's manifest");
        }
    }

    /// The newest sets, for the Backups page.
    pub(in crate::backups) async fn recent_sets(&self) -> Result<Vec<BackupSetDto>, AppError> {
        let rows = self
            .inner
            .store
            .list_sets(10)
            .await
            .or_internal("reading the backup catalogue")?;
        let mut out = Vec::new();
        for r in &rows {
            out.push(self.set_dto(r).await?);
        }
        Ok(out)
    }

    /// Starts a set of `project` (a scheduled one when `scheduled`).
    pub(in crate::backups) async fn start_set_as(
        &self,
        owner: Owner,
        project: &ProjectName,
        scheduled: bool,
    ) -> Result<SetRow, AppError> {
        let dbs: Vec<Found> = self
            .found()
            .into_iter()
            .filter(|f| f.project == *project)
            .collect();
        let files: Vec<FileSource> = self
            .file_sources()
            .into_iter()
            .filter(|f| f.project == *project)
            .collect();
        if dbs.is_empty() && files.is_empty() {
            return Err(AppError::not_found(format!(
                "Project {project} has no database or files bosun backs up."
            )));
        }
        for f in &dbs {
            if let Some(problem) = Self::problem(f) {
                return Err(AppError::conflict(format!(
                    "{}/{}: {problem}",
                    f.project, f.service
                )));
            }
        }
        for f in &files {
            if let Err(e) = &f.paths {
                return Err(AppError::conflict(format!(
                    "{}/{}: {e}. Fix the label, then back up.",
                    f.project, f.service
                )));
            }
        }
        self.inner.engine.ready()?;
        self.check_free_space()?;
        let mut claims: BTreeMap<String, Claim> = BTreeMap::new();
        for service in dbs
            .iter()
            .map(|f| &f.service)
            .chain(files.iter().map(|f| &f.service))
        {
            if !claims.contains_key(service.as_str()) {
                let claim = self.inner.busy.claim(
                    Resource::service(project.as_str(), service.as_str()),
                    Work::Backup,
                    &owner.username,
                )?;
                claims.insert(service.as_str().to_owned(), claim);
            }
        }
        let set = self
            .inner
            .store
            .insert_set(
                project.as_str(),
                if scheduled { "scheduled" } else { "manual" },
                &owner.username,
                self.inner.clock.now_ms(),
            )
            .await
            .or_internal("recording the set")?;
        for c in claims.values() {
            c.step(&format!("waiting in set #{}", set.id), None);
        }
        let (this, row) = (self.clone(), set.clone());
        tokio::spawn(async move { this.run_set(row, dbs, files, claims, owner).await });
        self.changed();
        Ok(set)
    }

    async fn run_set(
        &self,
        set: SetRow,
        dbs: Vec<Found>,
        files: Vec<FileSource>,
        claims: BTreeMap<String, Claim>,
        owner: Owner,
    ) {
        let mut failed = Vec::new();
        let kind = if set.kind == "scheduled" {
            BackupKind::Scheduled
        } else {
            BackupKind::Manual
        };
        for f in &dbs {
            let Some(guard) = claims.get(f.service.as_str()) else {
                continue;
            };
            let ran = match self
                .begin_in(f, &owner, Compression::Gzip, kind, Some(set.id))
                .await
            {
                Ok(row) => {
                    guard.step("backing up", Some(row.id));
                    self.run(guard, f, row, &owner).await.map(drop)
                }
                Err(e) => Err(e.message),
            };
            if let Err(reason) = ran {
                failed.push(format!("{} (database): {reason}", f.service));
            }
        }
        for f in &files {
            let Some(guard) = claims.get(f.service.as_str()) else {
                continue;
            };
            let paths = f.paths.clone().unwrap_or_default();
            let ran = match self
                .begin_files(f, &owner, Compression::Gzip, kind, Some(set.id))
                .await
            {
                Ok(row) => {
                    guard.step("backing up files", Some(row.id));
                    self.run_files(guard, f, &paths, row, &owner)
                        .await
                        .map(drop)
                }
                Err(e) => Err(e.message),
            };
            if let Err(reason) = ran {
                failed.push(format!("{} (files): {reason}", f.service));
            }
        }
        drop(claims);
        let (status, reason) = if failed.is_empty() {
            (BackupStatus::Ok, None)
        } else {
            (
                BackupStatus::Failed,
                Some(format!(
                    "{} of its parts failed: {}",
                    failed.len(),
                    failed.join("; ")
                )),
            )
        };
        if let Err(e) = self
            .inner
            .store
            .finish_set(set.id, status, reason.as_deref(), self.inner.clock.now_ms())
            .await
        {
            tracing::error!(error = %e, id = set.id, "could not record how a backup set ended");
        }
        self.write_set_manifest(&set).await;
        let outcome = if failed.is_empty() {
            AuditOutcome::Ok
        } else {
            AuditOutcome::Failed
        };
        let detail = reason.unwrap_or_else(|| {
            format!(
                "{} database(s), {} service(s) with files",
                dbs.len(),
                files.len()
            )
        });
        self.inner
            .audit
            .record(
                owner.who(),
                "backup.set",
                &format!("{} set #{}", set.project, set.id),
                outcome,
                Some(detail),
            )
            .await;
        if failed.is_empty() && set.kind == "scheduled" {
            self.prune_sets(&set.project).await;
        }
        self.changed();
    }

    pub(super) async fn restore_set_inner(
        &self,
        owner: &Owner,
        id: i64,
        confirm: &str,
    ) -> Result<SetRestoreReport, AppError> {
        let set = self.set_row(id).await?;
        if set.status() != BackupStatus::Ok {
            return Err(AppError::conflict(format!(
                "Set #{id} is {}, not good: only a set whose every part is good can be restored.",
                set.status().as_str()
            )));
        }
        if confirm != set.project {
            return Err(AppError::bad_request(
                "confirm",
                format!(
                    "Type the project name “{}” exactly to confirm. The restore replaces the data of every database and the files of every service in the set.",
                    set.project
                ),
            ));
        }
        let started = Instant::now();
        let parts = self
            .inner
            .store
            .set_parts(id)
            .await
            .or_internal("reading the backup catalogue")?;
        let mut restored = Vec::new();
        for part in &parts {
            let request = RestoreRequest {
                confirm: part.service.clone(),
                from: RestoreFrom::Local,
                ..Default::default()
            };
            let report = self.restore_inner(owner, part.id, &request).await.map_err(|e| {
                let done: Vec<String> = restored.iter().map(|r: &bosun_frontend::model::RestoreReport| format!("#{}", r.backup_id)).collect();
                AppError::engine_failed(format!(
                    "Restoring set #{id} stopped at {}/{} (backup #{}): {} Already restored: {}.",
                    part.project, part.service, part.id, e.message,
                    if done.is_empty() { "none".to_owned() } else { done.join(", ") }
                ))
            })?;
            restored.push(report);
        }
        Ok(SetRestoreReport {
            set_id: id,
            restored,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        })
    }
}
