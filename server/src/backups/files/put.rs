//! Restoring a file backup into the service's mounts: check the file, stop the service, take
//! a safety copy of what is there, empty each path and write the backup's tree back through
//! the engine's archive API, read the tree again to prove it matches the backup, and start
//! the service again, whatever happened on the way.

use std::io::{self, BufWriter, Write};
use std::time::Instant;

use bosun_frontend::error::AppError;
use bosun_frontend::model::{BackupKind, FilePart, RestoreReport, RestoreRequest};
use bytes::Bytes;
use tokio::sync::mpsc;

use super::super::crypt::Identities;
use super::super::plain::Source;
use super::super::{BackupService, Owner};
use super::tree::{self, Names, Tally};
use super::{FileSource, checked_path};
use crate::busy::{Claim, Resource, Work};
use crate::store::backups::BackupRow;

/// Hands what a tar builder writes to the engine's upload, chunk by chunk.
struct Channel(mpsc::Sender<io::Result<Bytes>>);

impl Write for Channel {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .blocking_send(Ok(Bytes::copy_from_slice(buf)))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the engine stopped reading"))?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The parts of `parts` to restore: all, or the one `path` names.
fn chosen(
    id: i64,
    parts: &[FilePart],
    path: Option<&str>,
) -> Result<Vec<(usize, FilePart)>, AppError> {
    let all = parts.iter().cloned().enumerate();
    let Some(raw) = path else {
        return Ok(all.collect());
    };
    let path = checked_path(raw).map_err(|e| AppError::bad_request("path", format!("{e}.")))?;
    let one: Vec<_> = all.filter(|(_, p)| p.path == path).collect();
    if one.is_empty() {
        let held: Vec<&str> = parts.iter().map(|p| p.path.as_str()).collect();
        return Err(AppError::bad_request(
            "path",
            format!(
                "Backup #{id} holds no path {path}; it holds {}. Pick one of those.",
                held.join(", ")
            ),
        ));
    }
    Ok(one)
}

impl BackupService {
    pub(in crate::backups) async fn restore_files(
        &self,
        owner: &Owner,
        row: &BackupRow,
        request: &RestoreRequest,
        given: Option<&Identities>,
    ) -> Result<RestoreReport, AppError> {
        let id = row.id;
        let parts = chosen(id, &row.parts(), request.path.as_deref())?;
        let src = self.find_files(&row.project, &row.service)?;
        let now = src.paths.clone().unwrap_or_default();
        if let Some((_, gone)) = parts.iter().find(|(_, p)| !now.contains(&p.path)) {
            return Err(AppError::conflict(format!(
                "{} is no longer a path bosun backs up in {}/{} (it backs up {}), so restoring it would write into the container's own files. Nothing was changed. Mount it again, or name it with the label {}.",
                gone.path,
                row.project,
                row.service,
                if now.is_empty() {
                    "none".to_owned()
                } else {
                    now.join(", ")
                },
                super::PATHS_LABEL
            )));
        }
        self.inner.engine.ready()?;
        self.check_free_space()?;
        let guard = self.inner.busy.claim(
            Resource::service(&row.project, &row.service),
            Work::Restore,
            &owner.username,
        )?;
        let (source, _fetched) = self.checked_source(&guard, row, request, given).await?;
        let started = Instant::now();

        // The service stays stopped from the safety copy to the proof, recorded on the
        // safety copy's row so that it is started again even if bosun stops meanwhile.
        let paths: Vec<String> = parts.iter().map(|(_, p)| p.path.clone()).collect();
        let safety_row = self
            .begin_files(&src, owner, row.compression(), BackupKind::Safety, None)
            .await?;
        let (stopped, held_on) = (src.running.clone(), safety_row.id);
        self.hold(held_on, &stopped)
            .await
            .map_err(|e| AppError::engine_failed(format!("{e}. Nothing was restored.")))?;
        let outcome = self
            .restore_stopped(&guard, owner, row, &src, &parts, &paths, safety_row, source)
            .await;
        let restarted = self
            .release(held_on, &stopped)
            .await
            .map_err(AppError::engine_failed);
        let (safety, restored) = outcome?;
        restarted?;
        Ok(RestoreReport {
            backup_id: id,
            safety_backup_id: safety,
            restored_bytes: restored,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        })
    }

    /// Safety copy, then each part emptied and written back, then the proof. Gives the
    /// safety copy's id and the bytes restored.
    #[allow(clippy::too_many_arguments)]
    async fn restore_stopped(
        &self,
        guard: &Claim,
        owner: &Owner,
        row: &BackupRow,
        src: &FileSource,
        parts: &[(usize, FilePart)],
        paths: &[String],
        safety_row: BackupRow,
        source: Source,
    ) -> Result<(i64, u64), AppError> {
        guard.step("safety copy before restore", Some(safety_row.id));
        // Stopped already, and held by the restore: no stop, no hooks for the safety copy.
        let still = FileSource {
            stop: false,
            before: None,
            after: None,
            ..src.clone()
        };
        let safety = self
            .run_files(guard, &still, paths, safety_row, owner)
            .await
            .map_err(|reason| {
                AppError::engine_failed(format!(
                    "The safety copy before the restore failed, so nothing was restored: {reason}"
                ))
            })?;
        let undo = format!(
            "To go back to the files before, restore the safety backup #{}.",
            safety.id
        );
        let mut restored = 0;
        let mut kept = Vec::new();
        for (index, part) in parts {
            guard.step(&format!("restoring {}", part.path), Some(row.id));
            let mounted = src
                .record
                .mounts
                .iter()
                .any(|m| m.destination.trim_end_matches('/') == part.path);
            if mounted
                && let Err(e) = crate::docker::archive::empty(
                    &self.inner.engine,
                    &src.record.id,
                    &src.record.image_id,
                    &part.path,
                )
                .await
            {
                kept.push(format!("{} could not be emptied first ({e})", part.path));
            }
            restored += self
                .write_part(&src.record.id, &source, *index, &part.path)
                .await
                .map_err(|e| {
                    AppError::engine_failed(format!(
                        "Restoring {} of backup #{} failed: {e}. {undo}",
                        part.path, row.id
                    ))
                })?;
        }
        guard.step("checking the restored files", Some(row.id));
        let mut live = Vec::new();
        for (_, part) in parts {
            live.push(
                self.live_tree(&src.record.id, &part.path)
                    .await
                    .map_err(|e| {
                        AppError::engine_failed(format!(
                            "The restored files could not be read back ({e}). {undo}"
                        ))
                    })?,
            );
        }
        let want: Vec<FilePart> = parts.iter().map(|(_, p)| p.clone()).collect();
        if let Some(diff) = super::check::differences(&want, &live) {
            let why = if kept.is_empty() {
                String::new()
            } else {
                format!(" ({})", kept.join("; "))
            };
            return Err(AppError::engine_failed(format!(
                "Backup #{} was written back, but the files now differ from it: {diff}{why}. {undo}",
                row.id
            )));
        }
        Ok((safety.id, restored))
    }

    /// Writes part `index` of the backup into the parent directory of `path`.
    async fn write_part(
        &self,
        container: &str,
        source: &Source,
        index: usize,
        path: &str,
    ) -> Result<u64, String> {
        let parent = std::path::Path::new(path)
            .parent()
            .and_then(|p| p.to_str())
            .unwrap_or("/")
            .to_owned();
        let (tx, rx) = mpsc::channel::<io::Result<Bytes>>(8);
        let source = source.clone();
        let producer = tokio::task::spawn_blocking(move || -> io::Result<u64> {
            let err_tx = tx.clone();
            let result = (|| -> io::Result<u64> {
                let mut out = tar::Builder::new(BufWriter::with_capacity(256 * 1024, Channel(tx)));
                out.mode(tar::HeaderMode::Complete);
                let mut tallies: Vec<Tally> = vec![Tally::default(); index + 1];
                tree::copy(
                    source.open()?,
                    Some(&mut out),
                    Names::Only(index),
                    &mut tallies,
                )?;
                out.into_inner()?.flush()?;
                Ok(tallies.pop().map(|t| t.finish("").bytes).unwrap_or(0))
            })();
            if let Err(e) = &result {
                let _ = err_tx.blocking_send(Err(io::Error::other(e.to_string())));
            }
            result
        });
        let body = tokio_stream::wrappers::ReceiverStream::new(rx);
        let written =
            crate::docker::archive::write(&self.inner.engine, container, &parent, body).await;
        let produced = producer.await.map_err(|e| e.to_string())?;
        written?;
        produced.map_err(|e| format!("the backup could not be read: {e}"))
    }
}
