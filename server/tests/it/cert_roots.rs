//! CA root certificates lying in a watched directory: one counts as valid only when bosun
//! trusts it (its own internal CA's root does), not merely because it signed itself.

use std::time::Duration;

use bosun_frontend::model::{CertDto, CertSource};

use crate::certs::{certificates, titled};
use crate::harness::{ADMIN_PASSWORD, TestServer};

fn foreign_root() -> String {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(rcgen::DnType::CommonName, "Somebody's root");
    p.distinguished_name = dn;
    p.self_signed(&key).unwrap().pem()
}

#[tokio::test]
async fn a_root_in_a_watched_directory_is_valid_only_when_bosun_trusts_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("foreign-root.crt"), foreign_root()).unwrap();
    let dirs = dir.path().display().to_string();
    let s =
        TestServer::start_with(&["--cert-dirs", &dirs, "--admin-password", ADMIN_PASSWORD]).await;
    // bosun's internal CA is made at start; its root, copied beside the other one.
    std::fs::copy(
        s.data.path().join("ca").join("ca.crt"),
        dir.path().join("bosun-root.crt"),
    )
    .unwrap();
    let admin = s.admin().await;
    let find = |certs: &[CertDto], name: &str| {
        titled(certs, &dir.path().join(name).display().to_string()).cloned()
    };
    let mut certs = Vec::new();
    for _ in 0..40 {
        certs = certificates(&admin, &s).await;
        if find(&certs, "bosun-root.crt").is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let ours = find(&certs, "bosun-root.crt").expect("the copied root is listed");
    assert!(ours.chain.valid, "{ours:#?}");
    assert!(ours.chain.message.contains("bosun trusts"));
    let theirs = find(&certs, "foreign-root.crt").expect("the foreign root is listed");
    assert!(!theirs.chain.valid, "{theirs:#?}");
    assert!(
        theirs.chain.message.contains("does not trust"),
        "{theirs:#?}"
    );
    // A root needs no key beside it, and is not offered for renewal.
    assert!(theirs.key.is_none(), "{theirs:#?}");
    assert_eq!(
        theirs.renew_sources,
        Vec::<CertSource>::new(),
        "{theirs:#?}"
    );
}
