//! Keeping a directory a service names by label inside the mount it is reached through: the
//! label may not hold `..`, the directory (as far as it exists) must resolve to a place still
//! under the mount's root, and listing it never goes through a link out of that root. Writes
//! start at the mount's root and follow no link below it (`crate::fsx::Dir::beneath`).

use std::path::{Component, Path, PathBuf};

/// `p` with `.` dropped and each `..` taking the component before it away (never above `/`):
/// what a `..` label would have meant, to say what to write instead.
fn lexical(p: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for c in p.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::ParentDir => {
                out.pop();
            }
            _ => {}
        }
    }
    out
}

/// Why a `bosun.cert.dir` value is refused before any mount is looked at: it climbs with `..`.
/// `destinations` are the service's mount points, offered as what to write instead.
pub fn climbs(value: &str, destinations: &[&str]) -> Option<String> {
    let label = value;
    let inside = Path::new(label);
    if !inside.components().any(|c| c == Component::ParentDir) {
        return None;
    }
    let meant = lexical(inside);
    let under_a_mount = destinations
        .iter()
        .any(|d| meant.starts_with(d) && !d.is_empty());
    let instead = if under_a_mount {
        format!(
            "write the directory without “..” (here {})",
            meant.display()
        )
    } else if destinations.is_empty() {
        "write a directory inside one of the service's mounts, without “..”".to_owned()
    } else {
        format!(
            "write a directory inside one of the service's mounts ({}), without “..”",
            destinations.join(", ")
        )
    };
    Some(format!(
        "“{label}” climbs out with “..”, and bosun never follows “..” out of a directory it writes to; {instead}"
    ))
}

/// The nearest existing ancestor of `dir` (or `dir` itself), resolved, as long as it is at or
/// below `mount` before resolving; None when nothing from `mount` down exists.
fn resolved_part(mount: &Path, dir: &Path) -> Option<PathBuf> {
    let mut at = dir;
    loop {
        if let Ok(real) = std::fs::canonicalize(at) {
            return Some(real);
        }
        match at.parent() {
            Some(up) if up.starts_with(mount) => at = up,
            _ => return None,
        }
    }
}

/// Where `dir` leads when it leads out of `mount` through a link (the mount's own root
/// resolved, and the directory's existing part resolved, must nest); None when it stays inside,
/// or while the mount's root cannot be seen (then there is nothing to list or write either).
pub fn leaves(mount: &Path, dir: &Path) -> Option<PathBuf> {
    let root = std::fs::canonicalize(mount).ok()?;
    let real = resolved_part(mount, dir)?;
    (!real.starts_with(&root)).then_some(real)
}

/// Whether `path` (resolved, links followed) is still inside `root` (already resolved); with
/// no `root`, anywhere is fine (a directory an admin configured).
pub fn inside(root: Option<&Path>, path: &Path) -> bool {
    match root {
        None => true,
        Some(root) => std::fs::canonicalize(path).is_ok_and(|p| p.starts_with(root)),
    }
}

/// A directory to list certificates in, and how far listing and writing may go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Watched {
    pub dir: PathBuf,
    /// Where writes start from (nothing below it is followed): the directory itself when an
    /// admin configured it, the mount's root for one a service names by label.
    pub root: PathBuf,
    /// For a directory named by label: listing never leaves `root` (resolved at listing time).
    pub confined: bool,
}

/// Where writes to `file` start: the root of the deepest watched directory holding it.
pub fn write_root(watched: &[Watched], file: &Path) -> Option<PathBuf> {
    watched
        .iter()
        .filter(|w| file.starts_with(&w.dir))
        .max_by_key(|w| w.dir.components().count())
        .map(|w| w.root.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_with_dot_dot_is_refused_saying_what_to_write() {
        assert_eq!(climbs("/certs/site", &["/certs"]), None);
        let p = climbs("/certs/../certs/site", &["/certs"]).unwrap();
        assert!(p.contains("(here /certs/site)"), "{p}");
        let p = climbs("/certs/../../etc", &["/certs", "/data"]).unwrap();
        assert!(p.contains("/certs, /data") && p.contains("“..”"), "{p}");
        assert!(climbs("/certs/..", &[]).is_some());
        assert_eq!(lexical(Path::new("/a/./b/../../../c")), PathBuf::from("/c"));
    }

    #[test]
    fn a_link_out_of_the_mount_is_refused_and_one_inside_is_not() {
        let mount = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let m = mount.path();
        std::fs::create_dir(m.join("real")).unwrap();
        std::os::unix::fs::symlink(outside.path(), m.join("out")).unwrap();
        std::os::unix::fs::symlink(m.join("real"), m.join("alias")).unwrap();
        assert_eq!(leaves(m, &m.join("real")), None);
        assert_eq!(
            leaves(m, &m.join("real/not-yet")),
            None,
            "not there yet: fine"
        );
        assert_eq!(
            leaves(m, &m.join("alias")),
            None,
            "a link that stays inside"
        );
        let out = std::fs::canonicalize(outside.path()).unwrap();
        assert_eq!(leaves(m, &m.join("out")), Some(out.clone()));
        assert_eq!(leaves(m, &m.join("out/deeper")), Some(out));
        assert_eq!(
            leaves(Path::new("/no/such/mount"), Path::new("/no/such/mount/x")),
            None
        );
        let root = std::fs::canonicalize(m).unwrap();
        assert!(inside(Some(&root), &m.join("alias")));
        assert!(!inside(Some(&root), &m.join("out")));
        assert!(inside(None, &m.join("out")));
    }

    #[test]
    fn writes_start_at_the_root_of_the_deepest_watched_directory() {
        let w = [
            Watched {
                dir: PathBuf::from("/etc/ssl/mine"),
                root: PathBuf::from("/etc/ssl/mine"),
                confined: false,
            },
            Watched {
                dir: PathBuf::from("/h/certs/site"),
                root: PathBuf::from("/h"),
                confined: true,
            },
        ];
        assert_eq!(
            write_root(&w, Path::new("/h/certs/site/tls.crt")),
            Some(PathBuf::from("/h"))
        );
        assert_eq!(
            write_root(&w, Path::new("/etc/ssl/mine/a/b.crt")),
            Some(PathBuf::from("/etc/ssl/mine"))
        );
        assert_eq!(write_root(&w, Path::new("/elsewhere/x.crt")), None);
    }
}
