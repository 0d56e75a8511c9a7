//! Taking one file backup: claim the service, stop it when its label says so, read each path
//! from the engine into one re-rooted tar (compressed, encrypted when local encryption is
//! on, hashed, space-watched, published atomically), start the service again whatever
//! happened, then catalogue, audit and check the tar by reading it back.

use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use bosun_frontend::error::AppError;
use bosun_frontend::model::{BackupContent, BackupKind, Compression, DbEngine, FilePart};

use super::super::sink::{Sink, Written};
use super::super::space::Watch;
use super::super::{BackupService, Owner};
use super::FileSource;
use super::tree::{self, Names, Tally};
use crate::busy::{Claim, Resource, Work};
use crate::error::OrInternal;
use crate::store::backups::{BackupRow, GoodBackup, NewBackup};

/// What one copy read and wrote.
struct Copied {
    written: Written,
    parts: Vec<FilePart>,
    tar_bytes: u64,
}

/// Counts what the engine sends, and stops when the job is given up.
struct Metered<R> {
    inner: R,
    bytes: Arc<AtomicU64>,
    read: u64,
    cancel: Arc<AtomicBool>,
}

impl<R: Read> Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.cancel.load(Ordering::Relaxed) {
            return Err(io::Error::other("the copy ran past the backup timeout"));
        }
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl BackupService {
    /// Starts a file backup in the background and returns its catalogue row (running).
    pub async fn start_files(
        &self,
        owner: Owner,
        project: &str,
        service: &str,
        compression: Compression,
    ) -> Result<BackupRow, AppError> {
        let src = self.find_files(project, service)?;
        let paths = src
            .paths
            .clone()
            .map_err(|e| AppError::conflict(format!("{e}. Fix the label, then back up.")))?;
        self.inner.engine.ready()?;
        self.check_free_space()?;
        let guard = self.inner.busy.claim(
            Resource::service(project, service),
            Work::Backup,
            &owner.username,
        )?;
        let row = self
            .begin_files(&src, &owner, compression, BackupKind::Manual, None)
            .await?;
        guard.step("backing up files", Some(row.id));
        let this = self.clone();
        let started = row.clone();
        tokio::spawn(async move {
            let _ = this.run_files(&guard, &src, &paths, started, &owner).await;
            drop(guard);
        });
        Ok(row)
    }

    /// The catalogue row of a file backup about to run.
    pub(in crate::backups) async fn begin_files(
        &self,
        src: &FileSource,
        owner: &Owner,
        compression: Compression,
        kind: BackupKind,
        set_id: Option<i64>,
    ) -> Result<BackupRow, AppError> {
        self.inner
            .store
            .insert_backup(&NewBackup {
                project: &src.project,
                service: &src.service,
                engine: DbEngine::Postgres,
                database: "",
                kind,
                content: BackupContent::Files,
                set_id,
                compression,
                actor: &owner.username,
                encrypted: self.inner.keys.for_local().is_some(),
                at_ms: self.inner.clock.now_ms(),
            })
            .await
            .or_internal("recording the backup")
    }

    /// Runs the copy for `row` and records how it ended. The error is the reason.
    pub(in crate::backups) async fn run_files(
        &self,
        guard: &Claim,
        src: &FileSource,
        paths: &[String],
        row: BackupRow,
        owner: &Owner,
    ) -> Result<BackupRow, String> {
        let stopped = if src.stop {
            src.running.clone()
        } else {
            Vec::new()
        };
        let result = async {
            let before = self
                .hook(guard, owner, src, src.before.as_deref(), "before")
                .await;
            let copied = match before {
                Ok(()) => self.held_copy(guard, src, paths, &row, &stopped).await,
                Err(e) => Err(e),
            };
            // The after hook runs however the copy went; when it fails, so does the backup.
            let after = self
                .hook(guard, owner, src, src.after.as_deref(), "after")
                .await;
            match (copied, after) {
                (Ok(copied), Ok(())) => self.keep_files(&row, &copied).await,
                (Ok(_), Err(e)) => {
                    self.remove_files(&row.file_name).await;
                    Err(e)
                }
                (Err(e), Err(also)) => Err(format!("{e}; and {also}")),
                (Err(e), Ok(())) => Err(e),
            }
        }
        .await;
        let done = self.ended(guard, &row, owner, result).await?;
        let (this, by, id) = (self.clone(), owner.clone(), done.id);
        tokio::spawn(async move {
            if this.verify_now(id, &by).await.is_ok() {
                this.copy_offsite(id, &by).await;
            }
        });
        Ok(done)
    }

    /// Runs the hook `task` (if any) of the service, `when` (before/after) the copy.
    async fn hook(
        &self,
        guard: &Claim,
        owner: &Owner,
        src: &FileSource,
        task: Option<&str>,
        when: &str,
    ) -> Result<(), String> {
        let Some(task) = task else {
            return Ok(());
        };
        guard.step(&format!("running {task} {when} the copy"), None);
        self.inner
            .hooks
            .run_hook(owner.clone(), &src.project, &src.service, task)
            .await
            .map_err(|e| format!("the hook {when} the copy failed: {e}"))
    }

    /// The copy, with the service stopped for it when `stopped` names its containers, and
    /// started again however the copy went.
    async fn held_copy(
        &self,
        guard: &Claim,
        src: &FileSource,
        paths: &[String],
        row: &BackupRow,
        stopped: &[String],
    ) -> Result<Copied, String> {
        self.hold(row.id, stopped).await?;
        guard.step(
            if stopped.is_empty() {
                "backing up files"
            } else {
                "backing up files (service stopped)"
            },
            Some(row.id),
        );
        let copied = self.copy_files(guard, src, paths, row).await;
        let started = self.release(row.id, stopped).await;
        let copied = copied?;
        started?;
        Ok(copied)
    }

    /// Reads every path into the backup file; the file exists under its name only if all of
    /// it was written.
    async fn copy_files(
        &self,
        guard: &Claim,
        src: &FileSource,
        paths: &[String],
        row: &BackupRow,
    ) -> Result<Copied, String> {
        self.inner.engine.ready().map_err(|e| e.message)?;
        let final_path = self.inner.dir.join(&row.file_name);
        let sealed = super::super::crypt::is_encrypted(&row.file_name)
            .then(|| self.inner.keys.recipients.clone())
            .flatten();
        if super::super::crypt::is_encrypted(&row.file_name) && sealed.is_none() {
            return Err("the backup was to be encrypted but no age public key is set".into());
        }
        let streams = paths
            .iter()
            .map(|p| crate::docker::archive::read(&self.inner.engine, &src.record.id, p))
            .collect::<Result<Vec<_>, _>>()?;
        let (watch, compression) = (
            Watch::new(self.inner.dir.clone(), self.min_free_mb()),
            row.compression(),
        );
        let (bytes, cancel) = (guard.bytes().clone(), Arc::new(AtomicBool::new(false)));
        let (owned_paths, stop) = (paths.to_vec(), cancel.clone());
        let job = tokio::task::spawn_blocking(move || -> Result<Copied, String> {
            let sink = Sink::create(&final_path, compression, sealed.as_ref(), watch)
                .map_err(|e| format!("could not create the backup file: {e}"))?;
            let mut out = tar::Builder::new(sink);
            out.mode(tar::HeaderMode::Complete);
            tree::write_index(&mut out, &owned_paths).map_err(|e| write_failed(&e))?;
            let mut tallies = vec![Tally::default(); owned_paths.len()];
            let mut tar_bytes = 0;
            for (i, stream) in streams.into_iter().enumerate() {
                let reader = super::blocking_reader(stream);
                let mut metered = Metered {
                    inner: reader,
                    bytes: bytes.clone(),
                    read: 0,
                    cancel: stop.clone(),
                };
                tree::copy(&mut metered, Some(&mut out), Names::Into(i), &mut tallies)
                    .map_err(|e| write_failed(&e))?;
                tar_bytes += metered.read;
            }
            let mut sink = out.into_inner().map_err(|e| write_failed(&e))?;
            let written = sink.finish().map_err(|e| write_failed(&e))?;
            sink.publish(&final_path)
                .map_err(|e| format!("could not publish the backup file: {e}"))?;
            let parts = tallies
                .into_iter()
                .zip(&owned_paths)
                .map(|(t, p)| t.finish(p))
                .collect();
            Ok(Copied {
                written,
                parts,
                tar_bytes,
            })
        });
        let abort = cancel.clone();
        let timeout = self.inner.timeout;
        let watchdog = tokio::spawn(async move {
            tokio::time::sleep(timeout).await;
            abort.store(true, Ordering::Relaxed);
        });
        let result = job.await.map_err(|e| format!("the copy stopped: {e}"))?;
        watchdog.abort();
        result
    }

    /// Catalogues a good copy and writes its manifest; removes the file if either fails.
    async fn keep_files(&self, row: &BackupRow, copied: &Copied) -> Result<BackupRow, String> {
        let recorded = async {
            let paths = serde_json::to_string(&copied.parts).map_err(|e| e.to_string())?;
            let store = &self.inner.store;
            store
                .set_backup_paths(row.id, &paths)
                .await
                .map_err(|e| format!("could not record the backup: {e}"))?;
            store
                .finish_backup_ok(
                    row.id,
                    &GoodBackup {
                        dump_bytes: copied.tar_bytes,
                        file_bytes: copied.written.file_bytes,
                        sha256: &copied.written.sha256,
                        server_version: None,
                        at_ms: self.inner.clock.now_ms(),
                    },
                )
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
}

/// A write error, with the disk's state when it ran low.
fn write_failed(e: &io::Error) -> String {
    match super::super::space::low_space(e) {
        Some(low) => low.to_string(),
        None if e.raw_os_error() == Some(28) => "the backup directory's disk is full, so the copy was stopped; free space or move BOSUN_BACKUP_DIR to a bigger disk, then back up again".to_owned(),
        None => format!("could not copy the files: {e}"),
    }
}
