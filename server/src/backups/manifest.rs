//! The manifest beside each backup's file (what it holds, who took it, how it is encrypted),
//! and removing a backup's files, here and off-site.

use super::BackupService;
use crate::store::backups::BackupRow;

impl BackupService {
    /// What the manifest beside a backup's file says: the backup, what its source held,
    /// and how the file is encrypted.
    pub(super) fn manifest(&self, row: &BackupRow) -> serde_json::Value {
        let encryption = super::crypt::is_encrypted(&row.file_name).then(|| {
            serde_json::json!({
                "method": "age",
                "recipients": self.inner.keys.recipients.as_ref().map(|r| r.keys()),
            })
        });
        if row.is_files() {
            return serde_json::json!({
                "backup": row.dto(),
                "taken_by": row.actor,
                "format": "tar: each path's tree under its index (0/, 1/, …) as the engine's archive API gave it; bosun-paths.json lists the paths",
                "paths": row.parts(),
                "encryption": encryption,
            });
        }
        serde_json::json!({
            "backup": row.dto(),
            "taken_by": row.actor,
            "source": {
                "tables": row.figures(),
                "counted": "from the dump itself as it was written, inside the dump's own snapshot",
                "image": row.image,
            },
            "format": "plain SQL",
            "encryption": encryption,
        })
    }

    pub(super) fn manifest_path(&self, file_name: &str) -> std::path::PathBuf {
        self.inner.dir.join(format!("{file_name}.json"))
    }

    /// Removes a backup's file and manifest; missing files are fine.
    pub(super) async fn remove_files(&self, file_name: &str) {
        self.remove_offsite(file_name).await;
        for path in [
            self.inner.dir.join(file_name),
            self.manifest_path(file_name),
        ] {
            if let Err(e) = tokio::fs::remove_file(&path).await
                && e.kind() != std::io::ErrorKind::NotFound
            {
                tracing::error!(error = %e, file = %path.display(), "could not remove a backup file");
            }
        }
    }

    /// Reads the finished row `id` back and writes its manifest beside its file: the last
    /// step of publishing a good backup (the caller removes the file if this fails).
    pub(super) async fn write_manifest_of(&self, id: i64) -> Result<BackupRow, String> {
        let done = self
            .inner
            .store
            .backup(id)
            .await
            .map_err(|e| format!("could not read the backup back: {e}"))?
            .ok_or_else(|| "the catalogue row vanished".to_owned())?;
        let bytes = serde_json::to_vec_pretty(&self.manifest(&done))
            .map_err(|e| format!("could not write the manifest: {e}"))?;
        tokio::fs::write(self.manifest_path(&done.file_name), bytes)
            .await
            .map_err(|e| format!("could not write the manifest: {e}"))?;
        Ok(done)
    }
}
