use std::sync::Arc;

use reqwest::StatusCode;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use crate::api::status_of;
use crate::harness::{TestServer, trusting};

#[tokio::test]
async fn https_by_default_with_a_certificate_for_localhost() {
    let s = TestServer::start().await;
    assert!(s.base.starts_with("https://"));
    let r = s.script().get(s.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap(), "ok", "no details without auth");

    // A strict client that checks the name `localhost` against the certificate.
    let port = s.base.rsplit(':').next().unwrap();
    let strict = reqwest::Client::builder()
        .use_preconfigured_tls(trusting(&s.cert_path()))
        .build()
        .unwrap();
    let r = strict
        .get(format!("https://localhost:{port}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // Plain HTTP to the HTTPS port gets no page.
    let plain = s
        .script()
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .send()
        .await;
    assert!(plain.map(|r| !r.status().is_success()).unwrap_or(true));
}

#[tokio::test]
async fn the_certificate_is_reused_across_restarts() {
    let s = TestServer::start().await;
    let first = std::fs::read(s.cert_path()).unwrap();
    let data = s.stop().await;
    let s = TestServer::start_in(data, &["--admin-password", crate::harness::ADMIN_PASSWORD]).await;
    assert_eq!(first, std::fs::read(s.cert_path()).unwrap());
    // And the server presents exactly that certificate.
    let port: u16 = s.base.rsplit(':').next().unwrap().parse().unwrap();
    let config = Arc::new(trusting(&s.cert_path()));
    let presented = tokio::task::spawn_blocking(move || {
        let mut conn =
            rustls::ClientConnection::new(config, "localhost".try_into().unwrap()).unwrap();
        let mut sock = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        while conn.is_handshaking() {
            conn.complete_io(&mut sock).unwrap();
        }
        conn.peer_certificates().unwrap()[0].clone().into_owned()
    })
    .await
    .unwrap();
    let stored = CertificateDer::pem_file_iter(s.cert_path())
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(presented.as_ref(), stored.as_ref());
}

#[tokio::test]
async fn plain_http_only_when_asked() {
    let s = TestServer::start_with(&[
        "--tls",
        "off",
        "--admin-password",
        crate::harness::ADMIN_PASSWORD,
    ])
    .await;
    assert!(s.base.starts_with("http://"));
    let r = s.script().get(s.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Without a public https:// URL the cookie can't be Secure, or plain-HTTP sign-in would break.
    let admin = s.admin().await;
    assert_eq!(status_of(&admin, &s, "/api/v1/me").await, StatusCode::OK);
    // Behind a TLS proxy (public URL https://…) the cookie is Secure again.
    let proxied = TestServer::start_with(&[
        "--tls",
        "off",
        "--public-url",
        "https://bosun.example",
        "--admin-password",
        crate::harness::ADMIN_PASSWORD,
    ])
    .await;
    let r = proxied
        .script()
        .post(proxied.url("/api/v1/session"))
        .json(&serde_json::json!({"username": "admin", "password": crate::harness::ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(
        r.headers()[reqwest::header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Secure")
    );
}

#[tokio::test]
async fn tls_files_changed_on_disk_are_served_and_unusable_ones_refused_visibly() {
    use crate::certs::{by_id, certificates, fresh_serial, leaf, pair, port_of};
    use bosun_frontend::model::AuditOutcome;
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let serial = |pem: &str| leaf(pem).serial;
    let (c1, k1) = pair(&["localhost", "127.0.0.1"], -1, 60);
    let (c2, k2) = pair(&["localhost", "127.0.0.1"], -1, 90);
    std::fs::write(&cert, &c1).unwrap();
    std::fs::write(&key, &k1).unwrap();
    let (cp, kp) = (cert.display().to_string(), key.display().to_string());
    // The test's clients trust both certificates, as a browser trusting their CA would.
    let data = tempfile::tempdir().unwrap();
    std::fs::write(
        data.path().join(crate::harness::EXTRA_TRUST),
        format!("{c1}{c2}"),
    )
    .unwrap();
    let s = TestServer::start_in(
        data,
        &[
            "--tls",
            "files",
            "--tls-cert",
            &cp,
            "--tls-key",
            &kp,
            "--admin-password",
            crate::harness::ADMIN_PASSWORD,
        ],
    )
    .await;
    let admin = s.admin().await;
    let addr = format!("127.0.0.1:{}", port_of(&s));
    assert_eq!(fresh_serial(addr.clone()).await, serial(&c1));

    // Another tool (certbot, say) replaces the files: bosun serves them within seconds.
    std::fs::write(&key, &k2).unwrap();
    std::fs::write(&cert, &c2).unwrap();
    let mut served = String::new();
    for _ in 0..60 {
        served = fresh_serial(addr.clone()).await;
        if served == serial(&c2) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    assert_eq!(served, serial(&c2), "the new files were never served");
    // A write caught half-way is read again whole: then nothing is wrong.
    let mut own = by_id(&certificates(&admin, &s).await, "bosun").clone();
    for _ in 0..60 {
        if own.managed.as_ref().is_none_or(|m| m.last_error.is_none()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        own = by_id(&certificates(&admin, &s).await, "bosun").clone();
    }
    assert!(
        own.managed.as_ref().is_none_or(|m| m.last_error.is_none()),
        "{own:#?}"
    );
    assert_eq!(own.key.as_ref().map(|k| k.matches), Some(true), "{own:#?}");

    // Garbage in the files: refused, the good certificate stays, and the page says so.
    std::fs::write(
        &cert,
        "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let last_error =
        |c: &bosun_frontend::model::CertDto| c.managed.as_ref().and_then(|m| m.last_error.clone());
    let mut own = None;
    for _ in 0..60 {
        own = Some(by_id(&certificates(&admin, &s).await, "bosun").clone());
        if own.as_ref().and_then(last_error).is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    let error = own
        .as_ref()
        .and_then(last_error)
        .unwrap_or_else(|| panic!("{own:#?}"));
    assert!(
        error.contains("not usable") && error.contains("cert.pem"),
        "{error}"
    );
    assert_eq!(
        fresh_serial(addr.clone()).await,
        serial(&c2),
        "still the good one"
    );
    let entries = crate::api::audit(&s, &admin, "action=certificate.reload").await;
    assert!(
        entries
            .iter()
            .any(|e| e.outcome == AuditOutcome::Failed && e.actor == "files"),
        "{entries:#?}"
    );
    assert!(
        entries
            .iter()
            .any(|e| e.outcome == AuditOutcome::Ok && e.actor == "files")
    );

    // The key file replaced by one of another certificate: the page says the key on disk
    // does not belong to what bosun serves, and the good pair is still served.
    std::fs::write(&key, &k1).unwrap();
    let own = by_id(&certificates(&admin, &s).await, "bosun").clone();
    assert_eq!(own.key.as_ref().map(|k| k.matches), Some(false), "{own:#?}");
    assert!(
        own.key
            .as_ref()
            .is_some_and(|k| k.message.contains("does not belong")),
        "{own:#?}"
    );
    assert_eq!(fresh_serial(addr).await, serial(&c2), "still the good one");
}
