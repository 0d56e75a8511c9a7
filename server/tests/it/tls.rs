use std::sync::Arc;

use reqwest::StatusCode;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use crate::harness::{TestServer, status_of, trusting};

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
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Secure")
    );
}
