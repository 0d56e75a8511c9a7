//! Writing files into directories others may write to too (certificate directories shared with
//! services): every step is taken relative to an already-open directory handle, a temporary file
//! is created exclusively under a fresh random name (mode 0600 before any byte), synced and
//! renamed over the real name, and a symbolic link at a name bosun writes is refused, never
//! followed. A crash leaves the old file or the new one, never half of one.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use rustix::fs::{AtFlags, FileType, Mode, OFlags};

/// Part of the name of every file bosun keeps beside the real ones (`.NAME.bosun-previous`,
/// `.NAME.bosun-new-…`): never shown as certificates.
pub const MARK: &str = ".bosun-";
/// The temporary files' kind; a random part follows it.
pub const TEMP: &str = "new";
/// The copy of the file a replacement replaced.
pub const PREVIOUS: &str = "previous";
/// Tries before giving up on finding an unused random name (a clash means someone is guessing).
const TEMP_TRIES: usize = 8;

/// An owner given explicitly (configured), for the files bosun makes. Never read off a file in
/// the directory: that one may have been put there by whoever else writes to it. Without one,
/// a new file belongs to the user bosun runs as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Owner {
    pub uid: u32,
    pub gid: Option<u32>,
}

/// `.NAME.bosun-KIND`: the name bosun keeps a companion file of `name` under.
pub fn companion(name: &OsStr, kind: &str) -> OsString {
    let mut out = OsString::from(".");
    out.push(name);
    out.push(MARK);
    out.push(kind);
    out
}

fn io(e: rustix::io::Errno) -> std::io::Error {
    e.into()
}

/// A directory bosun writes into, opened once; every name below is looked up relative to it.
pub struct Dir {
    fd: OwnedFd,
    path: PathBuf,
}

impl Dir {
    pub fn open(path: &Path) -> Result<Self, String> {
        let fd = rustix::fs::open(
            path,
            OFlags::DIRECTORY | OFlags::RDONLY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| format!("could not open the directory {}: {}", path.display(), io(e)))?;
        Ok(Dir {
            fd,
            path: path.to_owned(),
        })
    }

    /// The directory of `path`, and the plain file name in it. With a `root`, the directory
    /// is reached from `root` one component at a time, never through a link or `..`: a
    /// directory below `root` swapped for a link leads nowhere outside it.
    pub fn of(root: Option<&Path>, path: &Path) -> Result<(Self, OsString), String> {
        let name = match path.components().next_back() {
            Some(Component::Normal(n)) => n.to_owned(),
            _ => return Err(format!("{} is not a file name", path.display())),
        };
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let dir = match root {
            None => Dir::open(parent),
            Some(root) => Dir::beneath(root, parent),
        }
        .map_err(|e| format!("could not write {}: {e}", path.display()))?;
        Ok((dir, name))
    }

    /// `dir`, opened from `root` down without following a link at any step below `root`.
    pub fn beneath(root: &Path, dir: &Path) -> Result<Self, String> {
        let rest = dir
            .strip_prefix(root)
            .map_err(|_| format!("{} is not inside {}", dir.display(), root.display()))?;
        let mut cur = Dir::open(root)?;
        for c in rest.components() {
            let Component::Normal(name) = c else {
                return Err(format!("{} leaves {}", dir.display(), root.display()));
            };
            let path = cur.path.join(name);
            let fd = rustix::fs::openat(
                &cur.fd,
                name,
                OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::RDONLY | OFlags::CLOEXEC,
                Mode::empty(),
            )
            .map_err(|e| match e {
                rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR => format!(
                    "{} is a symbolic link (or not a directory): bosun does not write through links below {}. Replace it with the real directory, then try again",
                    path.display(),
                    root.display()
                ),
                e => format!("could not open the directory {}: {}", path.display(), io(e)),
            })?;
            cur = Dir { fd, path };
        }
        Ok(cur)
    }

    fn shown(&self, name: &OsStr) -> String {
        self.path.join(name).display().to_string()
    }

    fn failed(&self, name: &OsStr, e: impl std::fmt::Display) -> String {
        format!("could not write {}: {e}", self.shown(name))
    }

    /// What is at `name` itself (a link is not followed); None when nothing is.
    fn kind(&self, name: &OsStr) -> Result<Option<FileType>, String> {
        match rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => Ok(Some(FileType::from_raw_mode(st.st_mode))),
            Err(rustix::io::Errno::NOENT) => Ok(None),
            Err(e) => Err(format!("could not look at {}: {}", self.shown(name), io(e))),
        }
    }

    /// Whether a regular file is at `name`; a symbolic link (or anything else that is not a
    /// plain file) there is refused, with what to do about it.
    pub fn plain_file(&self, name: &OsStr) -> Result<bool, String> {
        match self.kind(name)? {
            None => Ok(false),
            Some(FileType::RegularFile) => Ok(true),
            Some(FileType::Symlink) => Err(format!(
                "{} is a symbolic link: bosun does not write through links in a directory others can write to. Replace it with the real file (or remove it), then try again",
                self.shown(name)
            )),
            Some(_) => Err(format!(
                "{} is not a plain file: remove it or choose another name, then try again",
                self.shown(name)
            )),
        }
    }

    /// Reads the plain file at `name` (a link is refused) and its permission bits.
    pub fn read(&self, name: &OsStr) -> Result<(Vec<u8>, u32), String> {
        self.plain_file(name)?;
        let fd = rustix::fs::openat(
            &self.fd,
            name,
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| format!("could not read {}: {}", self.shown(name), io(e)))?;
        let mut f = File::from(fd);
        let meta = f
            .metadata()
            .map_err(|e| format!("could not read {}: {e}", self.shown(name)))?;
        if !meta.is_file() {
            return Err(format!("{} is not a plain file", self.shown(name)));
        }
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes)
            .map_err(|e| format!("could not read {}: {e}", self.shown(name)))?;
        Ok((bytes, meta.mode() & 0o777))
    }

    /// `bytes` in a new file under a fresh random name beside `name`: created exclusively (an
    /// existing entry of that name, link or file, is never opened), mode 0600 until written,
    /// then `owner` and `mode`, synced. Removed again on failure. Returns the temporary name.
    pub fn temp(
        &self,
        name: &OsStr,
        bytes: &[u8],
        mode: u32,
        owner: Option<Owner>,
    ) -> Result<OsString, String> {
        let mut created = None;
        for _ in 0..TEMP_TRIES {
            let tmp = companion(name, &format!("{TEMP}-{:016x}", rand::random::<u64>()));
            match rustix::fs::openat(
                &self.fd,
                &tmp,
                OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::from_raw_mode(0o600),
            ) {
                Ok(fd) => {
                    created = Some((tmp, fd));
                    break;
                }
                Err(rustix::io::Errno::EXIST) => continue,
                Err(e) => return Err(self.failed(name, io(e))),
            }
        }
        let (tmp, fd) = created.ok_or_else(|| {
            self.failed(
                name,
                "every temporary name tried was taken (is someone guessing them?)",
            )
        })?;
        let mut f = File::from(fd);
        let written = (|| {
            f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
            f.write_all(bytes)?;
            if let Some(o) = owner {
                // Only root may give a file away; as another user the file stays bosun's.
                let _ = std::os::unix::fs::fchown(&f, Some(o.uid), o.gid);
            }
            // The mode asked for, whatever the umask made of it.
            f.set_permissions(std::fs::Permissions::from_mode(mode & 0o777))?;
            f.sync_all()
        })();
        match written {
            Ok(()) => Ok(tmp),
            Err(e) => {
                self.remove(&tmp);
                Err(self.failed(name, e))
            }
        }
    }

    /// Renames the temporary file over `name` (never over a link: that is refused) and syncs
    /// the directory; the temporary file is removed on failure.
    pub fn commit(&self, tmp: &OsStr, name: &OsStr) -> Result<(), String> {
        let result = self.plain_file(name).and_then(|_| {
            rustix::fs::renameat(&self.fd, tmp, &self.fd, name)
                .map_err(|e| self.failed(name, io(e)))
        });
        if result.is_err() {
            self.remove(tmp);
        }
        result?;
        let _ = rustix::fs::fsync(&self.fd);
        Ok(())
    }

    /// Writes `bytes` as `name`: a temporary file, then the rename.
    pub fn write(
        &self,
        name: &OsStr,
        bytes: &[u8],
        mode: u32,
        owner: Option<Owner>,
    ) -> Result<(), String> {
        // Refused before anything is written.
        self.plain_file(name)?;
        let tmp = self.temp(name, bytes, mode, owner)?;
        self.commit(&tmp, name)
    }

    /// Keeps the current `name` once as `.NAME.bosun-previous` (same mode, bosun's own file);
    /// false when there was nothing to keep.
    pub fn keep_previous(&self, name: &OsStr) -> Result<bool, String> {
        let keep = |e: String| {
            format!(
                "could not keep a copy of {} ({e}); nothing was changed",
                self.shown(name)
            )
        };
        if !self.plain_file(name).map_err(keep)? {
            return Ok(false);
        }
        let (old, mode) = self.read(name).map_err(keep)?;
        self.write(&companion(name, PREVIOUS), &old, mode, None)
            .map_err(keep)?;
        Ok(true)
    }

    /// Removes `name` (not what a link there points to); errors are ignored.
    pub fn remove(&self, name: &OsStr) {
        let _ = rustix::fs::unlinkat(&self.fd, name, AtFlags::empty());
    }
}

/// Writes `path` atomically: the old file or the new one, never half; a link is refused.
pub fn write_atomic(
    path: &Path,
    bytes: &[u8],
    mode: u32,
    owner: Option<Owner>,
) -> Result<(), String> {
    let (dir, name) = Dir::of(None, path)?;
    dir.write(&name, bytes, mode, owner)
}

/// A certificate and its key to write together, below `root` when given (the watched
/// directory they were found in: nothing below it is followed).
pub struct Pair<'a> {
    pub root: Option<&'a Path>,
    pub cert: &'a Path,
    pub key: &'a Path,
    pub chain_pem: &'a [u8],
    pub key_pem: &'a [u8],
    pub cert_mode: u32,
    pub key_mode: u32,
    pub owner: Option<Owner>,
}

/// Writes a new certificate and key over the old pair (see `Pair::replace`).
pub fn replace_pair(
    cert: &Path,
    key: &Path,
    chain_pem: &[u8],
    key_pem: &[u8],
    cert_mode: u32,
    key_mode: u32,
    owner: Option<Owner>,
) -> Result<(), String> {
    Pair {
        root: None,
        cert,
        key,
        chain_pem,
        key_pem,
        cert_mode,
        key_mode,
        owner,
    }
    .replace()
}

impl Pair<'_> {
    /// Writes the new certificate and key over the old pair: the old files are kept once as
    /// `.NAME.bosun-previous`, both new files are written under temporary names first, and
    /// only then renamed (key first), so a failure leaves the old pair in place. A link at
    /// either name or at a previous copy's is refused before anything changes.
    pub fn replace(&self) -> Result<(), String> {
        let Pair {
            root,
            cert: cert_path,
            key: key_path,
            chain_pem,
            key_pem,
            cert_mode,
            key_mode,
            owner,
        } = *self;
        let (cert_dir, cert) = Dir::of(root, cert_path)?;
        let (key_dir, key) = Dir::of(root, key_path)?;
        for (dir, name) in [(&cert_dir, &cert), (&key_dir, &key)] {
            dir.plain_file(name)?;
            dir.plain_file(&companion(name, PREVIOUS))?;
        }
        let had_key = key_dir.keep_previous(&key)?;
        if cert_path != key_path {
            cert_dir.keep_previous(&cert)?;
        } else {
            let mut both = chain_pem.to_vec();
            both.extend_from_slice(key_pem);
            return cert_dir.write(&cert, &both, key_mode.min(cert_mode), owner);
        }
        // Both new files are on disk under temporary names before either real one changes.
        let new_key = key_dir.temp(&key, key_pem, key_mode, owner)?;
        let new_cert = match cert_dir.temp(&cert, chain_pem, cert_mode, owner) {
            Ok(t) => t,
            Err(e) => {
                key_dir.remove(&new_key);
                return Err(e);
            }
        };
        if let Err(e) = key_dir.commit(&new_key, &key) {
            cert_dir.remove(&new_cert);
            return Err(e);
        }
        if let Err(e) = cert_dir.commit(&new_cert, &cert) {
            // Put the old key back (or take the new one away) so the pair on disk belongs together.
            match key_dir.read(&companion(&key, PREVIOUS)) {
                Ok((old, _)) if had_key => {
                    let _ = key_dir.write(&key, &old, key_mode, owner);
                }
                _ => key_dir.remove(&key),
            }
            return Err(e);
        }
        Ok(())
    }
}

/// Whether `name` (a file name) is one bosun keeps beside the real files.
pub fn is_companion(name: &OsStr) -> bool {
    name.as_bytes()
        .windows(MARK.len())
        .any(|w| w == MARK.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn names_in(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    /// A file outside the directory, standing in for `/data/bosun.db`.
    fn canary() -> (tempfile::TempDir, PathBuf) {
        let outside = tempfile::tempdir().unwrap();
        let canary = outside.path().join("bosun.db");
        std::fs::write(&canary, "precious").unwrap();
        (outside, canary)
    }

    #[test]
    fn a_write_lands_whole_with_its_mode_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.key");
        write_atomic(&path, b"one", 0o640, None).unwrap();
        write_atomic(&path, b"two", 0o600, None).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(names_in(dir.path()), ["server.key"]);
    }

    #[test]
    fn a_failed_write_leaves_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("missing-dir/server.crt");
        assert!(write_atomic(&target, b"x", 0o644, None).is_err());
        assert!(!target.exists());
    }

    #[test]
    fn links_planted_at_the_old_temporary_names_are_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let (_outside, canary) = canary();
        for name in [".server.key.bosun-new", ".server.crt.bosun-new"] {
            symlink(&canary, dir.path().join(name)).unwrap();
        }
        let (cert, key) = (dir.path().join("server.crt"), dir.path().join("server.key"));
        replace_pair(&cert, &key, b"CHAIN", b"KEY", 0o644, 0o600, None).unwrap();
        assert_eq!(std::fs::read_to_string(&canary).unwrap(), "precious");
        assert_eq!(std::fs::read(&key).unwrap(), b"KEY");
        assert!(
            !std::fs::symlink_metadata(&key)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        // The planted links are left as they were (listed as warnings by the scan).
        assert!(
            std::fs::symlink_metadata(dir.path().join(".server.key.bosun-new"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }

    #[test]
    fn temporary_names_are_fresh_every_time_and_created_exclusively() {
        let dir = tempfile::tempdir().unwrap();
        let d = Dir::open(dir.path()).unwrap();
        let a = d.temp(OsStr::new("x"), b"1", 0o600, None).unwrap();
        let b = d.temp(OsStr::new("x"), b"2", 0o600, None).unwrap();
        assert_ne!(a, b);
        assert!(a.to_string_lossy().starts_with(".x.bosun-new-"), "{a:?}");
        // An existing entry is never opened for writing.
        let held = dir.path().join(&a);
        let before = std::fs::read(&held).unwrap();
        d.commit(&b, OsStr::new("x")).unwrap();
        assert_eq!(std::fs::read(&held).unwrap(), before);
    }

    #[test]
    fn a_pre_created_temporary_file_held_open_never_receives_the_key() {
        use std::io::Read;
        let dir = tempfile::tempdir().unwrap();
        let planted = dir.path().join(".server.key.bosun-new");
        std::fs::write(&planted, "").unwrap();
        let mut held = std::fs::File::open(&planted).unwrap();
        let (cert, key) = (dir.path().join("server.crt"), dir.path().join("server.key"));
        replace_pair(&cert, &key, b"CHAIN", b"SECRET KEY", 0o644, 0o600, None).unwrap();
        let mut seen = String::new();
        held.read_to_string(&mut seen).unwrap();
        assert_eq!(seen, "", "the attacker's open file got the key");
        assert_eq!(std::fs::read(&key).unwrap(), b"SECRET KEY");
        assert_ne!(
            std::fs::metadata(&key).unwrap().ino(),
            std::fs::metadata(&planted).unwrap().ino()
        );
    }

    #[test]
    fn links_at_the_final_and_the_previous_names_are_refused_and_nothing_changes() {
        let (_outside, canary) = canary();
        for link in [
            "server.key",
            ".server.crt.bosun-previous",
            ".server.key.bosun-previous",
        ] {
            let dir = tempfile::tempdir().unwrap();
            let (cert, key) = (dir.path().join("server.crt"), dir.path().join("server.key"));
            std::fs::write(&cert, "OLD CHAIN").unwrap();
            if link != "server.key" {
                std::fs::write(&key, "OLD KEY").unwrap();
            }
            symlink(&canary, dir.path().join(link)).unwrap();
            let before = names_in(dir.path());
            let e = replace_pair(&cert, &key, b"CHAIN", b"KEY", 0o644, 0o600, None).unwrap_err();
            assert!(
                e.contains("symbolic link") && e.contains(link),
                "{link}: {e}"
            );
            assert_eq!(
                std::fs::read_to_string(&canary).unwrap(),
                "precious",
                "{link}"
            );
            assert_eq!(
                std::fs::read_to_string(&cert).unwrap(),
                "OLD CHAIN",
                "{link}"
            );
            assert_eq!(
                names_in(dir.path()),
                before,
                "{link}: nothing new in the directory"
            );
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.key");
        symlink(&canary, &path).unwrap();
        assert!(write_atomic(&path, b"x", 0o600, None).is_err());
        assert_eq!(std::fs::read_to_string(&canary).unwrap(), "precious");
    }

    #[test]
    fn the_owner_is_bosuns_own_or_the_configured_one_never_the_old_files() {
        let dir = tempfile::tempdir().unwrap();
        let mine = {
            let probe = dir.path().join("probe");
            std::fs::write(&probe, "").unwrap();
            std::fs::metadata(&probe).unwrap().uid()
        };
        let path = dir.path().join("server.key");
        std::fs::write(&path, "old").unwrap();
        // Only root may give files away; as another user the ownership checks cannot be made.
        if std::os::unix::fs::chown(&path, Some(4242), Some(4242)).is_err() {
            return;
        }
        write_atomic(&path, b"new", 0o600, None).unwrap();
        let m = std::fs::metadata(&path).unwrap();
        assert_eq!(m.uid(), mine, "not the old file's owner");
        let owner = Owner {
            uid: 101,
            gid: Some(102),
        };
        write_atomic(&path, b"newer", 0o600, Some(owner)).unwrap();
        let m = std::fs::metadata(&path).unwrap();
        assert_eq!((m.uid(), m.gid()), (101, 102));
        assert_eq!(m.permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn below_a_root_no_directory_is_reached_through_a_link_or_dot_dot() {
        let root = tempfile::tempdir().unwrap();
        let (outside, canary) = canary();
        symlink(outside.path(), root.path().join("sub")).unwrap();
        std::fs::create_dir(root.path().join("real")).unwrap();
        let pair = |dir: &str| {
            let d = root.path().join(dir);
            let (cert, key) = (d.join("x.crt"), d.join("x.key"));
            Pair {
                root: Some(root.path()),
                cert: &cert,
                key: &key,
                chain_pem: b"CHAIN",
                key_pem: b"KEY",
                cert_mode: 0o644,
                key_mode: 0o600,
                owner: None,
            }
            .replace()
        };
        let e = pair("sub").unwrap_err();
        assert!(e.contains("symbolic link") && e.contains("sub"), "{e}");
        assert_eq!(
            names_in(outside.path()),
            ["bosun.db"],
            "nothing written outside"
        );
        assert_eq!(std::fs::read_to_string(&canary).unwrap(), "precious");
        assert!(pair("real/../sub").is_err());
        pair("real").unwrap();
        assert_eq!(
            std::fs::read(root.path().join("real/x.key")).unwrap(),
            b"KEY"
        );
        assert!(Dir::beneath(root.path(), outside.path()).is_err());
    }

    #[test]
    fn companions_are_recognised_by_their_mark() {
        assert!(is_companion(OsStr::new(".tls.crt.bosun-previous")));
        assert!(is_companion(&companion(OsStr::new("tls.key"), TEMP)));
        assert!(!is_companion(OsStr::new("tls.crt")));
    }
}
