//! Stable ids of the certificates bosun lists (`file-…`, `svc-…`), from what they are (a
//! path, a service's target, a container's port), so they survive restarts; and the clock.

use bosun_frontend::model::{CertId, CertKind};
use sha2::{Digest, Sha256};

use super::probe::Probed;
use super::targets::Target;

pub fn now_secs() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

pub fn file_id(path: &std::path::Path) -> CertId {
    let digest = hex::encode(Sha256::digest(path.to_string_lossy().as_bytes()));
    CertId::from_parts(CertKind::File, &digest)
}

/// A usable target is its certificate file; one bosun cannot use is that service's own entry
/// (two services may name the same path inside unrelated containers).
pub fn target_id(t: &Target) -> CertId {
    if t.problem.is_some() {
        let key = format!("{}:{}", t.service, t.cert.display());
        file_id(std::path::Path::new(&key))
    } else {
        file_id(&t.cert)
    }
}

pub fn served_id(p: &Probed) -> CertId {
    let digest = hex::encode(Sha256::digest(
        format!("{}:{}", p.target.container, p.target.port).as_bytes(),
    ));
    CertId::from_parts(CertKind::Served, &digest)
}
