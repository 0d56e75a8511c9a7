//! Encryption of backups with age: the public keys copies are encrypted to, whether local
//! files are encrypted too, and where an identity for restores is kept. bosun needs only the
//! public keys to back up.

use std::path::PathBuf;

use crate::backups::crypt::{Keys, Recipients};

#[derive(clap::Args, Clone, Debug)]
pub struct EncryptionConfig {
    /// age public keys (`age1…`, comma- or space-separated): off-site copies are encrypted to
    /// them before they leave the host. Unset: copies go as they are.
    #[arg(long = "backup-age-recipients", env = "BOSUN_BACKUP_AGE_RECIPIENTS", value_parser = parse_recipients, value_name = "KEYS")]
    pub recipients: Option<Recipients>,

    /// A file of age public keys, one a line (an age recipients file).
    #[arg(
        long = "backup-age-recipients-file",
        env = "BOSUN_BACKUP_AGE_RECIPIENTS_FILE",
        value_name = "FILE",
        conflicts_with = "recipients"
    )]
    pub recipients_file: Option<PathBuf>,

    /// Encrypt the backup files on this host too (`true`/`false`). Takes the keys above.
    #[arg(long = "backup-encrypt-local", env = "BOSUN_BACKUP_ENCRYPT_LOCAL", default_value = "false", action = clap::ArgAction::Set, value_parser = super::terminal::parse_on_off, value_name = "true|false")]
    pub local: bool,

    /// An age identity file (the private key), for restores, verifications and decrypted
    /// downloads of encrypted backups without pasting it. Optional: without it, an admin
    /// pastes the identity into the restore form, and verification of encrypted local files
    /// is skipped.
    #[arg(
        long = "backup-age-identity-file",
        env = "BOSUN_BACKUP_AGE_IDENTITY_FILE",
        value_name = "FILE"
    )]
    pub identity_file: Option<PathBuf>,
}

fn parse_recipients(s: &str) -> Result<Recipients, String> {
    s.parse()
}

impl EncryptionConfig {
    /// The keys, with the recipients file read; local encryption without keys is an error.
    pub fn keys(&self) -> Result<Keys, String> {
        let recipients = match (&self.recipients, &self.recipients_file) {
            (Some(r), _) => Some(r.clone()),
            (None, Some(path)) => Some(
                std::fs::read_to_string(path)
                    .map_err(|e| format!("could not read {}: {e}", path.display()))?
                    .parse()
                    .map_err(|e| format!("BOSUN_BACKUP_AGE_RECIPIENTS_FILE: {e}"))?,
            ),
            (None, None) => None,
        };
        if self.local && recipients.is_none() {
            return Err("BOSUN_BACKUP_ENCRYPT_LOCAL=true needs the keys to encrypt to: set BOSUN_BACKUP_AGE_RECIPIENTS (or _FILE)".into());
        }
        Ok(Keys {
            recipients,
            local: self.local,
            identity_file: self.identity_file.clone(),
        })
    }
}
