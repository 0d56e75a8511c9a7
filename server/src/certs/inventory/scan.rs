//! Certificate files in the watched directories: finding them and pairing each with its key.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use super::confine::{Watched, inside};
use crate::certs::inspect;

const MAX_FILE: u64 = 1024 * 1024;
pub(super) const MAX_FILES: usize = 1000;
pub(super) const MAX_DEPTH: usize = 3;

/// One certificate file and what was found beside it.
#[derive(Clone, Debug)]
pub struct CertFile {
    pub path: PathBuf,
    /// The chain, or why it could not be read.
    pub chain: Result<Vec<CertificateDer<'static>>, String>,
    pub key: KeyFound,
    /// The permission bits, kept when bosun replaces the file (the owner is never taken from
    /// a file in the directory: see `crate::fsx::Owner`).
    pub mode: u32,
}

#[derive(Clone, Debug)]
pub enum KeyFound {
    /// The certificate file holds its key too (e.g. for HAProxy).
    SameFile,
    /// A key file in the same directory belongs to the certificate.
    Matching(PathBuf),
    /// The likeliest key file by name, which does not belong to the certificate.
    Mismatched(PathBuf),
    Unreadable(PathBuf, String),
    /// A CA certificate: it needs no key here.
    NotNeeded,
    None,
}

impl KeyFound {
    pub fn path(&self) -> Option<&Path> {
        match self {
            KeyFound::Matching(p) | KeyFound::Mismatched(p) | KeyFound::Unreadable(p, _) => Some(p),
            _ => None,
        }
    }
}

/// The resolved root listing `w` must stay in, if it is confined (a directory named by label);
/// `Err` when that root cannot be resolved (then nothing in it is listed).
pub(super) fn limit(w: &Watched) -> Result<Option<PathBuf>, ()> {
    if !w.confined {
        return Ok(None);
    }
    std::fs::canonicalize(&w.root).map(Some).map_err(|_| ())
}

/// Every certificate file under the watched directories (a few levels deep), sorted by path.
/// Links are followed, but never out of a directory named by label's mount.
pub fn scan(watched: &[Watched]) -> Vec<CertFile> {
    let mut texts: BTreeMap<PathBuf, Result<Vec<u8>, String>> = BTreeMap::new();
    for w in watched {
        if let Ok(root) = limit(w)
            && inside(root.as_deref(), &w.dir)
        {
            walk(&w.dir, 0, root.as_deref(), &mut texts);
        }
    }
    let keys: Vec<(PathBuf, Result<PrivateKeyDer<'static>, String>)> = texts
        .iter()
        .filter_map(|(p, t)| match t {
            Ok(t) if inspect::has_key(t) && !inspect::has_certificate(t) => {
                Some((p.clone(), inspect::key_from_pem(t)))
            }
            Err(e) if looks_like_key(p) => Some((p.clone(), Err(e.clone()))),
            _ => None,
        })
        .collect();
    texts
        .iter()
        .filter_map(|(path, text)| {
            let text = match text {
                Ok(t) if inspect::has_certificate(t) => t,
                Ok(_) => return None,
                Err(e) if looks_like_cert(path) => {
                    return Some(file(path, Err(e.clone()), KeyFound::None));
                }
                Err(_) => return None,
            };
            let chain = inspect::chain_from_pem(text);
            let key = match &chain {
                Ok(chain) => pair(path, text, chain, &keys),
                Err(_) => KeyFound::None,
            };
            Some(file(path, chain, key))
        })
        .take(MAX_FILES)
        .collect()
}

fn file(
    path: &Path,
    chain: Result<Vec<CertificateDer<'static>>, String>,
    key: KeyFound,
) -> CertFile {
    let meta = std::fs::metadata(path).ok();
    CertFile {
        path: path.to_owned(),
        chain,
        key,
        mode: meta.map(|m| m.mode() & 0o777).unwrap_or(0o644),
    }
}

fn walk(
    dir: &Path,
    depth: usize,
    root: Option<&Path>,
    out: &mut BTreeMap<PathBuf, Result<Vec<u8>, String>>,
) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        if out.len() >= MAX_FILES * 2 {
            return;
        }
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || crate::fsx::is_companion(&e.file_name()) || !inside(root, &path)
        {
            continue;
        }
        // Follows symlinks (Let's Encrypt's live/ links into archive/), stats the target.
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            if depth < MAX_DEPTH {
                walk(&path, depth + 1, root, out);
            }
        } else if meta.is_file() && meta.len() <= MAX_FILE {
            let text = std::fs::read(&path).map_err(|e| {
                format!(
                    "bosun cannot read {} ({e}). Give the user bosun runs as read access.",
                    path.display()
                )
            });
            out.insert(path, text);
        }
    }
}

fn ext(p: &Path) -> String {
    p.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

fn looks_like_cert(p: &Path) -> bool {
    matches!(ext(p).as_str(), "crt" | "cer" | "pem")
        && !p.to_string_lossy().to_ascii_lowercase().contains("key")
}

fn looks_like_key(p: &Path) -> bool {
    ext(p) == "key" || p.to_string_lossy().to_ascii_lowercase().contains("key")
}

/// Key file names that usually go with a certificate file, likeliest first.
fn partner_names(cert: &Path) -> Vec<String> {
    let name = cert
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = cert
        .file_stem()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut v = vec![
        format!("{stem}.key"),
        format!("{stem}.key.pem"),
        format!("{stem}-key.pem"),
        name.replace("cert", "key"),
        name.replace("crt", "key"),
        stem.replace("cert", "key").replace("crt", "key") + ".pem",
    ];
    if matches!(name.as_str(), "fullchain.pem" | "cert.pem" | "chain.pem") {
        v.insert(0, "privkey.pem".into());
    }
    v.retain(|n| *n != name);
    v.dedup();
    v
}

fn pair(
    cert: &Path,
    text: &[u8],
    chain: &[CertificateDer<'static>],
    keys: &[(PathBuf, Result<PrivateKeyDer<'static>, String>)],
) -> KeyFound {
    let leaf = &chain[0];
    if inspect::facts(leaf).is_ok_and(|f| !f.is_server()) {
        return KeyFound::NotNeeded;
    }
    if inspect::has_key(text) {
        return match inspect::key_from_pem(text) {
            Ok(k) if inspect::key_matches(leaf, k.clone_key()) => KeyFound::SameFile,
            _ => KeyFound::Mismatched(cert.to_owned()),
        };
    }
    let dir = cert.parent().unwrap_or(Path::new("/"));
    let same_dir: Vec<&(PathBuf, Result<PrivateKeyDer<'static>, String>)> = keys
        .iter()
        .filter(|(p, _)| p.parent() == Some(dir))
        .collect();
    // A matching key wins wherever it is in the directory.
    for (p, k) in &same_dir {
        if let Ok(k) = k
            && inspect::key_matches(leaf, k.clone_key())
        {
            return KeyFound::Matching(p.clone());
        }
    }
    let likeliest = partner_names(cert).into_iter().find_map(|n| {
        same_dir
            .iter()
            .find(|(p, _)| p.file_name().is_some_and(|f| *f == *n))
    });
    match likeliest {
        Some((p, Err(e))) => KeyFound::Unreadable(p.clone(), e.clone()),
        Some((p, Ok(_))) => KeyFound::Mismatched(p.clone()),
        None => KeyFound::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fsx::replace_pair;
    use rcgen::{CertificateParams, KeyPair};
    use std::os::unix::fs::symlink;

    /// A directory an admin configured.
    fn scan_dir(d: &Path) -> Vec<CertFile> {
        scan(&super::super::targets::watched(&[d.to_owned()], &[]))
    }

    fn pair_pem(name: &str) -> (String, String) {
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(vec![name.into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        (cert.pem(), key.serialize_pem())
    }

    #[test]
    fn finds_certificates_and_pairs_each_with_its_own_key() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let (c1, k1) = pair_pem("one.lan");
        let (c2, k2) = pair_pem("two.lan");
        let (c3, _) = pair_pem("three.lan");
        let (_, k4) = pair_pem("four.lan");
        std::fs::write(d.join("server.crt"), &c1).unwrap();
        std::fs::write(d.join("server.key"), &k1).unwrap();
        // The key is named for another file: found by matching, not by name.
        std::fs::write(d.join("portal-cert.pem"), &c2).unwrap();
        std::fs::write(d.join("other.key"), &k2).unwrap();
        // A wrong key under the likeliest name.
        std::fs::create_dir(d.join("sub")).unwrap();
        std::fs::write(d.join("sub/three.crt"), &c3).unwrap();
        std::fs::write(d.join("sub/three.key"), &k4).unwrap();
        // A combined file, garbage, and bosun's own temp files.
        std::fs::write(d.join("combined.pem"), format!("{c2}{k2}")).unwrap();
        std::fs::write(
            d.join("broken.crt"),
            "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        std::fs::write(d.join(".server.crt.bosun-previous"), &c1).unwrap();
        std::fs::write(d.join("notes.txt"), "hello").unwrap();

        let found = scan_dir(d);
        let by = |n: &str| found.iter().find(|f| f.path.ends_with(n)).unwrap();
        assert_eq!(
            found.len(),
            5,
            "{:?}",
            found.iter().map(|f| &f.path).collect::<Vec<_>>()
        );
        assert!(
            matches!(&by("server.crt").key, KeyFound::Matching(p) if p.ends_with("server.key"))
        );
        assert!(
            matches!(&by("portal-cert.pem").key, KeyFound::Matching(p) if p.ends_with("other.key"))
        );
        assert!(
            matches!(&by("three.crt").key, KeyFound::Mismatched(p) if p.ends_with("three.key"))
        );
        assert!(matches!(by("combined.pem").key, KeyFound::SameFile));
        assert!(by("broken.crt").chain.is_err());
    }

    #[test]
    fn a_directory_named_by_label_is_listed_without_leaving_its_mount() {
        let mount = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let (m, o) = (mount.path(), outside.path());
        let (c, k) = pair_pem("in.lan");
        std::fs::create_dir(m.join("certs")).unwrap();
        std::fs::write(m.join("certs/in.crt"), &c).unwrap();
        std::fs::write(m.join("certs/in.key"), &k).unwrap();
        let (c, k) = pair_pem("out.lan");
        std::fs::write(o.join("out.crt"), &c).unwrap();
        std::fs::write(o.join("out.key"), &k).unwrap();
        // Links out of the mount: a directory, a certificate and a key beside the real one.
        symlink(o, m.join("certs/away")).unwrap();
        symlink(o.join("out.crt"), m.join("certs/linked.crt")).unwrap();
        symlink(o.join("out.key"), m.join("certs/linked.key")).unwrap();
        let w = |confined| Watched {
            dir: m.join("certs"),
            root: m.to_owned(),
            confined,
        };
        let listed = |confined| -> Vec<PathBuf> {
            scan(&[w(confined)]).into_iter().map(|f| f.path).collect()
        };
        assert_eq!(listed(true), [m.join("certs/in.crt")]);
        // A directory an admin configured is followed wherever its links lead.
        assert_eq!(listed(false).len(), 3, "{:?}", listed(false));
        // A labelled directory that is itself a link out lists nothing.
        let away = Watched {
            dir: m.join("certs/away"),
            ..w(true)
        };
        assert!(scan(&[away]).is_empty());
    }

    #[test]
    fn a_hand_made_openssl_style_certificate_is_a_servers_not_a_cas() {
        // `openssl req -x509` marks it CA:TRUE; it still names a host and needs its key.
        let dir = tempfile::tempdir().unwrap();
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(vec!["proxy.demo".into()]).unwrap();
        p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        std::fs::write(
            dir.path().join("server.crt"),
            p.self_signed(&key).unwrap().pem(),
        )
        .unwrap();
        std::fs::write(dir.path().join("server.key"), key.serialize_pem()).unwrap();
        // A real root (no names) needs no key.
        let root_key = KeyPair::generate().unwrap();
        let mut root = CertificateParams::new(Vec::<String>::new()).unwrap();
        root.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        std::fs::write(
            dir.path().join("ca.crt"),
            root.self_signed(&root_key).unwrap().pem(),
        )
        .unwrap();
        let found = scan_dir(dir.path());
        let by = |n: &str| found.iter().find(|f| f.path.ends_with(n)).unwrap();
        assert!(matches!(&by("server.crt").key, KeyFound::Matching(_)));
        assert!(matches!(&by("ca.crt").key, KeyFound::NotNeeded));
    }

    #[test]
    fn replacing_a_pair_keeps_the_old_one_and_the_mode() {
        let dir = tempfile::tempdir().unwrap();
        let (c1, k1) = pair_pem("one.lan");
        let (c2, k2) = pair_pem("one.lan");
        let cert = dir.path().join("server.crt");
        let key = dir.path().join("server.key");
        std::fs::write(&cert, &c1).unwrap();
        std::fs::write(&key, &k1).unwrap();
        replace_pair(
            &cert,
            &key,
            c2.as_bytes(),
            k2.as_bytes(),
            0o644,
            0o600,
            None,
        )
        .unwrap();
        assert_eq!(std::fs::read_to_string(&cert).unwrap(), c2);
        assert_eq!(std::fs::read_to_string(&key).unwrap(), k2);
        assert_eq!(
            std::fs::read_to_string(dir.path().join(".server.crt.bosun-previous")).unwrap(),
            c1
        );
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
        // No temp files are left, and the scan still sees one certificate.
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!names.iter().any(|n| n.ends_with("bosun-new")), "{names:?}");
        assert!(!names.iter().any(|n| n.contains("bosun-new")), "{names:?}");
        assert_eq!(scan_dir(dir.path()).len(), 1);
    }
}
