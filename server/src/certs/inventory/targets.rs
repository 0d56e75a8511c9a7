//! Certificate targets declared on the services themselves, by label: the directory (as the
//! container sees it) where the service reads its certificate, the file names, the key's mode
//! and the names to certify. bosun finds that directory through the container's mounts, lists
//! what is there, and can put a first certificate there when there is none yet; never outside
//! the mount (no `..`, no link out: see `confine`).
//!
//! ```yaml
//! labels:
//!   bosun.cert.dir: /etc/nginx/certs          # required: a bind mount or volume of the service
//!   bosun.cert.files: server.crt,server.key   # cert[,key]; default tls.crt,tls.key
//!   bosun.cert.mode: "0640"                   # the key's mode; default 0600
//!   bosun.cert.names: portal.lan,www.portal.lan  # for a first certificate; default the service name
//!   bosun.cert.owner: "101:101"               # UID[:GID] of the files bosun writes; default bosun's own
//!   bosun.cert.reload: "exec:nginx -s reload" # how the service picks up a new one (see reload.rs)
//! ```

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use super::confine::Watched;
use crate::docker::record::{Mount, Record};
use crate::fsx::Owner;

pub const DIR_LABEL: &str = "bosun.cert.dir";
pub const FILES_LABEL: &str = "bosun.cert.files";
pub const MODE_LABEL: &str = "bosun.cert.mode";
pub const NAMES_LABEL: &str = "bosun.cert.names";
pub const OWNER_LABEL: &str = "bosun.cert.owner";

const DEFAULT_CERT: &str = "tls.crt";
const DEFAULT_KEY: &str = "tls.key";
const DEFAULT_KEY_MODE: u32 = 0o600;

/// One declared target, as bosun sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The service that declared it, as "project/service".
    pub service: String,
    /// Where bosun reads and writes the files (its own view of the directory).
    pub dir: PathBuf,
    /// The root of the mount the directory is reached through (bosun's view): nothing is
    /// listed or written outside it (see `confine`).
    pub mount: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
    pub key_mode: u32,
    pub names: Vec<String>,
    /// Who the files bosun writes belong to (`bosun.cert.owner`); None: bosun's own user.
    pub owner: Option<Owner>,
    /// Why bosun cannot use it, in words that say what to change.
    pub problem: Option<String>,
}

/// A plain file name: no directories, nothing hidden.
fn file_name(s: &str) -> Result<String, String> {
    let s = s.trim();
    let mut parts = Path::new(s).components();
    match (parts.next(), parts.next()) {
        (Some(Component::Normal(_)), None) if !s.starts_with('.') && s.len() <= 255 => {
            Ok(s.to_owned())
        }
        _ => Err(format!(
            "label {FILES_LABEL}: “{s}” is not a plain file name (give cert[,key], e.g. server.crt,server.key)"
        )),
    }
}

/// The key's mode from `bosun.cert.mode`: octal, at most 0777, readable by its owner.
pub fn parse_mode(s: &str) -> Result<u32, String> {
    let t = s.trim();
    let digits = t.strip_prefix("0o").unwrap_or(t);
    match u32::from_str_radix(digits, 8) {
        Ok(m) if m <= 0o777 && m & 0o400 != 0 && !digits.is_empty() => Ok(m),
        _ => Err(format!(
            "label {MODE_LABEL}: “{t}” is not a file mode the key's owner can read (give octal, e.g. 0600 or 0640)"
        )),
    }
}

/// The files' owner from `bosun.cert.owner`: numeric `UID[:GID]`.
pub fn parse_owner(s: &str) -> Result<Owner, String> {
    let t = s.trim();
    let (uid, gid) = match t.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (t, None),
    };
    let uid = uid.parse::<u32>().ok().filter(|u| *u != u32::MAX);
    let gid = gid.map(|g| g.parse::<u32>().ok().filter(|g| *g != u32::MAX));
    match (uid, gid) {
        (Some(uid), None) => Ok(Owner { uid, gid: None }),
        (Some(uid), Some(Some(gid))) => Ok(Owner {
            uid,
            gid: Some(gid),
        }),
        _ => Err(format!(
            "label {OWNER_LABEL}: “{t}” is not a numeric owner (give UID or UID:GID, e.g. 101:101)"
        )),
    }
}

/// `path` moved from under one prefix to under its partner: of the `(from, to)` pairs whose
/// `from` holds `path`, the deepest wins (a mount inside a mount).
pub fn remap<'a>(path: &Path, pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Option<PathBuf> {
    pairs
        .filter_map(|(from, to)| {
            let rest = path.strip_prefix(from).ok()?;
            Some((
                Path::new(from).components().count(),
                Path::new(to).join(rest),
            ))
        })
        .max_by_key(|(depth, _)| *depth)
        .map(|(_, p)| p)
}

/// Where `inside` (a path in the container) is on the host, through the container's mounts,
/// and the host directory of the mount it is reached through (the deepest that holds it).
fn on_host(mounts: &[Mount], inside: &Path) -> Option<(PathBuf, PathBuf)> {
    let m = mounts
        .iter()
        .filter(|m| inside.starts_with(&m.destination))
        .max_by_key(|m| Path::new(&m.destination).components().count())?;
    let rest = inside.strip_prefix(&m.destination).ok()?;
    Some((Path::new(&m.source).join(rest), PathBuf::from(&m.source)))
}

/// The mount's root as bosun sees it: where bosun's own view of `host_dir` begins, never
/// above the service's mount (`host_mount`). When bosun sees only part of that mount, the part
/// it sees is the root.
fn root_for_bosun(own: Option<&[Mount]>, host_mount: &Path, host_dir: &Path) -> Option<PathBuf> {
    let Some(own) = own else {
        return Some(host_mount.to_owned());
    };
    let mine = own
        .iter()
        .filter(|m| host_dir.starts_with(&m.source))
        .max_by_key(|m| Path::new(&m.source).components().count())?;
    match host_mount.strip_prefix(&mine.source) {
        Ok(rest) => Some(Path::new(&mine.destination).join(rest)),
        Err(_) => Some(PathBuf::from(&mine.destination)),
    }
}

/// Where a host path is for bosun: the same path when bosun runs on the host (`own` is
/// None); through bosun's own mounts when it runs in a container.
pub fn for_bosun(own: Option<&[Mount]>, host: &Path) -> Option<PathBuf> {
    match own {
        None => Some(host.to_owned()),
        Some(mounts) => remap(
            host,
            mounts
                .iter()
                .map(|m| (m.source.as_str(), m.destination.as_str())),
        ),
    }
}

/// The target `r` declares, if it declares one.
fn declared_by(r: &Record, own: Option<&[Mount]>) -> Option<Target> {
    let dir = r.label(DIR_LABEL)?.trim().to_owned();
    let service = match (r.project(), r.service()) {
        (Some(p), Some(s)) => format!("{p}/{s}"),
        _ => r.name.clone(),
    };
    let mut problem = None;
    let mut note = |p: String| {
        problem.get_or_insert(p);
    };
    let files: Vec<&str> = r
        .label(FILES_LABEL)
        .map(|f| f.split(',').collect())
        .unwrap_or_else(|| vec![DEFAULT_CERT, DEFAULT_KEY]);
    let (cert_name, key_name) = match files.as_slice() {
        [c] => (file_name(c), file_name(c).map(|c| key_beside(&c))),
        [c, k] => (file_name(c), file_name(k)),
        _ => {
            let e = format!("label {FILES_LABEL}: give one or two file names, cert[,key]");
            (Err(e.clone()), Err(e))
        }
    };
    let cert_name = cert_name.unwrap_or_else(|e| {
        note(e);
        DEFAULT_CERT.into()
    });
    let key_name = key_name.unwrap_or_else(|e| {
        note(e);
        DEFAULT_KEY.into()
    });
    let key_mode = r
        .label(MODE_LABEL)
        .map(parse_mode)
        .transpose()
        .unwrap_or_else(|e| {
            note(e);
            None
        })
        .unwrap_or(DEFAULT_KEY_MODE);
    let owner = r
        .label(OWNER_LABEL)
        .map(parse_owner)
        .transpose()
        .unwrap_or_else(|e| {
            note(e);
            None
        });
    let names: Vec<String> = r
        .label(NAMES_LABEL)
        .map(|n| {
            n.split([',', ' '])
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_else(|| r.service().map(|s| vec![s.to_owned()]).unwrap_or_default());
    let inside = Path::new(&dir);
    let destinations: Vec<&str> = r.mounts.iter().map(|m| m.destination.as_str()).collect();
    let mut mount = None;
    let bosun_dir = if !inside.is_absolute() {
        note(format!(
            "label {DIR_LABEL}: “{dir}” is not an absolute path inside the container"
        ));
        None
    } else if let Some(p) = super::confine::climbs(&dir, &destinations) {
        note(format!("label {DIR_LABEL}: {p}"));
        None
    } else {
        match on_host(&r.mounts, inside) {
            None => {
                note(format!(
                    "{dir} is not a mount of {service}: mount a host directory or volume there (e.g. ./certs:{dir}) so the certificate outlives the container"
                ));
                None
            }
            Some((host, host_mount)) => match for_bosun(own, &host) {
                Some(p) => {
                    mount = root_for_bosun(own, &host_mount, &host);
                    Some(p)
                }
                None => {
                    note(format!(
                        "bosun cannot see {}: mount it into bosun's container too (e.g. {}:{}) to manage this certificate",
                        host.display(),
                        host.display(),
                        host.display()
                    ));
                    None
                }
            },
        }
    };
    let label = dir.clone();
    let dir = bosun_dir.unwrap_or_else(|| inside.to_owned());
    let mount = mount.unwrap_or_else(|| dir.clone());
    if problem.is_none()
        && let Some(real) = super::confine::leaves(&mount, &dir)
    {
        problem = Some(format!(
            "label {DIR_LABEL}: “{label}” leads out of the service's mount through a symbolic link (to {}), and bosun never follows a link out of a directory it writes to; point the label at the real directory inside the mount (or replace the link with that directory)",
            real.display()
        ));
    }
    Some(Target {
        service,
        cert: dir.join(&cert_name),
        key: dir.join(&key_name),
        mount,
        dir,
        key_mode,
        names,
        owner,
        problem,
    })
}

/// The configured directories, then those of the usable declared targets: where certificates
/// are listed, and where writes to each may start.
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

/// `server.crt` → `server.key`.
fn key_beside(cert: &str) -> String {
    let stem = Path::new(cert)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "server".into());
    format!("{stem}.key")
}

/// Every target the services declare, one per certificate file (replicas declare the same).
/// `own` is bosun's own container's mounts, or None when bosun runs on the host.
pub fn declared(records: &[Arc<Record>], own: Option<&[Mount]>) -> Vec<Target> {
    let mut out: Vec<Target> = Vec::new();
    for r in records {
        // Replicas share one target; targets bosun cannot use stay apart per service.
        if let Some(t) = declared_by(r, own)
            && !out
                .iter()
                .any(|o| o.cert == t.cert && (t.problem.is_none() || o.service == t.service))
        {
            out.push(t);
        }
    }
    out.sort_by(|a, b| a.cert.cmp(&b.cert));
    out
}

/// bosun's own container among `records`, when it runs in one of this engine's containers:
/// its mounts say where host directories are for bosun. None otherwise (on the host, or in a
/// container the engine does not run, where paths are taken as they are, like `host_path`).
pub fn own_mounts(records: &[Arc<Record>]) -> Option<Vec<Mount>> {
    if !Path::new("/.dockerenv").exists() {
        return None;
    }
    let me = hostname::get().ok()?.into_string().ok()?;
    records
        .iter()
        .find(|r| !me.is_empty() && (r.id.starts_with(&me) || r.name == me))
        .map(|r| r.mounts.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(labels: &[(&str, &str)], mounts: &[(&str, &str)]) -> Record {
        let mut l = vec![
            ("com.docker.compose.project", "demo"),
            ("com.docker.compose.service", "proxy"),
        ];
        l.extend_from_slice(labels);
        let mut r = Record::running("demo-proxy-1", "img", &l, &[]);
        r.mounts = mounts
            .iter()
            .map(|(s, d)| Mount {
                source: (*s).to_owned(),
                destination: (*d).to_owned(),
            })
            .collect();
        r
    }

    #[test]
    fn a_labelled_directory_is_found_through_the_mounts() {
        let r = record(
            &[
                (DIR_LABEL, "/etc/nginx/certs"),
                (FILES_LABEL, "server.crt,server.key"),
                (MODE_LABEL, "0640"),
                (NAMES_LABEL, "portal.lan, www.portal.lan"),
            ],
            &[
                ("/srv/demo/certs", "/etc/nginx/certs"),
                ("/srv/demo", "/etc/nginx"),
            ],
        );
        let t = declared_by(&r, None).unwrap();
        assert_eq!(t.problem, None);
        assert_eq!(t.cert, PathBuf::from("/srv/demo/certs/server.crt"));
        assert_eq!(t.key, PathBuf::from("/srv/demo/certs/server.key"));
        assert_eq!(t.key_mode, 0o640);
        assert_eq!(t.names, ["portal.lan", "www.portal.lan"]);
        assert_eq!(t.service, "demo/proxy");
        assert_eq!(t.owner, None, "bosun's own user unless configured");
    }

    #[test]
    fn an_owner_is_only_what_the_label_says() {
        let m = &[("/h", "/certs")];
        let t = |owner: &str| {
            declared_by(
                &record(&[(DIR_LABEL, "/certs"), (OWNER_LABEL, owner)], m),
                None,
            )
            .unwrap()
        };
        assert_eq!(
            t("101:102").owner,
            Some(Owner {
                uid: 101,
                gid: Some(102)
            })
        );
        assert_eq!(
            t(" 101 ").owner,
            Some(Owner {
                uid: 101,
                gid: None
            })
        );
        for bad in ["nginx", "101:", ":101", "-1", "4294967295", ""] {
            let bad_target = t(bad);
            assert_eq!(bad_target.owner, None, "{bad}");
            assert!(bad_target.problem.unwrap().contains(OWNER_LABEL), "{bad}");
        }
    }

    #[test]
    fn defaults_and_a_single_file_name() {
        let r = record(&[(DIR_LABEL, "/certs/sub")], &[("/h/certs", "/certs")]);
        let t = declared_by(&r, None).unwrap();
        assert_eq!(t.cert, PathBuf::from("/h/certs/sub/tls.crt"));
        assert_eq!(t.key, PathBuf::from("/h/certs/sub/tls.key"));
        assert_eq!(t.key_mode, 0o600);
        assert_eq!(t.names, ["proxy"]);
        let r = record(
            &[(DIR_LABEL, "/certs"), (FILES_LABEL, "portal.pem")],
            &[("/h", "/certs")],
        );
        assert_eq!(
            declared_by(&r, None).unwrap().key,
            PathBuf::from("/h/portal.key")
        );
    }

    #[test]
    fn bad_labels_say_what_to_change() {
        let problem = |labels: &[(&str, &str)], mounts: &[(&str, &str)]| {
            declared_by(&record(labels, mounts), None)
                .unwrap()
                .problem
                .unwrap()
        };
        let m = &[("/h", "/certs")];
        assert!(problem(&[(DIR_LABEL, "certs")], m).contains("absolute"));
        assert!(problem(&[(DIR_LABEL, "/elsewhere")], m).contains("not a mount"));
        assert!(
            problem(&[(DIR_LABEL, "/certs"), (FILES_LABEL, "../x.crt")], m)
                .contains("plain file name")
        );
        assert!(
            problem(&[(DIR_LABEL, "/certs"), (FILES_LABEL, "a,b,c")], m).contains("one or two")
        );
        for bad in ["999", "0200", "rw", ""] {
            assert!(
                problem(&[(DIR_LABEL, "/certs"), (MODE_LABEL, bad)], m).contains(MODE_LABEL),
                "{bad}"
            );
        }
        assert!(
            declared_by(&record(&[], m), None).is_none(),
            "no label, no target"
        );
    }

    #[test]
    fn a_dot_dot_label_never_leaves_its_mount() {
        let m = &[("/h/certs", "/certs")];
        for bad in ["/certs/../../etc", "/certs/..", "/certs/sub/../../x"] {
            let t = declared_by(&record(&[(DIR_LABEL, bad)], m), None).unwrap();
            let p = t.problem.unwrap();
            assert!(p.contains(DIR_LABEL) && p.contains(bad), "{p}");
            assert!(
                !t.dir.starts_with("/h"),
                "{bad}: {:?} is a host path",
                t.dir
            );
        }
        // Writing it without `..` is offered when that stays inside a mount.
        let t = declared_by(&record(&[(DIR_LABEL, "/certs/x/../site")], m), None).unwrap();
        assert!(t.problem.unwrap().contains("(here /certs/site)"));
        let t = declared_by(&record(&[(DIR_LABEL, "/certs/./site")], m), None).unwrap();
        assert_eq!(t.problem, None);
        assert_eq!(t.dir, PathBuf::from("/h/certs/site"));
        assert_eq!(t.mount, PathBuf::from("/h/certs"));
    }

    #[test]
    fn a_link_in_the_mount_that_leads_out_is_refused_naming_the_label() {
        let host = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), host.path().join("link")).unwrap();
        std::fs::create_dir(host.path().join("site")).unwrap();
        let h = host.path().display().to_string();
        let t =
            |dir: &str| declared_by(&record(&[(DIR_LABEL, dir)], &[(&h, "/certs")]), None).unwrap();
        let p = t("/certs/link").problem.unwrap();
        assert!(
            p.contains(DIR_LABEL) && p.contains("/certs/link") && p.contains("symbolic link"),
            "{p}"
        );
        let ok = t("/certs/site");
        assert_eq!(ok.problem, None);
        let w = watched(
            &[PathBuf::from("/etc/ssl/mine")],
            &[ok.clone(), t("/certs/link")],
        );
        assert_eq!(w.len(), 2, "a refused label is not watched: {w:?}");
        assert_eq!(
            (w[1].dir.clone(), w[1].root.clone(), w[1].confined),
            (ok.dir, host.path().to_owned(), true)
        );
    }

    #[test]
    fn the_mount_root_is_where_bosun_sees_it() {
        let r = record(&[(DIR_LABEL, "/certs/site")], &[("/srv/demo", "/certs")]);
        let own = [Mount {
            source: "/srv".into(),
            destination: "/host/srv".into(),
        }];
        let t = declared_by(&r, Some(&own)).unwrap();
        assert_eq!(t.mount, PathBuf::from("/host/srv/demo"));
        // bosun sees only part of the service's mount: that part is the root.
        let own = [Mount {
            source: "/srv/demo/site".into(),
            destination: "/site".into(),
        }];
        let t = declared_by(&r, Some(&own)).unwrap();
        assert_eq!(
            (t.dir.as_path(), t.mount.as_path()),
            (Path::new("/site"), Path::new("/site"))
        );
    }

    #[test]
    fn in_a_container_bosun_reaches_the_directory_through_its_own_mounts() {
        let own = [Mount {
            source: "/srv".into(),
            destination: "/host/srv".into(),
        }];
        assert_eq!(
            for_bosun(Some(&own), Path::new("/srv/demo/certs")),
            Some(PathBuf::from("/host/srv/demo/certs"))
        );
        assert_eq!(for_bosun(Some(&own), Path::new("/var/lib/x")), None);
        assert_eq!(
            for_bosun(None, Path::new("/var/lib/x")),
            Some(PathBuf::from("/var/lib/x"))
        );
        let r = record(&[(DIR_LABEL, "/certs")], &[("/var/lib/x", "/certs")]);
        assert!(
            declared_by(&r, Some(&own))
                .unwrap()
                .problem
                .unwrap()
                .contains("mount it into bosun's container")
        );
    }

    #[test]
    fn replicas_declare_one_target() {
        let a = Arc::new(record(&[(DIR_LABEL, "/certs")], &[("/h", "/certs")]));
        let mut b = (*a).clone();
        b.id = "c2".into();
        assert_eq!(declared(&[a, Arc::new(b)], None).len(), 1);
    }
}
