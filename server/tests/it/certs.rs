//! Certificates against real parts: bosun's own HTTPS swapped while a connection stays open,
//! uploads checked, certificate files found and judged, an nginx container reloaded and
//! checked after its files were renewed, and ACME against a real Pebble (HTTP-01 and DNS-01).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use rustls::{ClientConnection, StreamOwned};
use serde_json::{Value, json};

use crate::dbs::post_json;
use crate::harness::{ADMIN_PASSWORD, TestServer, audit, json_get, json_of, status_of};
use crate::pebble::Pebble;
use crate::stacks::{Project, unique};

pub(crate) fn port_of(s: &TestServer) -> u16 {
    s.base.rsplit(':').next().unwrap().parse().unwrap()
}

pub(crate) fn serial_of(der: &[u8]) -> String {
    bosun_server::certs::inspect::facts(&der.to_vec().into())
        .unwrap()
        .serial
}

/// A TLS connection that stays open (HTTP/1.1 keep-alive), as a browser tab would hold one.
struct Held(StreamOwned<ClientConnection, TcpStream>);

impl Held {
    fn open(addr: &str) -> Self {
        let config = bosun_server::links::check::accept_any_certificate(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .unwrap();
        let conn =
            ClientConnection::new(Arc::new(config), "localhost".try_into().unwrap()).unwrap();
        let sock = TcpStream::connect(addr).unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut held = Held(StreamOwned::new(conn, sock));
        while held.0.conn.is_handshaking() {
            let Held(s) = &mut held;
            s.conn.complete_io(&mut s.sock).unwrap();
        }
        held
    }

    fn serial(&self) -> String {
        serial_of(self.0.conn.peer_certificates().unwrap()[0].as_ref())
    }

    /// GET `path` on this very connection; the body.
    fn get(&mut self, path: &str) -> String {
        write!(
            self.0,
            "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n"
        )
        .unwrap();
        self.0.flush().unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = self.0.read(&mut chunk).unwrap();
            assert!(n > 0, "the connection closed");
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf).into_owned();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let len: usize = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap())
                    })
                    .unwrap_or(0);
                if body.len() >= len {
                    return body[..len].to_owned();
                }
            }
        }
    }
}

async fn held(addr: String) -> Held {
    tokio::task::spawn_blocking(move || Held::open(&addr))
        .await
        .unwrap()
}

/// The serial a fresh handshake with `addr` sees.
pub(crate) async fn fresh_serial(addr: String) -> String {
    held(addr).await.serial()
}

pub(crate) async fn certificates(client: &reqwest::Client, s: &TestServer) -> Vec<Value> {
    json_get(client, s, "/api/v1/certificates")
        .await
        .as_array()
        .cloned()
        .unwrap()
}

pub(crate) fn by_id<'a>(certs: &'a [Value], id: &str) -> &'a Value {
    certs
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no certificate {id} in {certs:#?}"))
}

/// A self-signed pair for `names`, valid from `from` to `to` days from now.
pub(crate) fn pair(names: &[&str], from: i64, to: i64) -> (String, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut p =
        rcgen::CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
            .unwrap();
    let now = time::OffsetDateTime::now_utc();
    p.not_before = now + time::Duration::days(from);
    p.not_after = now + time::Duration::days(to);
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(rcgen::DnType::CommonName, names[0]);
    p.distinguished_name = dn;
    (p.self_signed(&key).unwrap().pem(), key.serialize_pem())
}

#[tokio::test]
async fn bosun_own_certificate_is_renewed_live_and_kept_across_restarts() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let addr = format!("127.0.0.1:{}", port_of(&s));
    let mut open = held(addr.clone()).await;
    let before = open.serial();

    let own = by_id(&certificates(&admin, &s).await, "bosun").clone();
    assert_eq!(own["serial"], before.as_str());
    assert_eq!(own["managed"]["source"], "self-signed");
    assert_eq!(own["chain"]["valid"], false, "self-signed is not trusted");
    assert_eq!(own["key"]["matches"], true);

    let r = post_json(
        &admin,
        &s,
        "/api/v1/certificates/bosun/renew",
        json!({"source": "internal-ca"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let report = json_of(r).await;
    let after = report["serial"].as_str().unwrap().to_owned();
    assert_ne!(after, before);
    assert_eq!(report["source"], "internal-ca");

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
        ca.headers()["content-disposition"]
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
    assert_eq!(own["chain"]["valid"], true, "{}", own["chain"]);
    assert_eq!(own["managed"]["source"], "internal-ca");

    let entries = audit(&s, &admin, "action=certificate.renew").await;
    assert_eq!(entries[0]["outcome"], "ok");
    assert_eq!(entries[0]["actor"], "admin");
    assert!(entries[0]["detail"].as_str().unwrap().contains(&after));

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
    let old = serial_of(
        bosun_server::certs::inspect::chain_from_pem(cert.as_bytes()).unwrap()[0].as_ref(),
    );
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
    assert_eq!(entries[0]["actor"], "renewal");
    assert_eq!(entries[0]["outcome"], "ok");
    assert!(entries[0]["detail"].as_str().unwrap().contains(&renewed));
    let own = by_id(&certificates(&admin, &s).await, "bosun").clone();
    assert!(own["lifetime_used"].as_f64().unwrap() < 0.05);
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
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let e = json_of(r).await;
        assert_eq!(e["field"], field, "{e}");
        assert!(e["message"].as_str().unwrap().contains(needle), "{e}");
        assert_eq!(
            fresh_serial(addr.clone()).await,
            before,
            "the current certificate is untouched"
        );
    }
    let failed = audit(&s, &admin, "action=certificate.upload").await;
    assert_eq!(failed.len(), 6);
    assert!(failed.iter().all(|e| e["outcome"] == "failed"));

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
    assert_eq!(r.status(), StatusCode::OK);
    let report = json_of(r).await;
    assert_eq!(report["source"], "upload");
    assert_eq!(fresh_serial(addr).await, report["serial"].as_str().unwrap());
    let own = by_id(&certificates(&admin, &s).await, "bosun").clone();
    assert_eq!(own["managed"]["source"], "upload");
    assert!(
        own["managed"]["renew_after"].is_null(),
        "an upload is not renewed by bosun"
    );
}

#[tokio::test]
async fn certificate_files_are_found_judged_and_sorted_by_urgency() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let write = |name: &str, text: &str| std::fs::write(d.join(name), text).unwrap();
    let (c, k) = pair(&["fresh.lan"], -1, 200);
    write("fresh.crt", &c);
    write("fresh.key", &k);
    let (c, k) = pair(&["soon.lan"], -80, 3);
    write("soon.pem", &c);
    write("soon-key.pem", &k);
    let (c, _) = pair(&["old.lan"], -90, -2);
    write("old.crt", &c);
    let (c, _) = pair(&["mixed.lan"], -1, 100);
    let (_, wrong) = pair(&["mixed.lan"], -1, 100);
    std::fs::create_dir(d.join("portal")).unwrap();
    write("portal/server.crt", &c);
    write("portal/server.key", &wrong);
    write(
        "broken.crt",
        "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n",
    );

    let dirs = d.display().to_string();
    let s =
        TestServer::start_with(&["--cert-dirs", &dirs, "--admin-password", ADMIN_PASSWORD]).await;
    let admin = s.admin().await;
    let viewer = s.user(&admin, "vi", "viewer").await;
    let certs = certificates(&viewer, &s).await;
    // Only this test's directory: other tests' services may declare targets of their own.
    let files: Vec<&Value> = certs
        .iter()
        .filter(|c| c["kind"] == "file" && c["title"].as_str().unwrap().starts_with(&dirs))
        .collect();
    let titles: Vec<String> = files
        .iter()
        .map(|c| {
            Path::new(c["title"].as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    // Worst first: expired, critical, then warnings (a broken file, a key that doesn't match).
    assert_eq!(titles[0], "old.crt");
    assert_eq!(files[0]["urgency"], "expired");
    assert_eq!(titles[1], "soon.pem");
    assert_eq!(files[1]["urgency"], "critical");
    assert_eq!(titles.last().unwrap(), "fresh.crt");
    assert_eq!(files.last().unwrap()["urgency"], "ok");
    let find = |n: &str| {
        files
            .iter()
            .find(|c| c["title"].as_str().unwrap().ends_with(n))
            .unwrap()
    };
    assert_eq!(find("soon.pem")["key"]["matches"], true);
    assert!(
        find("soon.pem")["key"]["file"]
            .as_str()
            .unwrap()
            .ends_with("soon-key.pem")
    );
    let mixed = find("portal/server.crt");
    assert_eq!(mixed["key"]["matches"], false);
    assert_eq!(mixed["urgency"], "warning");
    assert!(
        mixed["key"]["message"]
            .as_str()
            .unwrap()
            .contains("does not belong")
    );
    assert_eq!(find("old.crt")["key"]["matches"], false, "no key beside it");
    assert!(
        find("broken.crt")["problem"]
            .as_str()
            .unwrap()
            .contains("damaged")
    );
    let fresh = find("fresh.crt");
    assert_eq!(fresh["sans"], json!(["fresh.lan"]));
    assert_eq!(fresh["key_type"], "ECDSA P-256");
    assert_eq!(fresh["chain"]["valid"], false);
    assert!(
        fresh["chain"]["message"]
            .as_str()
            .unwrap()
            .contains("self-signed")
    );
    assert!(fresh["days_left"].as_i64().unwrap() >= 198);
    // Never the key's contents.
    let raw = serde_json::to_string(&certs).unwrap();
    assert!(!raw.contains("PRIVATE KEY"));

    // One certificate by id; a bad id is a 400 naming it, an unknown one a 404.
    let id = fresh["id"].as_str().unwrap();
    assert_eq!(
        json_get(&viewer, &s, &format!("/api/v1/certificates/{id}")).await["title"],
        fresh["title"]
    );
    assert_eq!(
        status_of(&viewer, &s, "/api/v1/certificates/../etc").await,
        StatusCode::NOT_FOUND
    );
    let r = viewer
        .get(s.url("/api/v1/certificates/file-XYZ"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(r).await["field"], "id");
    assert_eq!(
        status_of(&viewer, &s, "/api/v1/certificates/file-0000000000000000").await,
        StatusCode::NOT_FOUND
    );

    // Renewing a file from the internal CA writes a trusted pair in place and keeps the mode.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(d.join("fresh.key"), std::fs::Permissions::from_mode(0o640)).unwrap();
    let r = post_json(
        &admin,
        &s,
        &format!("/api/v1/certificates/{id}/renew"),
        json!({"source": "internal-ca", "names": ["fresh.lan", "10.9.8.7"]}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let report = json_of(r).await;
    assert_eq!(report["names"], json!(["fresh.lan", "10.9.8.7"]));
    let now = by_id(&certificates(&admin, &s).await, id).clone();
    assert_eq!(now["serial"], report["serial"]);
    assert_eq!(now["chain"]["valid"], true, "{}", now["chain"]);
    assert_eq!(now["key"]["matches"], true);
    assert_eq!(now["managed"]["source"], "internal-ca");
    assert_eq!(
        std::fs::metadata(d.join("fresh.key"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o640
    );
    assert!(
        d.join(".fresh.crt.bosun-previous").exists(),
        "the old pair is kept once"
    );
    // Bad input changes nothing.
    for (body, field) in [
        (json!({"names": ["not a name"]}), "names"),
        (json!({"source": "acme"}), "source"),
        (json!({"source": "self-signed"}), "source"),
        (json!({"colour": "blue"}), "body"),
    ] {
        let r = post_json(
            &admin,
            &s,
            &format!("/api/v1/certificates/{id}/renew"),
            body,
        )
        .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert_eq!(json_of(r).await["field"], field);
    }
    assert_eq!(
        by_id(&certificates(&admin, &s).await, id)["serial"],
        report["serial"]
    );
}

#[tokio::test]
async fn a_failed_renewal_keeps_the_certificate_and_says_when_it_retries() {
    // An ACME directory nobody answers.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
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
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
    let e = json_of(r).await;
    assert!(
        e["message"].as_str().unwrap().contains("did not answer"),
        "{e}"
    );
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("current certificate stays"),
        "{e}"
    );
    assert_eq!(fresh_serial(addr).await, before);
    let own = by_id(&certificates(&admin, &s).await, "bosun").clone();
    assert_eq!(own["managed"]["failures"], 1);
    assert!(own["managed"]["next_attempt"].is_string());
    assert!(
        own["managed"]["last_error"]
            .as_str()
            .unwrap()
            .contains("did not answer")
    );
    assert_eq!(own["urgency"], "warning");
    // The failed source is not taken as the certificate's: it is still the self-signed one,
    // and that is what bosun renews from by itself.
    assert_eq!(own["managed"]["source"], "self-signed", "{own}");
    let entries = audit(&s, &admin, "action=certificate.renew").await;
    assert_eq!(entries[0]["outcome"], "failed");
}

/// A busybox command that stops at once on SIGTERM (a plain `sleep` as PID 1 ignores it).
const SLEEPER: &str = r#"["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]"#;

#[tokio::test]
async fn renewed_files_reach_nginx_which_is_reloaded_and_serves_the_new_certificate() {
    let certs = tempfile::tempdir().unwrap();
    let (c, k) = pair(&["proxy.it"], -20, 10);
    std::fs::write(certs.path().join("server.crt"), &c).unwrap();
    std::fs::write(certs.path().join("server.key"), &k).unwrap();
    let old =
        serial_of(bosun_server::certs::inspect::chain_from_pem(c.as_bytes()).unwrap()[0].as_ref());
    let name = unique("itcert");
    let project = Project::up(
        &name,
        &format!(
            "services:\n  proxy:\n    image: bosun-demo/nginx:1\n    ports: [\"443\"]\n    volumes: [\"{d}:/etc/nginx/certs\"]\n    labels:\n      bosun.cert.reload: \"exec:nginx -s reload\"\n  \
             sidecar:\n    image: busybox:latest\n    command: {SLEEPER}\n    volumes: [\"{d}:/certs\"]\n    labels:\n      bosun.cert.reload: restart\n  \
             broken:\n    image: busybox:latest\n    command: {SLEEPER}\n    volumes: [\"{d}:/certs\"]\n",
            d = certs.path().display()
        ),
    )
    .await;
    let dirs = certs.path().display().to_string();
    let s =
        TestServer::start_with(&["--cert-dirs", &dirs, "--admin-password", ADMIN_PASSWORD]).await;
    let admin = s.admin().await;
    crate::harness::wait_listed(&admin, &s, &project.name).await;

    // bosun sees the file and what nginx serves from it, and ties the two together.
    let mut served = None;
    for _ in 0..60 {
        let list = certificates(&admin, &s).await;
        served = list
            .iter()
            .find(|c| c["kind"] == "served" && c["title"].as_str().unwrap().contains(&name))
            .cloned();
        if served.as_ref().is_some_and(|s| s["serial"] == old.as_str()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let served = served.expect("the proxy's TLS port was never probed");
    assert_eq!(served["serial"], old.as_str(), "{served:#}");
    assert!(
        served["related"][0]
            .as_str()
            .unwrap()
            .ends_with("server.crt")
    );
    let file = certificates(&admin, &s)
        .await
        .into_iter()
        .find(|c| {
            c["kind"] == "file"
                && c["title"] == certs.path().join("server.crt").display().to_string()
        })
        .unwrap();
    assert!(file["related"][0].as_str().unwrap().contains(&name));
    assert_eq!(file["urgency"], "warning", "10 days left");

    // "Renew now" on the served certificate renews its file and reloads nginx and the
    // sidecar by their labels, and a service named with the request by its given command.
    let started = |service: &str| {
        crate::dbs::docker(&[
            "inspect",
            "-f",
            "{{.State.StartedAt}}",
            &crate::dbs::container_of(&project.name, service),
        ])
        .1
    };
    let sidecar_started = started("sidecar");
    let r = post_json(
        &admin,
        &s,
        &format!(
            "/api/v1/certificates/{}/renew",
            served["id"].as_str().unwrap()
        ),
        json!({"source": "internal-ca", "reload": [
            {"project": project.name, "service": "broken", "action": "exec:ls /no-such-dir"}
        ]}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let report = json_of(r).await;
    let new = report["serial"].as_str().unwrap().to_owned();
    assert_eq!(report["id"], file["id"]);
    let reload_of = |service: &str| {
        report["reloads"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| {
                r["container"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("/{service} #"))
            })
            .unwrap_or_else(|| panic!("no reload of {service}: {report:#}"))
            .clone()
    };
    let reload = reload_of("proxy");
    assert_eq!(reload["how"], "exec:nginx -s reload");
    assert_eq!(reload["ok"], true, "{reload}");
    assert_eq!(reload["serving_new"], true, "{reload}");
    // Restarted, and nothing to check afterwards: it serves no TLS port.
    let sidecar = reload_of("sidecar");
    assert_eq!(sidecar["how"], "restart");
    assert_eq!(sidecar["ok"], true, "{sidecar}");
    assert!(sidecar["serving_new"].is_null(), "{sidecar}");
    assert_ne!(
        started("sidecar"),
        sidecar_started,
        "the sidecar was restarted"
    );
    // A reload that fails says so, with the command's own output.
    let broken = reload_of("broken");
    assert_eq!(broken["how"], "exec:ls /no-such-dir");
    assert_eq!(broken["ok"], false, "{broken}");
    let output = broken["output"].as_str().unwrap();
    assert!(
        output.contains("exit code 1") && output.contains("/no-such-dir"),
        "{output}"
    );
    // The page shows every reload's result with the certificate.
    let shown = by_id(
        &certificates(&admin, &s).await,
        file["id"].as_str().unwrap(),
    )
    .clone();
    assert_eq!(shown["managed"]["reloads"], report["reloads"], "{shown:#}");

    // A TLS client of its own sees the new serial on the published port.
    let port = crate::dbs::docker(&["port", &crate::dbs::container_of(&name, "proxy"), "443"]).1;
    let port = port
        .lines()
        .next()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .trim()
        .to_owned();
    // Every new connection, on the published port too (no old worker answers any more).
    for _ in 0..3 {
        assert_eq!(fresh_serial(format!("127.0.0.1:{port}")).await, new);
    }
    let entries = audit(&s, &admin, "action=certificate.reload").await;
    let outcome_of = |service: &str| {
        entries
            .iter()
            .find(|e| {
                e["target"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("{name}/{service} #"))
            })
            .map(|e| e["outcome"].clone())
    };
    assert_eq!(outcome_of("proxy"), Some(json!("ok")), "{entries:#?}");
    assert_eq!(outcome_of("sidecar"), Some(json!("ok")), "{entries:#?}");
    assert_eq!(outcome_of("broken"), Some(json!("failed")), "{entries:#?}");
    drop(project);
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
        let status = r.status();
        let report = json_of(r).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        let serial = report["serial"].as_str().unwrap().to_owned();
        assert_eq!(fresh_serial(addr.clone()).await, serial);
        serials.push(serial);
    }
    assert_ne!(serials[0], serials[1], "renewed: a new certificate");
    let own = by_id(&certificates(&admin, &s).await, "bosun").clone();
    assert_eq!(own["managed"]["source"], "acme");
    assert_eq!(own["managed"]["challenge"], "http-01");
    assert_eq!(own["sans"], json!(["bosun.acme.test"]));
    assert!(
        own["issuer"].as_str().unwrap().contains("Pebble"),
        "{}",
        own["issuer"]
    );
    assert_eq!(own["chain"]["valid"], true, "{}", own["chain"]);

    // A file over DNS-01 through the hook; a wildcard needs DNS-01 too.
    let file = certificates(&admin, &s)
        .await
        .into_iter()
        .find(|c| {
            c["kind"] == "file" && c["title"] == dir.path().join("site.crt").display().to_string()
        })
        .unwrap();
    let id = file["id"].as_str().unwrap();
    let r = post_json(&admin, &s, &format!("/api/v1/certificates/{id}/renew"), json!({"source": "acme", "challenge": "dns-01", "names": ["files.bosun.test", "*.files.bosun.test"]})).await;
    let status = r.status();
    let report = json_of(r).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let written = std::fs::read_to_string(dir.path().join("site.crt")).unwrap();
    let leaf = bosun_server::certs::inspect::facts(
        &bosun_server::certs::inspect::chain_from_pem(written.as_bytes()).unwrap()[0],
    )
    .unwrap();
    assert_eq!(leaf.serial, report["serial"].as_str().unwrap());
    assert!(leaf.issuer.contains("Pebble"));
    assert!(leaf.sans.contains(&"*.files.bosun.test".to_owned()));
    let key = std::fs::read_to_string(dir.path().join("site.key")).unwrap();
    assert!(
        bosun_server::certs::inspect::checked_pair(
            written.as_bytes(),
            key.as_bytes(),
            time::OffsetDateTime::now_utc().unix_timestamp()
        )
        .is_ok()
    );
    let r = post_json(
        &admin,
        &s,
        &format!("/api/v1/certificates/{id}/renew"),
        json!({"source": "acme", "challenge": "http-01", "names": ["*.files.bosun.test"]}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(r).await["field"], "challenge");

    // "Renew now" with nothing asked renews as before: DNS-01 again, same names, a new serial.
    let r = post_json(
        &admin,
        &s,
        &format!("/api/v1/certificates/{id}/renew"),
        json!({}),
    )
    .await;
    let status = r.status();
    let again = json_of(r).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_ne!(again["serial"], report["serial"], "renewed over DNS-01");
    assert_eq!(
        again["names"],
        json!(["files.bosun.test", "*.files.bosun.test"])
    );
    let managed = by_id(&certificates(&admin, &s).await, id)["managed"].clone();
    assert_eq!(managed["challenge"], "dns-01", "{managed}");

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
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let e = json_of(r).await;
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("ACME is not configured"),
        "{e}"
    );
    let managed = by_id(&certificates(&admin, &s).await, id)["managed"].clone();
    assert_eq!(managed["failures"], 1, "{managed}");
    assert!(managed["next_attempt"].is_string(), "{managed}");
    assert!(
        managed["last_error"]
            .as_str()
            .unwrap()
            .contains("ACME is not configured"),
        "{managed}"
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
    let managed = by_id(&certificates(&admin, &s).await, id)["managed"].clone();
    assert_eq!(managed["failures"], 1, "{managed}");
    // The certificate on disk is still the one DNS-01 gave: neither refusal touched it.
    let on_disk = std::fs::read_to_string(dir.path().join("site.crt")).unwrap();
    let leaf = bosun_server::certs::inspect::facts(
        &bosun_server::certs::inspect::chain_from_pem(on_disk.as_bytes()).unwrap()[0],
    )
    .unwrap();
    assert_eq!(leaf.serial, again["serial"].as_str().unwrap());
}
