//! Services that say by label where their certificate lives (`bosun.cert.dir` and friends):
//! found through their mounts with no BOSUN_CERT_DIRS at all, a first certificate put where
//! none was yet, an nginx reloaded onto its renewed one, and a label bosun cannot act on
//! explained.

use std::os::unix::fs::PermissionsExt;

use bosun_frontend::model::{AuditOutcome, CertSource, RenewReport, Urgency};
use reqwest::StatusCode;
use serde_json::json;

use crate::api::{audit, expect_json, post_json, refused};
use crate::certs::{by_id, certificates, fresh_serial, leaf, published_tls_port, titled};
use crate::harness::{ADMIN_PASSWORD, TestServer};
use crate::stacks::{Project, unique};

#[tokio::test]
async fn services_declare_their_certificate_by_label_and_bosun_fills_and_renews_it() {
    let proxy_dir = tempfile::tempdir().unwrap();
    let web_dir = tempfile::tempdir().unwrap();
    let name = unique("ittarget");
    let compose = format!(
        r#"services:
  proxy:
    image: bosun-demo/nginx:1
    ports: ["443"]
    environment: {{CERT_NAME: proxy.target.it}}
    volumes: ["{proxy}:/etc/nginx/certs"]
    labels:
      bosun.cert.dir: /etc/nginx/certs
      bosun.cert.files: server.crt,server.key
      bosun.cert.reload: "exec:nginx -s reload"
  web:
    image: busybox:latest
    command: ["sleep", "3600"]
    init: true
    volumes: ["{web}:/certs"]
    labels:
      bosun.cert.dir: /certs/site
      bosun.cert.mode: "0640"
      bosun.cert.names: web.target.it
  stray:
    image: busybox:latest
    command: ["sleep", "3600"]
    init: true
    labels:
      bosun.cert.dir: /etc/ssl/private
"#,
        proxy = proxy_dir.path().display(),
        web = web_dir.path().display()
    );
    std::fs::create_dir(web_dir.path().join("site")).unwrap();
    let project = Project::up(&name, &compose).await;
    // No --cert-dirs: the labels alone say where to look.
    let s = TestServer::start_with(&["--admin-password", ADMIN_PASSWORD]).await;
    let admin = s.admin().await;
    crate::api::wait_listed(&admin, &s, &project.name).await;

    let proxy_crt = proxy_dir.path().join("server.crt").display().to_string();
    let web_crt = web_dir.path().join("site/tls.crt").display().to_string();
    let mut list = Vec::new();
    for _ in 0..60 {
        list = certificates(&admin, &s).await;
        if titled(&list, &proxy_crt).is_some() && titled(&list, &web_crt).is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    // The proxy's own self-signed file, found through its mount, tied to the service.
    let proxy = titled(&list, &proxy_crt)
        .unwrap_or_else(|| panic!("{proxy_crt} not listed: {list:#?}"))
        .clone();
    assert!(proxy.problem.is_none(), "{proxy:#?}");
    assert_eq!(proxy.sans, ["proxy.target.it"]);
    assert_eq!(
        proxy.key.as_ref().map(|k| k.matches),
        Some(true),
        "{proxy:#?}"
    );
    assert!(
        proxy.related.contains(&format!("{name}/proxy")),
        "{proxy:#?}"
    );
    // The web service has no certificate yet: that is urgent, and it can be issued.
    let web = titled(&list, &web_crt).unwrap().clone();
    assert!(
        web.problem
            .as_deref()
            .unwrap()
            .contains("No certificate yet"),
        "{web:#?}"
    );
    assert_eq!(web.urgency, Urgency::Critical);
    assert_eq!(web.sans, ["web.target.it"]);
    assert!(web.renew_sources.contains(&CertSource::InternalCa));
    let first = list.iter().position(|c| c.title == web_crt).unwrap();
    let of_proxy = list.iter().position(|c| c.title == proxy_crt).unwrap();
    assert!(first < of_proxy, "the missing certificate is listed first");
    // A label bosun cannot act on says what to change, and offers no renewal.
    let stray = list
        .iter()
        .find(|c| c.related.contains(&format!("{name}/stray")))
        .unwrap_or_else(|| panic!("the stray label is not listed: {list:#?}"))
        .clone();
    assert!(
        stray.problem.as_deref().unwrap().contains("not a mount"),
        "{stray:#?}"
    );
    assert_eq!(stray.renew_sources, Vec::<CertSource>::new());
    let r = post_json(
        &admin,
        &s,
        &format!("/api/v1/certificates/{}/renew", stray.id),
        json!({}),
    )
    .await;
    assert!(
        refused(r, StatusCode::CONFLICT)
            .await
            .message
            .contains("not a mount")
    );

    // "Renew now" on the empty target: a first certificate from the internal CA, written
    // with the key mode the label asks for.
    let web_id = web.id.clone();
    let r = post_json(
        &admin,
        &s,
        &format!("/api/v1/certificates/{web_id}/renew"),
        json!({"confirm_names": ["web.target.it"]}),
    )
    .await;
    let report: RenewReport = expect_json(r, StatusCode::OK).await;
    assert_eq!(report.source, CertSource::InternalCa);
    assert_eq!(report.names, ["web.target.it"]);
    let key = web_dir.path().join("site/tls.key");
    let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    let written = std::fs::read_to_string(&web_crt).unwrap();
    assert_eq!(leaf(&written).serial, report.serial);
    let web = by_id(&certificates(&admin, &s).await, &web_id).clone();
    assert!(web.problem.is_none(), "{web:#?}");
    assert!(web.chain.valid, "{web:#?}");
    assert_eq!(web.key.as_ref().map(|k| k.matches), Some(true), "{web:#?}");
    assert_eq!(
        web.managed.as_ref().map(|m| m.source),
        Some(CertSource::InternalCa)
    );
    assert_ne!(web.urgency, Urgency::Critical);

    // Renewing the proxy's file reloads nginx, which then serves the new certificate.
    let r = post_json(
        &admin,
        &s,
        &format!("/api/v1/certificates/{}/renew", proxy.id),
        json!({"source": "internal-ca", "confirm_names": ["proxy.target.it"]}),
    )
    .await;
    let report: RenewReport = expect_json(r, StatusCode::OK).await;
    let reload = report.reloads.first();
    assert_eq!(reload.map(|r| r.ok), Some(true), "{reload:?}");
    assert_eq!(reload.and_then(|r| r.serving_new), Some(true), "{reload:?}");
    let port = published_tls_port(&name, "proxy");
    assert_eq!(
        fresh_serial(format!("127.0.0.1:{port}")).await,
        report.serial
    );
    let renewals = audit(&s, &admin, "action=certificate.renew").await;
    assert!(
        renewals
            .iter()
            .any(|e| e.target == web_crt && e.outcome == AuditOutcome::Ok),
        "{renewals:#?}"
    );
    drop(project);
}
