//! ACME: certificates from a real Pebble over HTTP-01 (bosun's own) and DNS-01 (a file, with
//! a wildcard), renewed from their stored settings; and a CA that does not answer, which
//! keeps the current certificate and says when bosun tries again.

use bosun_frontend::model::{AuditOutcome, CertKind, CertSource, Challenge, RenewReport, Urgency};
use reqwest::StatusCode;
use serde_json::json;

use crate::api::{audit, expect_json, post_json, refused};
use crate::certs::{by_id, certificates, fresh_serial, is_valid_pair, leaf, pair, port_of};
use crate::harness::{ADMIN_PASSWORD, TestServer};
use crate::pebble::Pebble;

#[tokio::test]
async fn a_failed_renewal_keeps_the_certificate_and_says_when_it_retries() {
    // An ACME directory nobody answers.
    let (_closed, port) = crate::harness::refusing_port();
    let dir = format!("https://127.0.0.1:{port}/dir");
    let hook = "/bin/true";
    let s = TestServer::start_with(&[
        "--acme-directory",
        &dir,
        "--acme-dns-hook",
        hook,
        "--admin-password",
        ADMIN_PASSWORD,
    ])
    .await;
    let admin = s.admin().await;
    let addr = format!("127.0.0.1:{}", port_of(&s));
    let before = fresh_serial(addr.clone()).await;
    let r = post_json(
        &admin,
        &s,
        "/api/v1/certificates/bosun/renew",
        json!({"source": "acme", "names": ["bosun.test"]}),
    )
    .await;
    let e = refused(r, StatusCode::BAD_GATEWAY).await;
    assert!(e.message.contains("did not answer"), "{e:?}");
    assert!(e.message.contains("current certificate stays"), "{e:?}");
    assert_eq!(fresh_serial(addr).await, before);
    let own = by_id(&certificates(&admin, &s).await, "bosun").clone();
    let managed = own.managed.as_ref().unwrap();
    assert_eq!(managed.failures, 1);
    assert!(managed.next_attempt.is_some());
    assert!(
        managed
            .last_error
            .as_deref()
            .unwrap()
            .contains("did not answer")
    );
    assert_eq!(own.urgency, Urgency::Warning);
    // The failed source is not taken as the certificate's: it is still the self-signed one,
    // and that is what bosun renews from by itself.
    assert_eq!(managed.source, CertSource::SelfSigned, "{own:#?}");
    let entries = audit(&s, &admin, "action=certificate.renew").await;
    assert_eq!(entries[0].outcome, AuditOutcome::Failed);
}

#[tokio::test]
async fn acme_certificates_from_pebble_over_http01_and_dns01() {
    let pebble = Pebble::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (c, k) = pair(&["files.bosun.test"], -1, 30);
    std::fs::write(dir.path().join("site.crt"), &c).unwrap();
    std::fs::write(dir.path().join("site.key"), &k).unwrap();
    let mut flags = pebble.flags();
    flags.extend([
        "--cert-dirs".into(),
        dir.path().display().to_string(),
        "--admin-password".into(),
        ADMIN_PASSWORD.into(),
    ]);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let s = TestServer::start_with(&flags).await;
    let admin = s.admin().await;
    let addr = format!("127.0.0.1:{}", port_of(&s));

    // bosun's own, over HTTP-01 answered by bosun: obtained, then renewed.
    let mut serials = Vec::new();
    for _ in 0..2 {
        let r = post_json(
            &admin,
            &s,
            "/api/v1/certificates/bosun/renew",
            json!({"source": "acme", "names": ["bosun.acme.test"], "challenge": "http-01"}),
        )
        .await;
        let report: RenewReport = expect_json(r, StatusCode::OK).await;
        assert_eq!(fresh_serial(addr.clone()).await, report.serial);
        serials.push(report.serial);
    }
    assert_ne!(serials[0], serials[1], "renewed: a new certificate");
    let own = by_id(&certificates(&admin, &s).await, "bosun").clone();
    let managed = own.managed.as_ref().unwrap();
    assert_eq!(managed.source, CertSource::Acme);
    assert_eq!(managed.challenge, Some(Challenge::Http01));
    assert_eq!(own.sans, ["bosun.acme.test"]);
    assert!(own.issuer.contains("Pebble"), "{}", own.issuer);
    assert!(own.chain.valid, "{:?}", own.chain);

    // A file over DNS-01 through the hook; a wildcard needs DNS-01 too.
    let site = dir.path().join("site.crt").display().to_string();
    let file = certificates(&admin, &s)
        .await
        .into_iter()
        .find(|c| c.kind == CertKind::File && c.title == site)
        .unwrap();
    let id = file.id.as_str();
    let r = post_json(&admin, &s, &format!("/api/v1/certificates/{id}/renew"), json!({"source": "acme", "challenge": "dns-01", "names": ["files.bosun.test", "*.files.bosun.test"]})).await;
    let report: RenewReport = expect_json(r, StatusCode::OK).await;
    let written = std::fs::read_to_string(dir.path().join("site.crt")).unwrap();
    let facts = leaf(&written);
    assert_eq!(facts.serial, report.serial);
    assert!(facts.issuer.contains("Pebble"));
    assert!(facts.sans.contains(&"*.files.bosun.test".to_owned()));
    let key = std::fs::read_to_string(dir.path().join("site.key")).unwrap();
    assert!(is_valid_pair(&written, &key));
    let r = post_json(
        &admin,
        &s,
        &format!("/api/v1/certificates/{id}/renew"),
        json!({"source": "acme", "challenge": "http-01", "names": ["*.files.bosun.test"]}),
    )
    .await;
    let e = refused(r, StatusCode::BAD_REQUEST).await;
    assert_eq!(e.field.as_deref(), Some("challenge"));

    // "Renew now" with nothing asked renews as before: DNS-01 again, same names, a new serial.
    let r = post_json(
        &admin,
        &s,
        &format!("/api/v1/certificates/{id}/renew"),
        json!({}),
    )
    .await;
    let again: RenewReport = expect_json(r, StatusCode::OK).await;
    assert_ne!(again.serial, report.serial, "renewed over DNS-01");
    assert_eq!(again.names, ["files.bosun.test", "*.files.bosun.test"]);
    let managed = by_id(&certificates(&admin, &s).await, id)
        .managed
        .clone()
        .unwrap();
    assert_eq!(managed.challenge, Some(Challenge::Dns01), "{managed:?}");

    // ACME switched off since: the renewal from the stored settings fails, and that is a
    // failure of this certificate (on the page, with back-off), not just a refused request.
    drop(admin);
    let data = s.stop().await;
    let dirs = dir.path().display().to_string();
    // Plain HTTP this time: bosun's own certificate is Pebble's now, which the test's clients
    // do not trust, and it plays no part here.
    let s = TestServer::start_in(
        data,
        &[
            "--tls",
            "off",
            "--cert-dirs",
            &dirs,
            "--admin-password",
            ADMIN_PASSWORD,
        ],
    )
    .await;
    let admin = s.admin().await;
    let r = post_json(
        &admin,
        &s,
        &format!("/api/v1/certificates/{id}/renew"),
        json!({}),
    )
    .await;
    let e = refused(r, StatusCode::BAD_REQUEST).await;
    assert!(e.message.contains("ACME is not configured"), "{e:?}");
    let managed = by_id(&certificates(&admin, &s).await, id)
        .managed
        .clone()
        .unwrap();
    assert_eq!(managed.failures, 1, "{managed:?}");
    assert!(managed.next_attempt.is_some(), "{managed:?}");
    assert!(
        managed
            .last_error
            .as_deref()
            .unwrap()
            .contains("ACME is not configured"),
        "{managed:?}"
    );
    // Asking for ACME outright is the asker's mistake: refused, and the count stays.
    let r = post_json(
        &admin,
        &s,
        &format!("/api/v1/certificates/{id}/renew"),
        json!({"source": "acme"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let managed = by_id(&certificates(&admin, &s).await, id)
        .managed
        .clone()
        .unwrap();
    assert_eq!(managed.failures, 1, "{managed:?}");
    // The certificate on disk is still the one DNS-01 gave: neither refusal touched it.
    let on_disk = std::fs::read_to_string(dir.path().join("site.crt")).unwrap();
    assert_eq!(leaf(&on_disk).serial, again.serial);
}
