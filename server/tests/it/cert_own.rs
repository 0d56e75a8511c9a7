//! bosun's own HTTPS certificate: swapped while a connection stays open and kept across
//! restarts, renewed by itself once due, and uploads checked so a bad one changes nothing.

use std::time::Duration;

use bosun_frontend::model::{AuditOutcome, CertSource, RenewReport};
use reqwest::StatusCode;
use serde_json::json;

use crate::api::{audit, expect_json, post_json, refused, status_of};
use crate::certs::{by_id, certificates, fresh_serial, held, leaf, pair, port_of};
use crate::harness::{ADMIN_PASSWORD, TestServer};

#[tokio::test]
async fn bosun_own_certificate_is_renewed_live_and_kept_across_restarts() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let addr = format!("127.0.0.1:{}", port_of(&s));
    let mut open = held(addr.clone()).await;
    let before = open.serial();

    let own = by_id(&certificates(&admin, &s).await, "bosun").clone();
    assert_eq!(own.serial, before);
    assert_eq!(
        own.managed.as_ref().map(|m| m.source),
        Some(CertSource::SelfSigned)
    );
    assert!(!own.chain.valid, "self-signed is not trusted");
    assert_eq!(own.key.as_ref().map(|k| k.matches), Some(true));

    let r = post_json(
        &admin,
        &s,
        "/api/v1/certificates/bosun/renew",
        json!({"source": "internal-ca"}),
    )
    .await;
    let report: RenewReport = expect_json(r, StatusCode::OK).await;
    let after = report.serial.clone();
    assert_ne!(after, before);
    assert_eq!(report.source, CertSource::InternalCa);

    // New handshakes get the new certificate; the open connection carries on with the old.
    assert_eq!(fresh_serial(addr.clone()).await, after);
    let (body, still) = tokio::task::spawn_blocking(move || (open.get("/healthz"), open.serial()))
        .await
        .unwrap();
    assert_eq!(body, "ok");
    assert_eq!(still, before);

    // Issued by the internal CA, whose root a client can download and then trust.
    let ca = s
        .admin()
        .await
        .get(s.url("/api/v1/ca.pem"))
        .send()
        .await
        .unwrap();
    assert_eq!(ca.status(), StatusCode::OK);
    assert!(
        ca.headers()[reqwest::header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("bosun-ca.pem")
    );
    let ca_pem = ca.text().await.unwrap();
    let strict = reqwest::Client::builder()
        .use_preconfigured_tls(crate::harness::trusting_pem(&ca_pem))
        .build()
        .unwrap();
    let r = strict
        .get(format!("https://localhost:{}/healthz", port_of(&s)))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "a client trusting only the CA connects by name"
    );
    let own = by_id(&certificates(&admin, &s).await, "bosun").clone();
    assert!(own.chain.valid, "{:?}", own.chain);
    assert_eq!(
        own.managed.as_ref().map(|m| m.source),
        Some(CertSource::InternalCa)
    );

    let entries = audit(&s, &admin, "action=certificate.renew").await;
    assert_eq!(entries[0].outcome, AuditOutcome::Ok);
    assert_eq!(entries[0].actor, "admin");
    assert!(entries[0].detail.as_deref().unwrap().contains(&after));

    // A restart serves the same CA-issued certificate, not a new self-signed one.
    let data = s.stop().await;
    let s = TestServer::start_in(data, &["--admin-password", ADMIN_PASSWORD]).await;
    assert_eq!(
        fresh_serial(format!("127.0.0.1:{}", port_of(&s))).await,
        after
    );
}

#[tokio::test]
async fn bosun_renews_its_own_certificate_by_itself_once_it_is_due() {
    // A self-signed certificate 88% through its life, for the names bosun wants.
    let data = tempfile::tempdir().unwrap();
    let tls = data.path().join("tls");
    std::fs::create_dir_all(&tls).unwrap();
    let host = hostname::get().unwrap().into_string().unwrap();
    let (cert, key) = pair(&["localhost", "127.0.0.1", "::1", &host], -300, 40);
    std::fs::write(tls.join("bosun.crt"), &cert).unwrap();
    std::fs::write(tls.join("bosun.key"), &key).unwrap();
    let old = leaf(&cert).serial;
    let s = TestServer::start_in(data, &["--admin-password", ADMIN_PASSWORD]).await;
    let addr = format!("127.0.0.1:{}", port_of(&s));
    assert_eq!(fresh_serial(addr.clone()).await, old, "kept at start-up");
    let mut renewed = None;
    for _ in 0..60 {
        let now = fresh_serial(addr.clone()).await;
        if now != old {
            renewed = Some(now);
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let renewed = renewed.expect("bosun did not renew its due certificate within 15 s");
    let admin = s.admin().await;
    let entries = audit(&s, &admin, "action=certificate.renew").await;
    assert_eq!(entries[0].actor, "renewal");
    assert_eq!(entries[0].outcome, AuditOutcome::Ok);
    assert!(entries[0].detail.as_deref().unwrap().contains(&renewed));
    let own = by_id(&certificates(&admin, &s).await, "bosun").clone();
    assert!(own.lifetime_used < 0.05);
}

#[tokio::test]
async fn uploads_are_checked_and_a_bad_one_changes_nothing() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let addr = format!("127.0.0.1:{}", port_of(&s));
    let before = fresh_serial(addr.clone()).await;
    let (good_cert, good_key) = pair(&["localhost", "127.0.0.1"], -1, 60);
    let (_, other_key) = pair(&["localhost"], -1, 60);
    let (expired, expired_key) = pair(&["localhost"], -60, -1);
    let (future, future_key) = pair(&["localhost"], 3, 60);
    let upload =
        |cert: &str, key: &str| json!({"target": "bosun", "cert_pem": cert, "key_pem": key});
    for (body, field, needle) in [
        (
            upload(&good_cert, &other_key),
            "key_pem",
            "does not belong to this certificate",
        ),
        (upload(&expired, &expired_key), "cert_pem", "expired on"),
        (upload(&future, &future_key), "cert_pem", "not valid yet"),
        (
            upload("hello, not a certificate", &good_key),
            "cert_pem",
            "No certificate found",
        ),
        (
            upload(
                &good_cert,
                "-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n",
            ),
            "key_pem",
            "private key",
        ),
        (
            json!({"target": "file-zz", "cert_pem": good_cert, "key_pem": good_key}),
            "target",
            "not a certificate id",
        ),
    ] {
        let r = post_json(&admin, &s, "/api/v1/certificates", body).await;
        let e = refused(r, StatusCode::BAD_REQUEST).await;
        assert_eq!(e.field.as_deref(), Some(field), "{e:?}");
        assert!(e.message.contains(needle), "{e:?}");
        assert_eq!(
            fresh_serial(addr.clone()).await,
            before,
            "the current certificate is untouched"
        );
    }
    let failed = audit(&s, &admin, "action=certificate.upload").await;
    assert_eq!(failed.len(), 6);
    assert!(failed.iter().all(|e| e.outcome == AuditOutcome::Failed));

    // Roles: viewers and operators may look, not change.
    let operator = s.user(&admin, "op", "operator").await;
    let viewer = s.user(&admin, "vi", "viewer").await;
    for c in [&operator, &viewer] {
        assert_eq!(
            status_of(c, &s, "/api/v1/certificates").await,
            StatusCode::OK
        );
        let r = post_json(c, &s, "/api/v1/certificates", upload(&good_cert, &good_key)).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = post_json(c, &s, "/api/v1/certificates/bosun/renew", json!({})).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(fresh_serial(addr.clone()).await, before);

    let r = post_json(
        &admin,
        &s,
        "/api/v1/certificates",
        upload(&good_cert, &good_key),
    )
    .await;
    let report: RenewReport = expect_json(r, StatusCode::OK).await;
    assert_eq!(report.source, CertSource::Upload);
    assert_eq!(fresh_serial(addr).await, report.serial);
    let own = by_id(&certificates(&admin, &s).await, "bosun").clone();
    let managed = own.managed.as_ref().unwrap();
    assert_eq!(managed.source, CertSource::Upload);
    assert!(
        managed.renew_after.is_none(),
        "an upload is not renewed by bosun"
    );
}
