//! Automatic renewal when it goes wrong: a managed certificate that falls due and cannot be
//! written is not replaced, the failure is audited and shown on the page, and bosun waits out
//! its back-off instead of trying again at every pass. Time passes on bosun's clock, moved by
//! the test.

use std::time::Duration;

use bosun_frontend::model::{AuditEntry, AuditOutcome, CertDto, CertSource, RenewReport};
use bosun_server::clock::{Clock, ManualClock};
use reqwest::StatusCode;
use serde_json::json;

use crate::api::{audit, expect_json, post_json, text_of};
use crate::certs::{certificates, pair, titled};
use crate::harness::{ADMIN_PASSWORD, TestServer};

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

/// An RFC 3339 time from the API, in Unix ms.
fn ms(at: &str) -> i64 {
    let t = time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|e| panic!("{at}: {e}"));
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap()
}

/// Moves `clock` on to `at_ms` (Unix ms), and a second more.
fn advance_past(clock: &ManualClock, at_ms: i64) {
    let by = (at_ms - clock.now_ms()).max(0) + 1_000;
    clock.advance(Duration::from_millis(u64::try_from(by).unwrap()));
}

/// Waits (as long as a few passes of the renewal loop take) until `title` has `n` failed
/// automatic renewals; returns them.
async fn wait_failed(
    s: &TestServer,
    admin: &reqwest::Client,
    title: &str,
    n: usize,
) -> Vec<AuditEntry> {
    let mut failed = Vec::new();
    for _ in 0..200 {
        failed = failed_renewals(s, admin, title).await;
        if failed.len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    failed
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
    // Renewals fall due and back-offs pass on bosun's clock, moved by hand: no waiting.
    let clock = ManualClock::from_now();
    let s = TestServer::start_clocked(
        tempfile::tempdir().unwrap(),
        &["--cert-dirs", &dirs, "--admin-password", ADMIN_PASSWORD],
        clock.clone(),
    )
    .await;
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
    let renew_after = managed
        .and_then(|m| m.renew_after.clone())
        .unwrap_or_else(|| panic!("no renewal point: {fresh:#?}"));
    let in_place = std::fs::read_to_string(&crt).unwrap();

    // The key's place can no longer be written: a directory stands where the new key must go.
    std::fs::remove_file(&key).unwrap();
    std::fs::create_dir(&key).unwrap();
    // Time passes on bosun's clock, past the renewal point; the renewal loop runs once a
    // minute of it. (Sessions ended on a clock weeks on: sign in again.)
    advance_past(&clock, ms(&renew_after));
    let admin = s.admin().await;
    let failed = wait_failed(&s, &admin, &title, 1).await;
    assert_eq!(failed.len(), 1, "no automatic renewal failed");
    assert_eq!(
        std::fs::read_to_string(&crt).unwrap(),
        in_place,
        "the certificate in place is untouched"
    );
    let after = by_title(&certificates(&admin, &s).await, &title).clone();
    let m = after.managed.as_ref().unwrap();
    assert_eq!(m.failures, 1, "{after:#?}");
    assert_eq!(m.source, CertSource::InternalCa, "{after:#?}");
    let next = ms(m.next_attempt.as_deref().unwrap());
    let wait = Duration::from_millis(u64::try_from(next - clock.now_ms()).unwrap());
    assert!(
        wait > Duration::from_secs(4 * 60) && wait <= Duration::from_secs(10 * 60),
        "the first retry waits about five minutes, not {wait:?}"
    );
    let error = m.last_error.clone().unwrap();
    assert!(!error.is_empty());

    // The page says so, with when bosun tries again.
    let page = text_of(&admin, &s, "/certificates").await;
    assert!(
        page.contains("renew-failure") && page.contains("Renewal failed"),
        "the failure is not on the page"
    );

    // More passes of the loop (one a minute of bosun's clock) do not try again inside the
    // back-off.
    for _ in 0..3 {
        clock.advance(Duration::from_secs(61));
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(clock.now_ms() < next);
    assert_eq!(failed_renewals(&s, &admin, &title).await.len(), 1);
    let still = by_title(&certificates(&admin, &s).await, &title).clone();
    assert_eq!(
        still.managed.as_ref().map(|m| m.failures),
        Some(1),
        "{still:#?}"
    );

    // Once the back-off has passed, the next pass tries again, and the next wait doubles.
    advance_past(&clock, next);
    let failed = wait_failed(&s, &admin, &title, 2).await;
    assert_eq!(failed.len(), 2, "no retry after the back-off");
    let again = by_title(&certificates(&admin, &s).await, &title).clone();
    let m = again.managed.as_ref().unwrap();
    assert_eq!(m.failures, 2, "{again:#?}");
    let wait = ms(m.next_attempt.as_deref().unwrap()) - clock.now_ms();
    assert!(
        wait > 9 * 60_000 && wait <= 20 * 60_000,
        "the second retry waits about ten minutes, not {wait} ms"
    );
    assert_eq!(
        std::fs::read_to_string(&crt).unwrap(),
        in_place,
        "the certificate in place is still untouched"
    );
}
