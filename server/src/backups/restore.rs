//! Restoring a good backup into its database: get the file (this host's, or the off-site
//! copy's), check it against its checksum and, when encrypted, that the identity opens it;
//! take a safety backup, then stream the dump into the database client through exec stdin.

use std::time::Instant;

use bosun_frontend::error::AppError;
use bosun_frontend::model::{BackupKind, BackupStatus, RestoreFrom, RestoreReport, RestoreRequest};

use super::command;
use super::exec;
use super::{BackupService, Owner};
use crate::busy::{Resource, Work};

impl BackupService {
    /// The file of the good backup `row`: fetched from off-site when asked (or gone here),
    /// checked against its SHA-256, and opened with the identity when encrypted. Nothing is
    /// changed yet; the temporary file, if any, lives as long as the second value.
    pub(super) async fn checked_source(
        &self,
        guard: &crate::busy::Claim,
        row: &crate::store::backups::BackupRow,
        request: &RestoreRequest,
        given: Option<&super::crypt::Identities>,
    ) -> Result<(super::plain::Source, Option<super::fetch::Partial>), AppError> {
        let id = row.id;
        guard.step("checking the backup file", Some(id));
        let from_offsite = request.from == RestoreFrom::Offsite;
        let (path, fetched) = self
            .file_for_restore(row, from_offsite, given)
            .await
            .map_err(|e| {
                AppError::conflict(format!("{e}. Nothing was changed. Pick another backup."))
            })?;
        let actual = super::plain::sha256_of(path.clone()).await.map_err(|e| {
            AppError::conflict(format!(
                "Backup #{id}'s file cannot be read ({e}). Nothing was changed. Pick another backup."
            ))
        })?;
        if Some(actual.as_str()) != row.sha256.as_deref() {
            return Err(AppError::conflict(format!(
                "Backup #{id}'s file no longer matches its SHA-256 checksum: it was changed or damaged on disk. Nothing was changed. Pick another backup."
            )));
        }
        // An encrypted file must open with the identity given before anything is changed.
        let source = self
            .source(row, path, given)
            .map_err(|e| AppError::bad_request("identity", format!("{e}. Nothing was changed.")))?;
        source.check().await.map_err(|e| {
            AppError::bad_request(
                "identity",
                format!("Backup #{id} is encrypted and {e}. Nothing was changed. Give the identity it was encrypted to."),
            )
        })?;
        Ok((source, fetched))
    }

    pub(super) async fn restore_inner(
        &self,
        owner: &Owner,
        id: i64,
        request: &RestoreRequest,
    ) -> Result<RestoreReport, AppError> {
        // Parsed before anything else; never repeated in an error or a log.
        let given = super::decrypted::given_identity(request.identity.as_deref())?;
        let confirm = request.confirm.as_str();
        let row = self.row(id).await?;
        if row.status() != BackupStatus::Ok {
            return Err(AppError::conflict(format!(
                "Backup #{id} is {}, not good: only a good backup can be restored. Pick one marked ok.",
                row.status().as_str()
            )));
        }
        if confirm != row.service {
            return Err(AppError::bad_request(
                "confirm",
                format!(
                    "Type the service name “{}” exactly to confirm the restore. It replaces the data in {}/{}.",
                    row.service, row.project, row.service
                ),
            ));
        }
        if row.is_files() {
            return self
                .restore_files(owner, &row, request, given.as_ref())
                .await;
        }
        if request.path.is_some() {
            return Err(AppError::bad_request(
                "path",
                format!(
                    "Backup #{id} is a database dump: it restores whole. “path” picks one path of a file backup."
                ),
            ));
        }
        let found = self.find(&row.project, &row.service)?;
        if found.settings.engine != row.engine() {
            return Err(AppError::conflict(format!(
                "Backup #{id} is a {} dump but {}/{} now runs {}. Restore it into a {} database.",
                row.engine().title(),
                row.project,
                row.service,
                found.settings.engine.title(),
                row.engine().title()
            )));
        }
        if let Some(problem) = Self::problem(&found) {
            return Err(AppError::conflict(problem));
        }
        self.check_free_space()?;
        let guard = self.inner.busy.claim(
            Resource::service(&row.project, &row.service),
            Work::Restore,
            &owner.username,
        )?;
        let (source, _fetched) = self
            .checked_source(&guard, &row, request, given.as_ref())
            .await?;

        let started = Instant::now();
        let safety_row = self
            .begin(&found, owner, row.compression(), BackupKind::Safety)
            .await?;
        guard.step("safety backup before restore", Some(safety_row.id));
        let safety = self
            .run(&guard, &found, safety_row, owner)
            .await
            .map_err(|reason| {
                AppError::engine_failed(format!(
                    "The safety backup before the restore failed, so nothing was restored: {reason}"
                ))
            })?;

        guard.step("restoring", Some(id));
        self.inner.engine.ready()?;
        let secret = self.secret(&found).await.map_err(AppError::conflict)?;
        let spec = command::restore(
            found.settings.engine,
            &found.settings.user,
            &row.database,
            secret.as_ref(),
        );
        let restored = exec::restore(self.exec_job(&found, &guard), spec, source)
            .await
        .map_err(|reason| {
            let state = if found.settings.engine == bosun_frontend::model::DbEngine::Postgres {
                "PostgreSQL restores in one transaction, so the database should be as it was"
            } else {
                "MySQL/MariaDB cannot undo table changes already made, so the database may be part-restored"
            };
            AppError::engine_failed(format!(
                "Restoring backup #{id} into {}/{} failed: {reason}. {state}; to go back to the state before, restore the safety backup #{}.",
                row.project, row.service, safety.id
            ))
        })?;
        Ok(RestoreReport {
            backup_id: id,
            safety_backup_id: safety.id,
            restored_bytes: restored,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        })
    }
}
