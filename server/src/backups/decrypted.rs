//! An encrypted backup downloaded decrypted (admin): the identity is given for this one
//! download (or read from BOSUN_BACKUP_AGE_IDENTITY_FILE), checked before a byte is sent,
//! and never stored or logged. The encrypted file itself stays downloadable as it is.

use std::io::Read;

use bosun_frontend::authz::Admin;
use bosun_frontend::error::AppError;
use bosun_frontend::model::BackupStatus;

use super::BackupService;
use super::crypt::{Identities, is_encrypted};
use crate::store::backups::BackupRow;

/// A pasted identity, parsed; an empty one is none. The error never repeats it.
pub(super) fn given_identity(text: Option<&str>) -> Result<Option<Identities>, AppError> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => t
            .parse::<Identities>()
            .map(Some)
            .map_err(|e| AppError::bad_request("identity", format!("{e}."))),
    }
}

impl BackupService {
    /// A good, encrypted backup's compressed dump, decrypted, to stream (admin); audited.
    pub async fn open_decrypted(
        &self,
        actor: &Admin,
        id: i64,
        identity: Option<&str>,
    ) -> Result<(BackupRow, Box<dyn Read + Send>), AppError> {
        let result = async {
            let given = given_identity(identity)?;
            let row = self.row(id).await?;
            if row.status() != BackupStatus::Ok {
                return Err(AppError::conflict(format!(
                    "Backup #{id} is {}: it has no file to download.",
                    row.status().as_str()
                )));
            }
            if !is_encrypted(&row.file_name) {
                return Err(AppError::conflict(format!(
                    "Backup #{id} is not encrypted on this host: download it as it is."
                )));
            }
            self.ensure_local(&row, given.as_ref())
                .await
                .map_err(AppError::conflict)?;
            let path = self.inner.dir.join(&row.file_name);
            let source = self
                .source(&row, path, given.as_ref())
                .map_err(|e| AppError::bad_request("identity", format!("{e}.")))?;
            let reader = tokio::task::spawn_blocking(move || source.open_compressed())
                .await
                .map_err(|_| AppError::internal())?
                .map_err(|e| {
                    AppError::bad_request(
                        "identity",
                        format!(
                            "Backup #{id} cannot be decrypted: {e}. Give the identity it was encrypted to."
                        ),
                    )
                })?;
            Ok((row, reader))
        }
        .await;
        let target = format!("backup #{id} (decrypted)");
        // The reader is not shared across the await below: only the outcome is.
        let logged = result.as_ref().map(|_| ()).map_err(Clone::clone);
        self.inner
            .audit
            .outcome(actor.into(), "backup.download", &target, &logged)
            .await;
        result
    }
}
