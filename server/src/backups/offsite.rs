//! Off-site copies: after a good backup (proven by its restore, where verification is on)
//! the file and its manifest go to the S3-compatible store, are read back (size and
//! checksum) and only then count; a store that cannot be reached fails the copy, never the
//! backup, and the copy is tried again with back-off (and notified once). Pruning and
//! deleting remove the copy too. A backup whose local file is gone is fetched back, checked
//! against its SHA-256, before a download or a restore.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use bosun_frontend::model::backup_verify::VerifyStatus;
use bosun_frontend::model::{AuditOutcome, BackupDto, BackupStatus, CopyDto, NotifyEvent};

use super::{BackupService, Owner};
use crate::offsite::Store;
use crate::store::backups::BackupRow;

/// The first retry comes after this, doubling up to [`MAX_BACKOFF`].
const FIRST_BACKOFF_MS: i64 = 5_000;
const MAX_BACKOFF_MS: i64 = 3_600_000;

/// The store, and the copies being made now (so a retry never runs beside its first try).
pub struct Offsite {
    pub store: Store,
    busy: Mutex<HashSet<i64>>,
}

impl Offsite {
    pub fn new(store: Store) -> Self {
        Offsite {
            store,
            busy: Mutex::default(),
        }
    }

    fn claim(&self, id: i64) -> bool {
        self.busy
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id)
    }

    fn release(&self, id: i64) {
        self.busy
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
    }
}

impl BackupService {
    /// After a good backup: prove it (by policy), then copy it off-site unless the proof failed.
    pub(super) async fn after_good(&self, row: &BackupRow, label: Option<&str>, owner: &Owner) {
        self.verify_by_policy(row, label, owner).await;
        let failed = self
            .inner
            .store
            .backup(row.id)
            .await
            .ok()
            .flatten()
            .and_then(|r| r.verify())
            .is_some_and(|v| v.status == VerifyStatus::Failed);
        if !failed {
            self.copy_offsite(row.id, owner).await;
        }
    }

    /// One attempt at the off-site copy of backup `id`.
    pub(super) async fn copy_offsite(&self, id: i64, owner: &Owner) {
        let Some(offsite) = &self.inner.offsite else {
            return;
        };
        if !offsite.claim(id) {
            return;
        }
        let result = self.copy_once(offsite, id).await;
        offsite.release(id);
        let store = &self.inner.store;
        let now = self.inner.clock.now_ms();
        match result {
            Ok(Some((shown, size))) => {
                self.inner
                    .audit
                    .record(
                        owner.who(),
                        "backup.offsite",
                        &format!("#{id}"),
                        AuditOutcome::Ok,
                        Some(format!("{shown}, {size} bytes, read back")),
                    )
                    .await;
            }
            Ok(None) => {}
            Err(e) => {
                let attempts = store
                    .copy_of(id)
                    .await
                    .ok()
                    .flatten()
                    .map_or(0, |c| c.attempts);
                let wait = FIRST_BACKOFF_MS
                    .saturating_mul(1 << attempts.clamp(0, 20))
                    .min(MAX_BACKOFF_MS);
                let attempts = store
                    .copy_failed(id, &e, now + wait)
                    .await
                    .unwrap_or(attempts + 1);
                tracing::warn!(id, attempts, error = %e, "an off-site copy failed; it is tried again");
                if attempts == 1 {
                    self.inner
                        .audit
                        .record(
                            owner.who(),
                            "backup.offsite",
                            &format!("#{id}"),
                            AuditOutcome::Failed,
                            Some(e.clone()),
                        )
                        .await;
                    self.inner.notifier.send(crate::notify::Notification::new(
                        NotifyEvent::BackupOffsiteFailed,
                        crate::notify::Severity::Warning,
                        format!("Off-site copy of backup #{id} failed"),
                        format!("Backup #{id} is good and kept on this host, but its copy to the off-site store failed: {e}. bosun tries again, waiting longer each time."),
                        serde_json::json!({"backup_id": id, "reason": e}),
                    ));
                }
            }
        }
        self.changed();
    }

    /// Uploads, reads back, records. None when there is nothing (any more) to copy.
    async fn copy_once(&self, offsite: &Offsite, id: i64) -> Result<Option<(String, u64)>, String> {
        let Some(row) = self
            .inner
            .store
            .backup(id)
            .await
            .map_err(|e| e.to_string())?
        else {
            return Ok(None);
        };
        if row.status() != BackupStatus::Ok {
            return Ok(None);
        }
        let key = offsite.store.key(&row.file_name);
        self.inner
            .store
            .copy_pending(id, &key)
            .await
            .map_err(|e| e.to_string())?;
        let sha = row.sha256.clone().ok_or("the backup has no checksum")?;
        let path = self.inner.dir.join(&row.file_name);
        let size = offsite.store.upload(&key, &path, &sha).await?;
        if let Ok(manifest) = tokio::fs::read(self.manifest_path(&row.file_name)).await {
            offsite
                .store
                .put_small(&format!("{key}.json"), manifest)
                .await?;
        }
        let head = offsite
            .store
            .head(&key)
            .await?
            .ok_or("reading the copy back: the store does not have it")?;
        if head.size != size || head.sha256.as_deref() != Some(sha.as_str()) {
            return Err(format!(
                "reading the copy back: the store holds {} bytes with checksum {:?}, not {size} bytes with {sha}",
                head.size, head.sha256
            ));
        }
        self.inner
            .store
            .copy_done(id, size, &sha, self.inner.clock.now_ms())
            .await
            .map_err(|e| e.to_string())?;
        Ok(Some((offsite.store.shown(&key), size)))
    }

    /// Tries failed copies again when their time comes (and those a stopped bosun left).
    pub async fn run_offsite_retries(self) {
        if self.inner.offsite.is_none() {
            return;
        }
        loop {
            tokio::time::sleep(Duration::from_secs(2)).await;
            let now = self.inner.clock.now_ms();
            let Ok(due) = self.inner.store.copies_due(now).await else {
                continue;
            };
            for copy in due {
                self.copy_offsite(copy.backup_id, &Owner::system("offsite"))
                    .await;
            }
        }
    }

    /// Removes a backup's off-site copy (with its manifest), if there is a store.
    pub(super) async fn remove_offsite(&self, file_name: &str) {
        let Some(offsite) = &self.inner.offsite else {
            return;
        };
        let key = offsite.store.key(file_name);
        for k in [key.clone(), format!("{key}.json")] {
            if let Err(e) = offsite.store.delete(&k).await {
                tracing::error!(error = %e, key = %k, "could not remove an off-site copy");
            }
        }
    }

    /// Makes sure the backup's file is here: fetched back from its off-site copy when it is
    /// gone, and checked against its SHA-256 before it takes the file's place.
    pub(super) async fn ensure_local(&self, row: &BackupRow) -> Result<(), String> {
        let path = self.inner.dir.join(&row.file_name);
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Ok(());
        }
        let (Some(offsite), Ok(Some(copy))) =
            (&self.inner.offsite, self.inner.store.copy_of(row.id).await)
        else {
            return Err(format!(
                "backup #{}'s file is gone from this host and it has no off-site copy",
                row.id
            ));
        };
        if copy.status != "done" {
            return Err(format!(
                "backup #{}'s file is gone from this host and its off-site copy was never finished",
                row.id
            ));
        }
        let partial = self.inner.dir.join(format!(
            "{}.offsite-{:08x}.partial",
            row.file_name,
            rand::random::<u32>()
        ));
        offsite.store.download(&copy.key, &partial).await?;
        let sum = super::restore::sha256_of(partial.clone()).await?;
        if row.sha256.as_deref() != Some(sum.as_str()) {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(format!(
                "backup #{}'s off-site copy does not match its checksum: it was changed in the store",
                row.id
            ));
        }
        tokio::fs::rename(&partial, &path)
            .await
            .map_err(|e| format!("could not put the fetched copy in place: {e}"))
    }

    /// Backups as shown: with where each is kept (this host, off-site).
    pub(super) async fn shown(&self, rows: &[BackupRow]) -> Vec<BackupDto> {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let copies = self.inner.store.copies_of(&ids).await.unwrap_or_default();
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let mut dto = row.dto();
            if row.status() == BackupStatus::Ok {
                let here = self.inner.dir.join(&row.file_name);
                if tokio::fs::try_exists(&here).await.unwrap_or(false) {
                    dto.copies.push(CopyDto::local(row));
                }
                if let Some(c) = copies.iter().find(|c| c.backup_id == row.id) {
                    dto.copies.push(CopyDto::offsite(c));
                }
            }
            out.push(dto);
        }
        out
    }
}

trait Copies {
    fn local(row: &BackupRow) -> CopyDto;
    fn offsite(copy: &crate::store::copies::CopyRow) -> CopyDto;
}

impl Copies for CopyDto {
    fn local(row: &BackupRow) -> CopyDto {
        CopyDto {
            place: "local".into(),
            key: row.file_name.clone(),
            status: "done".into(),
            size: u64::try_from(row.file_bytes).unwrap_or(0),
            sha256: row.sha256.clone(),
            at: row.finished_at.map(crate::store::rfc3339),
            error: None,
        }
    }

    fn offsite(c: &crate::store::copies::CopyRow) -> CopyDto {
        CopyDto {
            place: "offsite".into(),
            key: c.key.clone(),
            status: c.status.clone(),
            size: c.size.and_then(|s| u64::try_from(s).ok()).unwrap_or(0),
            sha256: c.sha256.clone(),
            at: c.at.map(crate::store::rfc3339),
            error: c.error.clone(),
        }
    }
}
