//! Getting a backup's file back from its off-site copy: fetched into a `.partial` file
//! (removed on every path, and at start if bosun died), checked against the copy's SHA-256,
//! decrypted when only the copy was encrypted (which takes an identity), and checked against
//! the backup's own SHA-256. Only then is it used, or put where the local file was.

use std::path::{Path, PathBuf};

use super::BackupService;
use super::crypt::{self, Identities};
use super::plain::Source;
use crate::store::backups::BackupRow;

/// A temporary file in the backup directory, removed when dropped. Its name ends in
/// `.partial`, so one a killed bosun left is removed at the next start.
pub struct Partial(pub PathBuf);

impl Partial {
    pub fn new(dir: &Path, name: &str, what: &str) -> Self {
        Partial(dir.join(format!(
            "{name}.{what}-{:08x}.partial",
            rand::random::<u32>()
        )))
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl BackupService {
    /// How to read `row`'s file at `path`: an encrypted one takes the identity given, else
    /// the one in BOSUN_BACKUP_AGE_IDENTITY_FILE.
    pub(super) fn source(
        &self,
        row: &BackupRow,
        path: PathBuf,
        given: Option<&Identities>,
    ) -> Result<Source, String> {
        Source::of(path, &row.file_name, row.compression(), || {
            self.inner.keys.identity(given)
        })
    }

    /// Fetches the off-site copy of `row` into a temporary file that holds exactly the
    /// backup's file (its SHA-256 checked).
    pub(super) async fn fetch_offsite(
        &self,
        row: &BackupRow,
        given: Option<&Identities>,
    ) -> Result<Partial, String> {
        let (Some(offsite), Ok(Some(copy))) =
            (&self.inner.offsite, self.inner.store.copy_of(row.id).await)
        else {
            return Err(format!("backup #{} has no off-site copy", row.id));
        };
        if copy.status != "done" {
            return Err(format!(
                "backup #{}'s off-site copy was never finished",
                row.id
            ));
        }
        let fetched = Partial::new(&self.inner.dir, &row.file_name, "offsite");
        offsite.store.download(&copy.key, &fetched.0).await?;
        let sum = super::plain::sha256_of(fetched.0.clone()).await?;
        if copy.sha256.as_deref() != Some(sum.as_str()) {
            return Err(format!(
                "backup #{}'s off-site copy does not match its checksum: it was changed in the store",
                row.id
            ));
        }
        // Encrypted on its way out only: decrypted back into the backup's own file.
        let file = if crypt::is_encrypted(&copy.key) && !crypt::is_encrypted(&row.file_name) {
            let key = self.inner.keys.identity(given)?;
            let plain = Partial::new(&self.inner.dir, &row.file_name, "opened");
            let (src, dst) = (fetched.0.clone(), plain.0.clone());
            tokio::task::spawn_blocking(move || crypt::open_file(&src, &dst, &key))
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| format!("the off-site copy is encrypted and {e}"))?;
            plain
        } else {
            fetched
        };
        let sum = super::plain::sha256_of(file.0.clone()).await?;
        if row.sha256.as_deref() != Some(sum.as_str()) {
            return Err(format!(
                "backup #{}'s off-site copy does not match the backup's checksum",
                row.id
            ));
        }
        Ok(file)
    }

    /// Makes sure the backup's file is here: fetched back from its off-site copy when it is
    /// gone, and checked before it takes the file's place.
    pub(super) async fn ensure_local(
        &self,
        row: &BackupRow,
        given: Option<&Identities>,
    ) -> Result<(), String> {
        let path = self.inner.dir.join(&row.file_name);
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Ok(());
        }
        let fetched = self
            .fetch_offsite(row, given)
            .await
            .map_err(|e| format!("backup #{}'s file is gone from this host, and {e}", row.id))?;
        tokio::fs::rename(&fetched.0, &path)
            .await
            .map_err(|e| format!("could not put the fetched copy in place: {e}"))
    }

    /// The backup's file to restore from: this host's (fetched back first if it is gone),
    /// or with `from_offsite` the off-site copy, fetched for this restore only.
    pub(super) async fn file_for_restore(
        &self,
        row: &BackupRow,
        from_offsite: bool,
        given: Option<&Identities>,
    ) -> Result<(PathBuf, Option<Partial>), String> {
        if from_offsite {
            let fetched = self.fetch_offsite(row, given).await?;
            return Ok((fetched.0.clone(), Some(fetched)));
        }
        self.ensure_local(row, given).await?;
        Ok((self.inner.dir.join(&row.file_name), None))
    }
}
