//! CA root certificates lying in a watched directory: one counts as valid only when bosun
//! trusts it (its own internal CA's root does), not merely because it signed itself.

use std::time::Duration;

use serde_json::Value;

use crate::cert_targets::titled;
use crate::certs::certificates;
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
    let find = |certs: &[Value], name: &str| {
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
    assert_eq!(ours["chain"]["valid"], true, "{ours:#}");
    assert!(
        ours["chain"]["message"]
            .as_str()
            .unwrap()
            .contains("bosun trusts")
    );
    let theirs = find(&certs, "foreign-root.crt").expect("the foreign root is listed");
    assert_eq!(theirs["chain"]["valid"], false, "{theirs:#}");
    assert!(
        theirs["chain"]["message"]
            .as_str()
            .unwrap()
            .contains("does not trust"),
        "{theirs:#}"
    );
    // A root needs no key beside it, and is not offered for renewal.
    assert!(theirs["key"].is_null(), "{theirs:#}");
    assert_eq!(theirs["renew_sources"], serde_json::json!([]), "{theirs:#}");
}
