//! The certificate bosun makes for itself at first start (and remakes when it expires
//! within a month or lacks a configured name). Kept in `<data>/tls/`.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair};
use rustls::sign::CertifiedKey;

use super::{TlsError, facts, load_pem_files};
use crate::fsx::write_atomic;

const VALID_DAYS: i64 = 397;
const RENEW_WITHIN_DAYS: i64 = 30;

pub struct Paths {
    pub cert: PathBuf,
    pub key: PathBuf,
}

pub fn paths(data_dir: &Path) -> Paths {
    let dir = data_dir.join("tls");
    Paths {
        cert: dir.join("bosun.crt"),
        key: dir.join("bosun.key"),
    }
}

/// localhost, loopback, this host's name, and whatever the operator configured.
pub fn wanted_names(extra: &[String], public_host: Option<&str>) -> Vec<String> {
    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    if let Some(h) = hostname::get().ok().and_then(|h| h.into_string().ok()) {
        names.push(h);
    }
    names.extend(extra.iter().map(|s| s.trim().to_owned()));
    names.extend(public_host.map(str::to_owned));
    let mut seen = Vec::new();
    for n in names {
        let n = normalise(&n);
        if !n.is_empty() && !seen.contains(&n) {
            seen.push(n);
        }
    }
    seen
}

fn normalise(name: &str) -> String {
    let n = name
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    n.parse::<IpAddr>().map(|ip| ip.to_string()).unwrap_or(n)
}

/// Reuses the stored certificate when it is still good for the wanted names; otherwise makes a new one.
pub fn load_or_create(data_dir: &Path, names: &[String]) -> Result<CertifiedKey, TlsError> {
    let p = paths(data_dir);
    if p.cert.exists() && p.key.exists() {
        match load_pem_files(&p.cert, &p.key) {
            Ok(ck) if still_fits(&ck, names) => return Ok(ck),
            Ok(_) => tracing::info!(
                "the stored certificate expires soon or lacks a configured name; making a new one"
            ),
            Err(e) => {
                tracing::warn!(error = %e, "the stored certificate is unusable; making a new one")
            }
        }
    }
    create(&p, names)
}

fn still_fits(ck: &CertifiedKey, names: &[String]) -> bool {
    let Some(f) = ck.cert.first().and_then(|c| facts(c).ok()) else {
        return false;
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let have: Vec<String> = f.names.iter().map(|n| normalise(n)).collect();
    f.not_after - now > RENEW_WITHIN_DAYS * 86_400 && names.iter().all(|n| have.contains(n))
}

/// A new self-signed certificate for `names`, in PEM: (certificate, key).
pub fn make(names: &[String]) -> Result<(String, String), TlsError> {
    let gen_err = |e: rcgen::Error| TlsError::Generate(e.to_string());
    let key = KeyPair::generate().map_err(gen_err)?;
    let mut params = CertificateParams::new(names.to_vec()).map_err(gen_err)?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "bosun");
    dn.push(DnType::OrganizationName, "bosun (self-signed)");
    params.distinguished_name = dn;
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::hours(1);
    params.not_after = now + time::Duration::days(VALID_DAYS);
    let cert = params.self_signed(&key).map_err(gen_err)?;
    Ok((cert.pem(), key.serialize_pem()))
}

fn create(p: &Paths, names: &[String]) -> Result<CertifiedKey, TlsError> {
    let (cert, key) = make(names)?;
    if let Some(dir) = p.cert.parent() {
        std::fs::create_dir_all(dir).map_err(|source| TlsError::Write {
            path: dir.display().to_string(),
            source,
        })?;
    }
    let write = |path: &Path, bytes: &[u8], mode| {
        write_atomic(path, bytes, mode, None).map_err(|e| TlsError::Write {
            path: path.display().to_string(),
            source: std::io::Error::other(e),
        })
    };
    write(&p.key, key.as_bytes(), 0o600)?;
    write(&p.cert, cert.as_bytes(), 0o644)?;
    tracing::info!(names = ?names, path = %p.cert.display(), "made a self-signed certificate");
    load_pem_files(&p.cert, &p.key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_start_creates_and_later_starts_reuse() {
        let dir = tempfile::tempdir().unwrap();
        let names = wanted_names(&["bosun.lan".into(), "10.1.2.3".into()], None);
        let a = load_or_create(dir.path(), &names).unwrap();
        let b = load_or_create(dir.path(), &names).unwrap();
        assert_eq!(a.cert[0].as_ref(), b.cert[0].as_ref(), "reused, not remade");
        let f = facts(&a.cert[0]).unwrap();
        for n in ["localhost", "127.0.0.1", "bosun.lan", "10.1.2.3"] {
            assert!(
                f.names.iter().any(|x| x == n),
                "{n} missing from {:?}",
                f.names
            );
        }
        let mode = std::fs::metadata(paths(dir.path()).key)
            .unwrap()
            .permissions();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(mode.mode() & 0o777, 0o600);
    }

    #[test]
    fn a_new_name_makes_a_new_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let a = load_or_create(dir.path(), &wanted_names(&[], None)).unwrap();
        let b = load_or_create(dir.path(), &wanted_names(&["new.lan".into()], None)).unwrap();
        assert_ne!(a.cert[0].as_ref(), b.cert[0].as_ref());
    }

    #[test]
    fn the_resolver_refuses_a_mismatched_key() {
        let d1 = tempfile::tempdir().unwrap();
        let d2 = tempfile::tempdir().unwrap();
        let a = load_or_create(d1.path(), &wanted_names(&[], None)).unwrap();
        let b = load_or_create(d2.path(), &wanted_names(&[], None)).unwrap();
        let resolver = super::super::CertResolver::new(a.clone());
        let franken = CertifiedKey::new(b.cert.clone(), a.key.clone());
        assert!(resolver.replace(franken).is_err());
        assert_eq!(
            resolver.current().cert[0].as_ref(),
            a.cert[0].as_ref(),
            "old cert kept"
        );
        resolver.replace(b.clone()).unwrap();
        assert_eq!(resolver.current().cert[0].as_ref(), b.cert[0].as_ref());
    }
}
