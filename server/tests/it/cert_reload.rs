//! A renewed certificate file reaches the services that use it: nginx reloaded by its label's
//! command and then serving the new certificate, a sidecar restarted, and a reload that
//! fails reported with its own output.

use std::time::Duration;

use bosun_frontend::model::{AuditOutcome, CertDto, CertKind, ReloadResult, RenewReport, Urgency};
use reqwest::StatusCode;
use serde_json::json;

use crate::api::{audit, expect_json, post_json};
use crate::certs::{by_id, certificates, fresh_serial, leaf, pair, published_tls_port};
use crate::harness::{ADMIN_PASSWORD, TestServer};
use crate::stacks::{Project, unique};

/// A busybox command that stops at once on SIGTERM (a plain `sleep` as PID 1 ignores it).
const SLEEPER: &str = r#"["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]"#;

#[tokio::test]
async fn renewed_files_reach_nginx_which_is_reloaded_and_serves_the_new_certificate() {
    let certs = tempfile::tempdir().unwrap();
    let (c, k) = pair(&["proxy.it"], -20, 10);
    std::fs::write(certs.path().join("server.crt"), &c).unwrap();
    std::fs::write(certs.path().join("server.key"), &k).unwrap();
    let old = leaf(&c).serial;
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
    crate::api::wait_listed(&admin, &s, &project.name).await;

    // bosun sees the file and what nginx serves from it, and ties the two together.
    let mut served: Option<CertDto> = None;
    for _ in 0..60 {
        let list = certificates(&admin, &s).await;
        served = list
            .into_iter()
            .find(|c| c.kind == CertKind::Served && c.title.contains(&name));
        if served.as_ref().is_some_and(|s| s.serial == old) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let served = served.expect("the proxy's TLS port was never probed");
    assert_eq!(served.serial, old, "{served:#?}");
    assert!(served.related[0].ends_with("server.crt"));
    let file_title = certs.path().join("server.crt").display().to_string();
    let file = certificates(&admin, &s)
        .await
        .into_iter()
        .find(|c| c.kind == CertKind::File && c.title == file_title)
        .unwrap();
    assert!(file.related[0].contains(&name));
    assert_eq!(file.urgency, Urgency::Warning, "10 days left");

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
        &format!("/api/v1/certificates/{}/renew", served.id),
        json!({"source": "internal-ca", "confirm_names": ["proxy.it"], "reload": [
            {"project": project.name, "service": "broken", "action": "exec:ls /no-such-dir"}
        ]}),
    )
    .await;
    let report: RenewReport = expect_json(r, StatusCode::OK).await;
    let new = report.serial.clone();
    assert_eq!(report.id, file.id);
    let reload_of = |service: &str| -> ReloadResult {
        report
            .reloads
            .iter()
            .find(|r| r.container.contains(&format!("/{service} #")))
            .unwrap_or_else(|| panic!("no reload of {service}: {report:#?}"))
            .clone()
    };
    let reload = reload_of("proxy");
    assert_eq!(reload.how, "exec:nginx -s reload");
    assert!(reload.ok, "{reload:?}");
    assert_eq!(reload.serving_new, Some(true), "{reload:?}");
    // Restarted, and nothing to check afterwards: it serves no TLS port.
    let sidecar = reload_of("sidecar");
    assert_eq!(sidecar.how, "restart");
    assert!(sidecar.ok, "{sidecar:?}");
    assert_eq!(sidecar.serving_new, None, "{sidecar:?}");
    assert_ne!(
        started("sidecar"),
        sidecar_started,
        "the sidecar was restarted"
    );
    // A reload that fails says so, with the command's own output.
    let broken = reload_of("broken");
    assert_eq!(broken.how, "exec:ls /no-such-dir");
    assert!(!broken.ok, "{broken:?}");
    let output = &broken.output;
    assert!(
        output.contains("exit code 1") && output.contains("/no-such-dir"),
        "{output}"
    );
    // The page shows every reload's result with the certificate.
    let shown = by_id(&certificates(&admin, &s).await, &file.id).clone();
    assert_eq!(
        shown.managed.as_ref().map(|m| &m.reloads),
        Some(&report.reloads),
        "{shown:#?}"
    );

    // A TLS client of its own sees the new serial on the published port.
    let port = published_tls_port(&name, "proxy");
    // Every new connection, on the published port too (no old worker answers any more).
    for _ in 0..3 {
        assert_eq!(fresh_serial(format!("127.0.0.1:{port}")).await, new);
    }
    let entries = audit(&s, &admin, "action=certificate.reload").await;
    let outcome_of = |service: &str| {
        entries
            .iter()
            .find(|e| e.target.contains(&format!("{name}/{service} #")))
            .map(|e| e.outcome)
    };
    assert_eq!(outcome_of("proxy"), Some(AuditOutcome::Ok), "{entries:#?}");
    assert_eq!(
        outcome_of("sidecar"),
        Some(AuditOutcome::Ok),
        "{entries:#?}"
    );
    assert_eq!(
        outcome_of("broken"),
        Some(AuditOutcome::Failed),
        "{entries:#?}"
    );
    drop(project);
}
