//! Automatic renewal when it goes wrong: a managed certificate that falls due and cannot be
//! written is not replaced, the failure is audited and shown on the page, and bosun waits out
//! its back-off instead of trying again at every pass.

use std::time::Duration;

use bosun_frontend::model::{AuditEntry, AuditOutcome, CertDto, CertSource, RenewReport};
use reqwest::StatusCode;
use serde_json::json;

use crate::api::{audit, expect_json, post_json, text_of};
use crate::certs::{certificates, pair, titled};
use crate::harness::{ADMIN_PASSWORD, TestServer};
use crate::stacks::{Project, unique};

fn by_title<'a>(certs: &'a [CertDto], title: &str) -> &'a CertDto {
    titled(certs, title).unwrap_or_else(|| panic!("no certificate {title} in {certs:#?}"))
}

/// The automatic renewals of `title` that failed, newest first.
async fn failed_renewals(s: &TestServer, admin: &reqwest::Client, title: &str) -> Vec<AuditEntry> {
    audit(s, admin, "action=certificate.renew")
        .await
        .into_iter()
        .filter(|e| e.actor == "renewal" && e.target == title && e.outcome == AuditOutcome::Failed)
        .collect()
}

#[tokio::test]
async fn a_due_renewal_that_fails_is_shown_audited_and_retried_only_after_its_back_off() {
    let dir = tempfile::tempdir().unwrap();
    let crt = dir.path().join("site.crt");
    let key = dir.path().join("site.key");
    let (c, k) = pair(&["auto.it"], -1, 30);
    std::fs::write(&crt, &c).unwrap();
    std::fs::write(&key, &k).unwrap();
    let dirs = dir.path().display().to_string();
    let s =
        TestServer::start_with(&["--cert-dirs", &dirs, "--admin-password", ADMIN_PASSWORD]).await;
    let admin = s.admin().await;
    let title = crt.display().to_string();

    // An admin hands the file to the internal CA once: from now on bosun renews it by itself.
    let id = by_title(&certificates(&admin, &s).await, &title).id.clone();
    let r = post_json(
        &admin,
        &s,
        &format!("/api/v1/certificates/{id}/renew"),
        json!({"source": "internal-ca", "confirm_names": ["auto.it"]}),
    )
    .await;
    let _: RenewReport = expect_json(r, StatusCode::OK).await;
    let fresh = by_title(&certificates(&admin, &s).await, &title).clone();
    let managed = fresh.managed.as_ref();
    assert_eq!(
        managed.map(|m| m.source),
        Some(CertSource::InternalCa),
        "{fresh:#?}"
    );
    assert!(
        managed.is_some_and(|m| m.renew_after.is_some()),
        "{fresh:#?}"
    );

    // Time passes (a pair 90% through its life takes its place), and the key's place can no
    // longer be written: a directory stands where the new key must go.
    let (due, _) = pair(&["auto.it"], -90, 10);
    std::fs::write(&crt, &due).unwrap();
    std::fs::remove_file(&key).unwrap();
    std::fs::create_dir(&key).unwrap();

    // The renewal loop runs at least once a minute, and at once when containers change.
    let poke = Project::up(
        &unique("itrenew"),
        "services:\n  poke:\n    image: busybox:latest\n    command: [\"true\"]\n",
    )
    .await;
    let mut failed = Vec::new();
    for _ in 0..180 {
        failed = failed_renewals(&s, &admin, &title).await;
        if !failed.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(failed.len(), 1, "no automatic renewal failed within 90 s");
    assert_eq!(
        std::fs::read_to_string(&crt).unwrap(),
        due,
        "the certificate in place is untouched"
    );
    let after = by_title(&certificates(&admin, &s).await, &title).clone();
    let m = after.managed.as_ref().unwrap();
    assert_eq!(m.failures, 1, "{after:#?}");
    assert_eq!(m.source, CertSource::InternalCa, "{after:#?}");
    let next = time::OffsetDateTime::parse(
        m.next_attempt.as_deref().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let wait = next - time::OffsetDateTime::now_utc();
    assert!(
        wait > time::Duration::minutes(4) && wait <= time::Duration::minutes(10),
        "the first retry waits about five minutes, not {wait}"
    );
    let error = m.last_error.clone().unwrap();
    assert!(!error.is_empty());

    // The page says so, with when bosun tries again.
    let page = text_of(&admin, &s, "/certificates").await;
    assert!(
        page.contains("renew-failure") && page.contains("Renewal failed"),
        "the failure is not on the page"
    );

    // More passes of the loop (more container changes) do not try again inside the back-off.
    drop(poke);
    let _poke = Project::up(
        &unique("itrenew"),
        "services:\n  poke:\n    image: busybox:latest\n    command: [\"true\"]\n",
    )
    .await;
    tokio::time::sleep(Duration::from_secs(8)).await;
    assert_eq!(failed_renewals(&s, &admin, &title).await.len(), 1);
    let still = by_title(&certificates(&admin, &s).await, &title).clone();
    assert_eq!(
        still.managed.as_ref().map(|m| m.failures),
        Some(1),
        "{still:#?}"
    );
}
