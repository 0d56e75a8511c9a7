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

use super::fetch::Partial;
use super::{BackupService, Owner, crypt};
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
        // Encrypted before it leaves the host when there are age keys (a file encrypted
        // here already goes as it is).
        let sealed =
            (self.inner.keys.recipients.clone()).filter(|_| !crypt::is_encrypted(&row.file_name));
        let name = match sealed {
            Some(_) => format!("{}{}", row.file_name, crypt::SUFFIX),
            None => row.file_name.clone(),
        };
        let key = offsite.store.key(&name);
        self.inner
            .store
            .copy_pending(id, &key)
            .await
            .map_err(|e| e.to_string())?;
        let path = self.inner.dir.join(&row.file_name);
        let (upload, sha, _sealed_file) = match &sealed {
            Some(to) => {
                let tmp = Partial::new(&self.inner.dir, &name, "offsite");
                let (src, dst, to) = (path.clone(), tmp.0.clone(), to.clone());
                let watch = super::space::Watch::new(self.inner.dir.clone(), self.min_free_mb());
                let sha = tokio::task::spawn_blocking(move || {
                    super::sink::seal_file(&src, &dst, &to, watch)
                })
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| format!("encrypting the copy: {e}"))?
                .sha256;
                (tmp.0.clone(), sha, Some(tmp))
            }
            None => (
                path,
                row.sha256.clone().ok_or("the backup has no checksum")?,
                None,
            ),
        };
        let size = offsite.store.upload(&key, &upload, &sha).await?;
        if let Ok(manifest) = tokio::fs::read(self.manifest_path(&row.file_name)).await {
            let (manifest_key, manifest) = match &self.inner.keys.recipients {
                Some(to) => (
                    offsite_manifest(&offsite.store, &row.file_name, true),
                    to.encrypt_bytes(&manifest)
                        .map_err(|e| format!("encrypting the manifest: {e}"))?,
                ),
                None => (
                    offsite_manifest(&offsite.store, &row.file_name, false),
                    manifest,
                ),
            };
            offsite.store.put_small(&manifest_key, manifest).await?;
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
        // Whichever the copy was: as it is or encrypted (the settings may have changed since).
        let keys = [
            offsite.store.key(file_name),
            offsite.store.key(&format!("{file_name}{}", crypt::SUFFIX)),
            offsite_manifest(&offsite.store, file_name, false),
            offsite_manifest(&offsite.store, file_name, true),
        ];
        for k in keys {
            if let Err(e) = offsite.store.delete(&k).await {
                tracing::error!(error = %e, key = %k, "could not remove an off-site copy");
            }
        }
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

/// The off-site key of a backup's manifest: `….sql.gz.json`, or `….sql.gz.json.age` when it
/// is encrypted (for a local file `….sql.gz.age`, too).
fn offsite_manifest(store: &Store, file_name: &str, sealed: bool) -> String {
    let stem = file_name.strip_suffix(crypt::SUFFIX).unwrap_or(file_name);
    let age = if sealed { crypt::SUFFIX } else { "" };
    store.key(&format!("{stem}.json{age}"))
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
