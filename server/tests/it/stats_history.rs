//! The always-on stats history (`BOSUN_STATS_HISTORY`): sampled with no page watching, read
//! per service or per container, refused without sign-in or for an unknown range; a setting
//! it cannot use stops bosun before it starts.

use std::time::{Duration, Instant};

use bosun_frontend::model::{StatsHistory, StatsStatus};
use reqwest::StatusCode;

use crate::api::{json_get, refused, wait_listed};
use crate::harness::{ADMIN_PASSWORD, TestServer};
use crate::stacks::{Project, unique};

/// One container that keeps a core busy.
const BURNER: &str = "services:\n  burn:\n    image: busybox:latest\n    command: [\"sh\", \"-c\", \"while :; do :; done\"]\n    init: true\n";

#[tokio::test]
async fn the_history_samples_running_containers_while_nobody_watches() {
    let s = TestServer::start_with(&[
        "--admin-password",
        ADMIN_PASSWORD,
        "--stats-history",
        "1s/2m",
    ])
    .await;
    let admin = s.admin().await;
    let p = Project::up(&unique("ithist"), BURNER).await;
    wait_listed(&admin, &s, &p.name).await;

    let path = format!(
        "/api/v1/stats/history?project={}&service=burn&range=1h",
        p.name
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    let history = loop {
        let h: StatsHistory = json_get(&admin, &s, &path).await;
        if h.containers.first().is_some_and(|c| c.samples.len() >= 3) {
            break h;
        }
        assert!(
            Instant::now() < deadline,
            "fewer than 3 samples after 15 s: {h:#?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert!(history.enabled);
    assert_eq!((history.interval_secs, history.retention_secs), (1, 120));
    assert_eq!(history.containers.len(), 1, "{history:#?}");
    let burner = &history.containers[0];
    assert!(burner.name.contains(&p.name), "{burner:?}");
    let samples = &burner.samples;
    assert!(
        samples.windows(2).all(|w| w[0].at < w[1].at),
        "times must increase: {samples:?}"
    );
    assert!(samples.iter().all(|x| x.memory > 0), "{samples:?}");
    assert!(
        samples[0].cpu_percent.is_none(),
        "the first has nothing to compare with"
    );
    assert!(
        samples
            .iter()
            .any(|x| x.cpu_percent.is_some_and(|c| c > 5.0)),
        "a busy loop uses more than 5 % CPU: {samples:?}"
    );

    // Taken with no stats page open: the live collector never started.
    let status: StatsStatus = json_get(&admin, &s, "/api/v1/stats").await;
    assert_eq!(status.watchers, 0);
    assert!(status.collecting.is_empty(), "{status:?}");
    assert!(status.history.enabled);
    assert_eq!(status.history.interval_secs, 1);
    assert!(status.history.containers >= 1, "{status:?}");
    assert!(status.history.samples >= 3, "{status:?}");
    assert!(status.history.engine_calls >= 3, "{status:?}");

    // The same container by id, over another range.
    let one: StatsHistory = json_get(
        &admin,
        &s,
        &format!("/api/v1/stats/history?container={}&range=6h", burner.id),
    )
    .await;
    assert_eq!(one.containers.len(), 1);
    assert_eq!(one.containers[0].id, burner.id);
    assert!(one.containers[0].samples.len() >= 3);

    // Not signed in: 401. An unknown range: 400 naming the ranges there are.
    let r = s.script().get(s.url(&path)).send().await.unwrap();
    refused(r, StatusCode::UNAUTHORIZED).await;
    let r = admin
        .get(s.url(&path.replace("range=1h", "range=7d")))
        .send()
        .await
        .unwrap();
    let e = refused(r, StatusCode::BAD_REQUEST).await;
    assert_eq!(e.field.as_deref(), Some("range"));
    assert!(e.message.contains("1h, 6h or 24h"), "{e:?}");
    // No selector: 400; a service with no containers: 404.
    let r = admin
        .get(s.url("/api/v1/stats/history?range=1h"))
        .send()
        .await
        .unwrap();
    refused(r, StatusCode::BAD_REQUEST).await;
    let r = admin
        .get(s.url(&format!(
            "/api/v1/stats/history?project={}&service=absent",
            p.name
        )))
        .send()
        .await
        .unwrap();
    let e = refused(r, StatusCode::NOT_FOUND).await;
    assert!(e.message.contains("absent"), "{e:?}");
}

#[tokio::test]
async fn an_interval_under_a_second_stops_bosun_before_it_starts() {
    let data = tempfile::tempdir().unwrap();
    let out = crate::launch::bosun()
        .env("BOSUN_STATS_HISTORY", "0s/1m")
        .arg("--data-dir")
        .arg(data.path())
        .args(["--listen", "127.0.0.1:0"])
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("BOSUN_STATS_HISTORY")
            && stderr.contains("at least 1s")
            && stderr.contains("1m/24h"),
        "{stderr}"
    );
}
