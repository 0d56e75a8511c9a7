//! Step 1, resolve: what a certificate id names, and where a new certificate for it goes. A
//! served certificate resolves to the file it is served from; a declared target without a
//! file yet to the file it names.

use std::path::{Path, PathBuf};

use bosun_frontend::error::AppError;
use bosun_frontend::model::{CertId, CertKind};

use crate::certs::inventory::confine::{Watched, write_root};
use crate::certs::inventory::ids::{file_id, target_id};
use crate::certs::inventory::scan::{CertFile, KeyFound};
use crate::certs::inventory::targets::{NAMES_LABEL, Target};
use crate::certs::own::OWN_TITLE;
use crate::certs::{CertService, inspect};
use crate::error::OrInternal;
use crate::fsx::Owner;
use crate::store::certs::ManagedRow;

/// Where a renewed certificate goes.
pub enum Place {
    Own,
    File {
        /// Where writes start (the configured directory the files were found in, or the
        /// mount of a directory named by label): nothing below it is followed.
        root: Option<PathBuf>,
        cert: PathBuf,
        key: PathBuf,
        cert_mode: u32,
        key_mode: u32,
        /// Configured (`bosun.cert.owner`); None: bosun's own user.
        owner: Option<Owner>,
    },
}

/// A certificate bosun can renew, found by its id.
pub struct Resolved {
    id: CertId,
    title: String,
    place: Place,
    /// The names in the certificate now.
    names: Vec<String>,
    /// Where those names come from, in words.
    names_from: String,
    row: Option<ManagedRow>,
}

impl Resolved {
    pub fn id(&self) -> &CertId {
        &self.id
    }
    pub fn title(&self) -> &str {
        &self.title
    }
    pub fn place(&self) -> &Place {
        &self.place
    }
    pub fn is_own(&self) -> bool {
        matches!(self.place, Place::Own)
    }
    pub fn names(&self) -> &[String] {
        &self.names
    }
    pub fn names_from(&self) -> &str {
        &self.names_from
    }
    pub fn row(&self) -> Option<&ManagedRow> {
        self.row.as_ref()
    }
}

/// The key beside a certificate file, the modes to keep, the owner its declaring service
/// configured (if one declares it), and where writes to it start.
fn file_place(f: &CertFile, declared: &[Target], watched: &[Watched]) -> Place {
    let key = match &f.key {
        KeyFound::SameFile => f.path.clone(),
        other => other.path().map(Path::to_owned).unwrap_or_else(|| {
            let stem = f
                .path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "server".into());
            f.path.with_file_name(format!("{stem}.key"))
        }),
    };
    let key_mode = std::fs::metadata(&key)
        .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o777)
        .unwrap_or(0o600);
    let owner = declared
        .iter()
        .find(|t| t.problem.is_none() && t.cert == f.path)
        .and_then(|t| t.owner);
    Place::File {
        root: write_root(watched, &f.path),
        cert: f.path.clone(),
        key,
        cert_mode: f.mode,
        key_mode,
        owner,
    }
}

impl CertService {
    /// Finds what `id` names; a served certificate resolves to the file it is served from.
    pub(in crate::certs) async fn resolve(&self, id: &CertId) -> Result<Resolved, AppError> {
        let rows = self
            .inner
            .store
            .managed_certs()
            .await
            .or_internal("reading the managed certificates")?;
        let row = |id: &str| rows.iter().find(|r| r.id == id).cloned();
        if id.kind() == CertKind::Own {
            let own = &self.inner.own;
            if own.serving().is_none() {
                return Err(AppError::not_found(
                    "bosun serves plain HTTP (BOSUN_TLS=off): it has no certificate of its own to renew.",
                ));
            }
            return Ok(Resolved {
                id: id.clone(),
                title: OWN_TITLE.into(),
                place: Place::Own,
                names: own.names(),
                names_from: "bosun's own settings".into(),
                row: row(CertId::OWN),
            });
        }
        let (certs, scan) = self.certificates().await?;
        let wanted = if id.kind() == CertKind::Served {
            let served = certs.iter().find(|c| c.id == id.as_str()).ok_or_else(|| {
                AppError::not_found(format!(
                    "There is no certificate {id} (any more). Reload the page for the current list."
                ))
            })?;
            let from = certs.iter().find(|c| {
                c.kind == CertKind::File
                    && c.problem.is_none()
                    && c.serial == served.serial
                    && c.issuer == served.issuer
            });
            match from {
                Some(f) => f.id.clone(),
                None => return Err(self.unknown_file(&served.title)),
            }
        } else {
            id.to_string()
        };
        let Some(file) = scan
            .files
            .iter()
            .find(|f| file_id(&f.path).as_str() == wanted)
        else {
            return self.resolve_target(&scan.declared, &wanted, row(&wanted));
        };
        let chain = file.chain.as_ref().map_err(|e| {
            AppError::conflict(format!(
                "{} cannot be read, so bosun does not know what to renew: {e}",
                file.path.display()
            ))
        })?;
        let leaf = chain
            .first()
            .and_then(|c| inspect::facts(c).ok())
            .ok_or_else(AppError::internal)?;
        if !leaf.is_server() {
            return Err(AppError::conflict(format!(
                "{} is a CA certificate; bosun renews server certificates only.",
                file.path.display()
            )));
        }
        let file_id = file_id(&file.path);
        Ok(Resolved {
            title: file.path.display().to_string(),
            place: file_place(file, &scan.declared, &scan.watched),
            names: leaf.sans,
            names_from: format!("the certificate now in {}", file.path.display()),
            row: row(file_id.as_str()),
            id: file_id,
        })
    }

    /// A served certificate bosun cannot trace to a file it watches.
    fn unknown_file(&self, title: &str) -> AppError {
        let dirs = &self.inner.settings.dirs;
        AppError::conflict(format!(
            "bosun does not know which file {title} serves this certificate from. Keep the service's certificate and key in a directory bosun watches (BOSUN_CERT_DIRS{}), mounted into the service; then renew it there.",
            if dirs.is_empty() {
                " is not set".to_owned()
            } else {
                format!(
                    ": {}",
                    dirs.iter()
                        .map(|d| d.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        ))
    }

    /// A target a service declares (`bosun.cert.dir`) that has no certificate file yet.
    fn resolve_target(
        &self,
        declared: &[Target],
        wanted: &str,
        row: Option<ManagedRow>,
    ) -> Result<Resolved, AppError> {
        let target = declared
            .iter()
            .find(|t| target_id(t).as_str() == wanted)
            .cloned()
            .ok_or_else(|| {
                AppError::not_found(format!(
                    "There is no certificate file {wanted} (any more): it may have been removed. Reload the page for the current list."
                ))
            })?;
        if let Some(problem) = target.problem {
            return Err(AppError::conflict(format!("{problem}.")));
        }
        std::fs::metadata(&target.dir).map_err(|e| {
            AppError::conflict(format!(
                "{} cannot be used ({e}): make sure the directory exists and bosun may write to it.",
                target.dir.display()
            ))
        })?;
        let id = file_id(&target.cert);
        Ok(Resolved {
            title: target.cert.display().to_string(),
            place: Place::File {
                root: Some(target.mount),
                cert: target.cert,
                key: target.key,
                cert_mode: 0o644,
                key_mode: target.key_mode,
                owner: target.owner,
            },
            names: target.names,
            names_from: format!(
                "the labels of {} ({NAMES_LABEL}, or its service name)",
                target.service
            ),
            row,
            id,
        })
    }
}
