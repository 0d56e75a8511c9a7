//! `GET /metrics` against the real engine: a viewer reads it, a caller without credentials
//! does not (unless at an address in `BOSUN_METRICS_ALLOW`); three people following one
//! container's logs show as three followers and one engine log stream, which closes after its
//! linger; a failed sign-in is counted by action and outcome.

use std::time::{Duration, Instant};

use bosun_frontend::model::{LogFrame, ServiceDto};
use reqwest::StatusCode;

use crate::api::{json_get, wait_listed};
use crate::harness::{ADMIN_PASSWORD, TestServer};
use crate::logs::SAYER;
use crate::sse::Events;
use crate::stacks::{Project, unique};

/// The value of the sample line `name` (with its labels, as printed), if present.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

async fn metrics(client: &reqwest::Client, s: &TestServer) -> String {
    let r = client.get(s.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text"),
        "{:?}",
        r.headers()
    );
    r.text().await.unwrap()
}

/// Reads the metrics until `ok` holds for them (10 s at most).
async fn until(
    client: &reqwest::Client,
    s: &TestServer,
    what: &str,
    ok: impl Fn(&str) -> bool,
) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = metrics(client, s).await;
        if ok(&text) {
            return text;
        }
        assert!(Instant::now() < deadline, "{what} within 10 s:\n{text}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn metrics_count_log_followers_and_engine_streams_for_a_viewer_only() {
    // An allowed address that is not this test's: loopback still needs credentials.
    let s = TestServer::start_with(&[
        "--admin-password",
        ADMIN_PASSWORD,
        "--metrics-allow",
        "192.0.2.7",
    ])
    .await;
    let anonymous = s.script().get(s.url("/metrics")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let admin = s.admin().await;
    let viewer = s.user(&admin, "metricsviewer", "viewer").await;
    // bosun connects to the engine after it starts listening: give it the time it takes.
    let mut text = metrics(&viewer, &s).await;
    for _ in 0..150 {
        if sample(&text, "bosun_engine_connected") == Some(1.0) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        text = metrics(&viewer, &s).await;
    }
    assert_eq!(sample(&text, "bosun_engine_connected"), Some(1.0), "{text}");
    assert_eq!(
        sample(&text, "bosun_engine_streams{kind=\"logs\"}"),
        Some(0.0)
    );
    assert_eq!(
        sample(&text, "bosun_jobs_running{kind=\"backup\"}"),
        Some(0.0)
    );

    let project = Project::up(&unique("itmetrics"), SAYER).await;
    wait_listed(&admin, &s, &project.name).await;
    let p = &project.name;
    let svc: ServiceDto =
        json_get(&admin, &s, &format!("/api/v1/projects/{p}/services/sayer")).await;
    let id = &svc.containers[0].id;
    // Three people follow one container: by service, by container, and one more.
    let mut followers = Vec::new();
    for url in [
        format!("/api/v1/projects/{p}/services/sayer/logs?follow=true"),
        format!("/api/v1/containers/{id}/logs?follow=true"),
        format!("/api/v1/containers/{id}/logs?follow=true&tail=0"),
    ] {
        let mut f = Events::open(&viewer, s.url(&url)).await;
        let _: Option<LogFrame> = f.next(Duration::from_secs(5)).await;
        followers.push(f);
    }
    let text = until(&viewer, &s, "three followers, one engine log stream", |t| {
        sample(t, "bosun_log_followers") == Some(3.0)
    })
    .await;
    assert_eq!(
        sample(&text, "bosun_engine_streams{kind=\"logs\"}"),
        Some(1.0),
        "three followers of one container share one engine stream:\n{text}"
    );
    assert!(
        sample(&text, "bosun_live_views").is_some_and(|n| n >= 3.0),
        "{text}"
    );

    // They leave: the engine stream lingers a few seconds, then closes.
    drop(followers);
    until(&viewer, &s, "no followers", |t| {
        sample(t, "bosun_log_followers") == Some(0.0)
    })
    .await;
    until(&viewer, &s, "the engine log stream closed", |t| {
        sample(t, "bosun_engine_streams{kind=\"logs\"}") == Some(0.0)
    })
    .await;

    // A wrong password is counted by action and outcome.
    let wrong = s
        .browser()
        .post(s.url("/api/v1/session"))
        .json(&serde_json::json!({"username": "admin", "password": "not-the-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let text = metrics(&viewer, &s).await;
    assert!(
        sample(
            &text,
            "bosun_audit_events_total{action=\"session.login\",outcome=\"failed\"}"
        )
        .is_some_and(|n| n >= 1.0),
        "{text}"
    );
}

#[tokio::test]
async fn an_allowed_address_reads_metrics_without_credentials() {
    let s = TestServer::start_with(&[
        "--admin-password",
        ADMIN_PASSWORD,
        "--metrics-allow",
        "127.0.0.0/8,::1",
    ])
    .await;
    let text = metrics(&s.script(), &s).await;
    assert!(text.contains("# TYPE bosun_engine_streams gauge"), "{text}");
    assert!(text.ends_with("# EOF\n"));
    // Only /metrics: the API still wants a sign-in from there.
    let api = s
        .script()
        .get(s.url("/api/v1/engine"))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
}
