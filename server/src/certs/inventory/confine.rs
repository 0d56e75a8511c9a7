//! Keeping a directory a service names by label inside the mount it is reached through: the
//! label may not hold `..`, the directory (as far as it exists) must resolve to a place still
//! under the mount's root, and listing it never goes through a link out of that root. Writes
//! start at the mount's root and follow no link below it (`crate::fsx::Dir::beneath`).

use std::path::{Component, Path, PathBuf};

use super::targets::{DIR_LABEL, Target};

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
pub fn climbs(label: &str, destinations: &[&str]) -> Option<String> {
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
        "label {DIR_LABEL}: “{label}” climbs out with “..”, and bosun never follows “..” out of a directory it writes to; {instead}"
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

/// Marks `t` as unusable when its directory leads out of its mount through a link (the mount's
/// own root resolved, and the directory's existing part resolved, must nest). Nothing is done
/// while the mount's root cannot be seen: there is then nothing to list or write either.
pub fn confine(t: &mut Target, label: &str) {
    if t.problem.is_some() {
        return;
    }
    let Ok(root) = std::fs::canonicalize(&t.mount) else {
        return;
    };
    let Some(real) = resolved_part(&t.mount, &t.dir) else {
        return;
    };
    if !real.starts_with(&root) {
        t.problem = Some(format!(
            "label {DIR_LABEL}: “{label}” leads out of the service's mount through a symbolic link (to {}), and bosun never follows a link out of a directory it writes to; point the label at the real directory inside the mount (or replace the link with that directory)",
            real.display()
        ));
    }
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

/// The configured directories, then those of the usable declared targets.
pub fn watched(configured: &[PathBuf], declared: &[Target]) -> Vec<Watched> {
    let mut out: Vec<Watched> = configured
        .iter()
        .map(|d| Watched {
            dir: d.clone(),
            root: d.clone(),
            confined: false,
        })
        .collect();
    for t in declared.iter().filter(|t| t.problem.is_none()) {
        if !out.iter().any(|w| w.dir == t.dir) {
            out.push(Watched {
                dir: t.dir.clone(),
                root: t.mount.clone(),
                confined: true,
            });
        }
    }
    out
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
        assert!(
            p.contains(DIR_LABEL) && p.contains("(here /certs/site)"),
            "{p}"
        );
        let p = climbs("/certs/../../etc", &["/certs", "/data"]).unwrap();
        assert!(p.contains("/certs, /data") && p.contains("“..”"), "{p}");
        assert!(climbs("/certs/..", &[]).is_some());
        assert_eq!(lexical(Path::new("/a/./b/../../../c")), PathBuf::from("/c"));
    }

    fn target(mount: &Path, dir: &Path) -> Target {
        Target {
            service: "p/s".into(),
            dir: dir.to_owned(),
            mount: mount.to_owned(),
            cert: dir.join("tls.crt"),
            key: dir.join("tls.key"),
            key_mode: 0o600,
            names: vec![],
            owner: None,
            problem: None,
        }
    }

    #[test]
    fn a_link_out_of_the_mount_is_refused_and_one_inside_is_not() {
        let mount = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let m = mount.path();
        std::fs::create_dir(m.join("real")).unwrap();
        std::os::unix::fs::symlink(outside.path(), m.join("out")).unwrap();
        std::os::unix::fs::symlink(m.join("real"), m.join("alias")).unwrap();
        let judged = |dir: &Path| {
            let mut t = target(m, dir);
            confine(&mut t, "/certs/x");
            t.problem
        };
        assert_eq!(judged(&m.join("real")), None);
        assert_eq!(judged(&m.join("real/not-yet")), None, "not there yet: fine");
        assert_eq!(judged(&m.join("alias")), None, "a link that stays inside");
        let p = judged(&m.join("out")).unwrap();
        assert!(p.contains("symbolic link") && p.contains(DIR_LABEL), "{p}");
        assert!(judged(&m.join("out/deeper")).is_some());
        assert!(inside(
            Some(&std::fs::canonicalize(m).unwrap()),
            &m.join("alias")
        ));
        assert!(!inside(
            Some(&std::fs::canonicalize(m).unwrap()),
            &m.join("out")
        ));
    }

    #[test]
    fn writes_start_at_the_mount_of_a_labelled_directory() {
        let mut t = target(Path::new("/h"), Path::new("/h/certs/site"));
        let w = watched(&[PathBuf::from("/etc/ssl/mine")], &[t.clone()]);
        assert_eq!(
            write_root(&w, Path::new("/h/certs/site/tls.crt")),
            Some(PathBuf::from("/h"))
        );
        assert_eq!(
            write_root(&w, Path::new("/etc/ssl/mine/a/b.crt")),
            Some(PathBuf::from("/etc/ssl/mine"))
        );
        t.problem = Some("no".into());
        assert_eq!(
            watched(&[], &[t]).len(),
            0,
            "a refused label is not watched"
        );
    }
}
