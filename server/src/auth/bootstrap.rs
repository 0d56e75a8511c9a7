//! The first admin: created once, when the store has no user at all.

use std::io::Write;
use std::path::{Path, PathBuf};

use bosun_frontend::model::{Role, check_password};

use super::password::PasswordHasherPool;
use crate::config::{Config, Secret};
use crate::store::Store;

pub const INITIAL_PASSWORD_FILE: &str = "initial-admin-password";

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("could not read {setting} file {path}: {source}")]
    ReadFile {
        setting: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid value for {setting}: {reason}")]
    Policy {
        setting: &'static str,
        reason: String,
    },
    #[error("could not write {path}: {source}")]
    WriteFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Hash(#[from] super::password::HashError),
}

/// How the first admin's password was chosen, for the start-up message.
#[derive(Debug, PartialEq, Eq)]
pub enum FirstAdmin {
    AlreadyHaveUsers,
    FromConfig,
    /// Generated; written to this file (0600). It must be changed at first sign-in.
    Generated {
        file: PathBuf,
    },
}

fn configured_password(config: &Config) -> Result<Option<(Secret, &'static str)>, BootstrapError> {
    if let Some(p) = &config.admin_password {
        return Ok(Some((p.clone(), "BOSUN_ADMIN_PASSWORD")));
    }
    if let Some(path) = &config.admin_password_file {
        let text = std::fs::read_to_string(path).map_err(|source| BootstrapError::ReadFile {
            setting: "BOSUN_ADMIN_PASSWORD_FILE",
            path: path.clone(),
            source,
        })?;
        // Files from `echo` or secrets managers end with a newline that is not part of it.
        let trimmed = text.trim_end_matches(['\n', '\r']).to_owned();
        return Ok(Some((Secret::new(trimmed), "BOSUN_ADMIN_PASSWORD_FILE")));
    }
    Ok(None)
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(contents.as_bytes())?;
    f.write_all(b"\n")?;
    f.sync_all()
}

pub async fn ensure_first_admin(
    store: &Store,
    hasher: &PasswordHasherPool,
    config: &Config,
) -> Result<FirstAdmin, BootstrapError> {
    if store.count_users().await? > 0 {
        return Ok(FirstAdmin::AlreadyHaveUsers);
    }
    match configured_password(config)? {
        Some((password, setting)) => {
            check_password("admin", password.expose()).map_err(|e| BootstrapError::Policy {
                setting,
                reason: e.to_string(),
            })?;
            let hash = hasher.hash(password.expose()).await?;
            store
                .insert_user("admin", &hash, Role::Admin, false)
                .await?;
            Ok(FirstAdmin::FromConfig)
        }
        None => {
            let password = super::random_secret(18);
            let file = config.data_dir.join(INITIAL_PASSWORD_FILE);
            write_private(&file, &password).map_err(|source| BootstrapError::WriteFile {
                path: file.clone(),
                source,
            })?;
            let hash = hasher.hash(&password).await?;
            store.insert_user("admin", &hash, Role::Admin, true).await?;
            // Shown once, on the console of whoever started bosun; never through the log.
            println!("bosun: created user `admin` with the generated password: {password}");
            println!(
                "bosun: it is also in {} (mode 0600); change it at first sign-in.",
                file.display()
            );
            Ok(FirstAdmin::Generated { file })
        }
    }
}
