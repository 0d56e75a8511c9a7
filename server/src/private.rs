//! Secrets at rest are bosun's alone: a umask of 077 for everything bosun creates from now on,
//! and at start the data and backup directories made 0700 and the files bosun keeps secret
//! (the database, backups and their manifests, keys) made 0600, also when they already exist
//! (an image's `VOLUME /data` always does). Symlinks are never followed.

use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use rustix::fs::Mode;

/// From here on, files are created 0600 and directories 0700 at most.
pub fn umask() {
    rustix::process::umask(Mode::from_raw_mode(0o077));
}

/// Sets `mode` on `path` unless it is a symlink (or missing); other modes bits are dropped.
fn restrict(path: &Path, mode: u32) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Ok(()),
        Ok(m) if m.permissions().mode() & 0o777 == mode => Ok(()),
        Ok(_) => std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// A directory 0700, and every plain file directly in it 0600.
fn directory(dir: &Path) -> io::Result<()> {
    restrict(dir, 0o700)?;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            restrict(&entry.path(), 0o600)?;
        }
    }
    Ok(())
}

/// The data directory (database and its journal, first password), its key directories
/// (`tls/`, `ca/`, `acme/`), and the backup directory (dumps and manifests).
pub fn lock_down(data_dir: &Path, backup_dir: &Path) -> io::Result<()> {
    directory(data_dir)?;
    for keys in ["tls", "ca", "acme"] {
        let dir = data_dir.join(keys);
        if dir.is_dir() {
            directory(&dir)?;
        }
    }
    if backup_dir.is_dir() {
        directory(backup_dir)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn existing_secrets_are_made_private_and_symlinks_left_alone() {
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("data");
        let backups = data.join("backups");
        std::fs::create_dir_all(data.join("ca")).unwrap();
        std::fs::create_dir_all(&backups).unwrap();
        let outside = root.path().join("outside.txt");
        std::fs::write(&outside, "not bosun's").unwrap();
        std::fs::set_permissions(&outside, std::fs::Permissions::from_mode(0o644)).unwrap();
        for (p, m) in [
            (data.join("bosun.db"), 0o644),
            (data.join("ca/ca.key"), 0o644),
            (backups.join("p_db_1.sql.gz"), 0o664),
            (backups.join("p_db_1.sql.gz.json"), 0o644),
        ] {
            std::fs::write(&p, "x").unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(m)).unwrap();
        }
        for d in [&data, &backups] {
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::os::unix::fs::symlink(&outside, backups.join("planted")).unwrap();
        lock_down(&data, &backups).unwrap();
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&backups), 0o700);
        assert_eq!(mode(&data.join("bosun.db")), 0o600);
        assert_eq!(mode(&data.join("ca/ca.key")), 0o600);
        assert_eq!(mode(&backups.join("p_db_1.sql.gz")), 0o600);
        assert_eq!(mode(&backups.join("p_db_1.sql.gz.json")), 0o600);
        assert_eq!(mode(&outside), 0o644, "a symlink's target is not touched");
    }
}
