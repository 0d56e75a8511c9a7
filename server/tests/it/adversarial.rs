//! Attacks that stay in the suite: a password-guessing run from many addresses, and sessions
//! that must end (idle and absolute timeouts). The route × role matrix is in `security`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use bosun_server::clock::{Clock, ManualClock};

use crate::api::{audit, status_of};
use crate::harness::{ADMIN_PASSWORD, TestServer};
use crate::sse::Events;

const GUESSES: usize = 10_000;
const ADDRESSES: usize = 50;

#[tokio::test]
async fn ten_thousand_guesses_from_many_addresses_are_locked_out_and_bosun_stays_responsive() {
    // bosun believes X-Forwarded-For from loopback, so each guess can claim its own address.
    let s = TestServer::start_with(&[
        "--trusted-proxies",
        "127.0.0.1",
        "--admin-password",
        ADMIN_PASSWORD,
    ])
    .await;
    let admin_before = s.admin().await;
    let _ = s.user(&admin_before, "vi", "viewer").await;
    let client = s.script();
    let refused = Arc::new(AtomicUsize::new(0));
    let wrong = Arc::new(AtomicUsize::new(0));
    let other = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let attack = {
        let (client, url) = (client.clone(), s.url("/api/v1/session"));
        let (refused, wrong, other) = (refused.clone(), wrong.clone(), other.clone());
        tokio::spawn(async move {
            let next = Arc::new(AtomicUsize::new(0));
            let workers: Vec<_> = (0..16)
                .map(|_| {
                    let (client, url, next) = (client.clone(), url.clone(), next.clone());
                    let (refused, wrong, other) = (refused.clone(), wrong.clone(), other.clone());
                    tokio::spawn(async move {
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            if i >= GUESSES {
                                return;
                            }
                            let from = format!("198.51.100.{}", i % ADDRESSES + 1);
                            let r = client
                                .post(&url)
                                .header("x-forwarded-for", from)
                                .json(&json!({"username": "admin", "password": format!("guess-{i:05}-xxxxx")}))
                                .send()
                                .await;
                            match r.map(|r| r.status()) {
                                Ok(StatusCode::TOO_MANY_REQUESTS) => refused.fetch_add(1, Ordering::Relaxed),
                                Ok(StatusCode::UNAUTHORIZED) => wrong.fetch_add(1, Ordering::Relaxed),
                                _ => other.fetch_add(1, Ordering::Relaxed),
                            };
                        }
                    })
                })
                .collect();
            for w in workers {
                let _ = w.await;
            }
        })
    };
    // Meanwhile the health check answers, every time.
    let mut health = Vec::new();
    while !attack.is_finished() {
        let t = Instant::now();
        let r = tokio::time::timeout(Duration::from_secs(5), client.get(s.url("/healthz")).send())
            .await;
        assert!(
            r.is_ok_and(|r| r.is_ok_and(|r| r.status() == StatusCode::OK)),
            "/healthz stopped answering under attack"
        );
        health.push(t.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    attack.await.unwrap();
    let took = started.elapsed();
    health.sort();
    let p = |q: f64| health[((health.len() - 1) as f64 * q) as usize];
    // scripts/test.sh runs this test on its own with --nocapture, so CI prints the figures.
    println!(
        "brute force: {GUESSES} guesses from {ADDRESSES} addresses in {:.1} s; /healthz p50 {:?}, p99 {:?} ({} samples); {} refused before hashing, {} checked",
        took.as_secs_f64(),
        p(0.5),
        p(0.99),
        health.len(),
        refused.load(Ordering::Relaxed),
        wrong.load(Ordering::Relaxed)
    );
    assert_eq!(
        other.load(Ordering::Relaxed),
        0,
        "every guess was answered 401 or 429"
    );
    // Hashing is bounded: a guess counts from the moment it is let through, so the first few
    // addresses get their free tries in parallel, and once the name is under attack every other
    // address gets one try through the name's slow lane (one check at a time, each after a
    // pause). The rest are refused before any password hash is computed (each "failed" sign-in
    // in the audit log is one hash).
    let checked = wrong.load(Ordering::Relaxed);
    assert!(
        (5..=ADDRESSES + 5).contains(&checked),
        "{checked} passwords were checked; at most a try per address once under attack"
    );
    assert_eq!(refused.load(Ordering::Relaxed) + checked, GUESSES);

    // A stranger cannot lock the real user out: the right password from an address that did
    // not take part in the attack signs in (through the slow lane: it takes a moment).
    let r = client
        .post(s.url("/api/v1/session"))
        .header("x-forwarded-for", "203.0.113.9")
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // The attacking addresses still wait, with Retry-After, even with the right password.
    let r = client
        .post(s.url("/api/v1/session"))
        .header("x-forwarded-for", "198.51.100.1")
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    // Another user signs in fine: the attack slowed one name, from the guessing clients.
    let r = client
        .post(s.url("/api/v1/session"))
        .header("x-forwarded-for", "203.0.113.10")
        .json(&json!({"username": "vi", "password": crate::harness::password_of("vi")}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let data = s.stop().await;
    // After a restart the throttle is fresh (it is in memory); the attack left no account damage.
    let s = TestServer::start_in(data, &["--admin-password", ADMIN_PASSWORD]).await;
    let admin = s.admin().await;
    drop(admin_before);
    let failed = audit(&s, &admin, "action=session.login&outcome=failed&limit=500").await;
    assert_eq!(failed.len(), checked);
    let denied = audit(&s, &admin, "action=session.login&outcome=denied&limit=5").await;
    assert!(
        denied[0]
            .client
            .as_deref()
            .unwrap()
            .starts_with("198.51.100."),
        "{denied:?}"
    );
}

#[tokio::test]
async fn sessions_end_after_idle_and_absolute_timeouts() {
    // On bosun's clock, moved by hand: the test takes seconds, not minutes.
    let clock = ManualClock::from_now();
    let s = TestServer::start_clocked(
        tempfile::tempdir().unwrap(),
        &[
            "--session-idle",
            "1m",
            "--session-absolute",
            "2m",
            "--admin-password",
            ADMIN_PASSWORD,
        ],
        clock.clone(),
    )
    .await;
    let busy = s.admin().await;
    let idle = s.admin().await;
    // A live view open on each: it ends with its session, not before.
    let views = s.url("/api/v1/engine/events");
    let mut busy_view = Events::open(&busy, views.clone()).await;
    let mut idle_view = Events::open(&idle, views).await;
    let started = clock.now_ms();
    let elapsed = || Duration::from_millis(u64::try_from(clock.now_ms() - started).unwrap());
    // `busy` is used every 20 s, `idle` not at all.
    let mut idle_ended_at = None;
    let mut busy_ended_at = None;
    while elapsed() < Duration::from_secs(150) && busy_ended_at.is_none() {
        clock.advance(Duration::from_secs(20));
        if status_of(&busy, &s, "/api/v1/me").await == StatusCode::UNAUTHORIZED {
            busy_ended_at = Some(elapsed());
        } else {
            assert!(
                !busy_view.ends_within(Duration::from_millis(300)).await,
                "the busy session's live view ended early, at {:?}",
                elapsed()
            );
        }
        if elapsed() < Duration::from_secs(60) {
            assert!(
                !idle_view.ends_within(Duration::from_millis(300)).await,
                "the idle session's live view ended before its idle timeout, at {:?}",
                elapsed()
            );
        }
        if idle_ended_at.is_none() && elapsed() > Duration::from_secs(65) {
            assert_eq!(
                status_of(&idle, &s, "/api/v1/me").await,
                StatusCode::UNAUTHORIZED,
                "idle for over a minute"
            );
            assert!(
                idle_view.ends_within(Duration::from_secs(10)).await,
                "the idle session's live view is still open"
            );
            idle_ended_at = Some(elapsed());
        }
    }
    let busy_ended_at =
        busy_ended_at.expect("an active session still ends after the absolute timeout");
    assert!(
        busy_ended_at >= Duration::from_secs(115),
        "ended early, at {busy_ended_at:?}, while in use"
    );
    assert!(idle_ended_at.is_some());
    assert!(
        busy_view.ends_within(Duration::from_secs(10)).await,
        "the busy session's live view outlived its absolute timeout"
    );
    // The ended session says so (not just "sign in"), and signing in again works.
    let r = busy.get(s.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let again = s.admin().await;
    assert_eq!(status_of(&again, &s, "/api/v1/me").await, StatusCode::OK);
}
