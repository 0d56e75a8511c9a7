//! Updates under load and faults: three replicas rolled while a prober keeps asking them
//! (no request may fail), a fixed host port (its downtime measured), a viewer refused, an
//! update and a scale of one service excluding each other, and bosun killed mid-update.

use std::time::{Duration, Instant};

use bosun_frontend::model::{UpdateRunDto, UpdateStarted, UpdateStatus};
use reqwest::StatusCode;
use serde_json::json;

use crate::api::{expect_json, json_get, refused, wait_listed};
use crate::harness::TestServer;
use crate::registry::{Build, Registry, docker};
use crate::stacks::{Project, unique};
use crate::updates::{containers_of, follow, kept_aside, stack};

/// A client of the service through its network: every 50 ms a request, and, like nginx's
/// `proxy_next_upstream` or an HTTP client library, one retry when the connection itself
/// breaks (a request in flight the moment a replica leaves the network, a few ms per replica,
/// cannot be answered: Docker's DNS round-robin has no draining). "retried" counts those.
const PROBER: &str = "  prober:\n    image: busybox:latest\n    init: true\n    command: [\"sh\", \"-c\", \"while true; do if timeout 3 wget -q -O /dev/null http://web/version; then echo ok; elif timeout 3 wget -q -O /dev/null http://web/version; then echo retried; else echo FAIL; fi; sleep 0.05; done\"]\n";

#[tokio::test]
async fn three_replicas_are_rolled_and_a_client_that_retries_once_loses_no_request() {
    let registry = Registry::start().await;
    let repo = unique("bosun-roll-");
    registry.build(&repo, "v1", Build::Good).await;
    let v2 = registry.build(&repo, "v2", Build::Good).await;
    registry.push(&repo, "v1", "stable").await;
    let image = format!("{}/{repo}:stable", registry.host);
    let p = Project::up(&unique("bosunroll"), &stack(&image, PROBER)).await;
    p.compose(&["up", "-d", "--scale", "web=3"]).await;
    let s = crate::updates::server().await;
    let admin = s.admin().await;
    let viewer = s.user(&admin, "vic", "viewer").await;
    wait_listed(&admin, &s, &p.name).await;
    registry.push(&repo, "v2", "stable").await;

    let url = s.url(&format!("/api/v1/projects/{}/services/web/update", p.name));
    refused(
        viewer.post(&url).send().await.unwrap(),
        StatusCode::FORBIDDEN,
    )
    .await;
    let since = docker(&["info", "-f", "{{.SystemTime}}"]);
    let started: UpdateStarted =
        expect_json(admin.post(&url).send().await.unwrap(), StatusCode::ACCEPTED).await;
    // While it runs, scaling the service (or a second update) is refused and says why.
    let scale = admin
        .post(s.url(&format!("/api/v1/projects/{}/services/web/scale", p.name)))
        .json(&json!({"replicas": 1}))
        .send()
        .await
        .unwrap();
    let e = refused(scale, StatusCode::CONFLICT).await;
    assert!(e.message.contains("updat"), "{e:?}");
    refused(admin.post(&url).send().await.unwrap(), StatusCode::CONFLICT).await;

    let done = follow(&admin, &s, started.id).await;
    assert_eq!(done.status, UpdateStatus::Succeeded, "{done:#?}");
    let now = containers_of(&p.name, "web");
    assert_eq!(now.len(), 3, "{now:?}");
    assert!(now.iter().all(|(_, image)| *image == v2), "{now:?}");
    assert!(kept_aside(&p.name).is_empty());

    // What the prober saw from the moment the update was asked for (scaling up before it
    // had its own moments, when a new replica was in DNS before it listened).
    let prober = containers_of(&p.name, "prober");
    let log = docker(&["logs", "--since", &since, &prober[0].0]);
    let (ok, retried, failed) = (
        log.matches("ok").count(),
        log.matches("retried").count(),
        log.matches("FAIL").count(),
    );
    println!(
        "rolling update of 3 replicas: {ok} requests answered, {retried} after one retry, {failed} failed"
    );
    assert!(ok > 30, "the prober hardly ran: {ok}");
    if failed > 0 {
        let fails: Vec<String> = docker(&["logs", "-t", "--since", &since, &prober[0].0])
            .lines()
            .filter(|l| l.contains("FAIL"))
            .map(str::to_owned)
            .collect();
        let until = docker(&["info", "-f", "{{.SystemTime}}"]);
        let events = docker(&[
            "events",
            "--since",
            &since,
            "--until",
            &until,
            "--format",
            "{{.TimeNano}} {{.Type}} {{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.container}}",
        ]);
        panic!(
            "requests failed during the rolling update at {fails:?}; steps {:?}; events:\n{events}",
            done.steps
        );
    }
}

#[tokio::test]
async fn a_fixed_port_service_stops_first_and_its_downtime_is_measured() {
    let registry = Registry::start().await;
    let repo = unique("bosun-fixed-");
    registry.build(&repo, "v1", Build::Good).await;
    let v2 = registry.build(&repo, "v2", Build::Good).await;
    registry.push(&repo, "v1", "stable").await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let image = format!("{}/{repo}:stable", registry.host);
    let ports = format!("    ports: [\"127.0.0.1:{port}:80\"]\n");
    let p = Project::up(
        &unique("bosunfix"),
        &format!("{}{ports}", stack(&image, "")),
    )
    .await;
    let s = crate::updates::server().await;
    let admin = s.admin().await;
    wait_listed(&admin, &s, &p.name).await;
    registry.push(&repo, "v2", "stable").await;

    // A client on the host asks every 20 ms; the longest gap between answers is the downtime.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let probe = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let client = crate::registry::plain_client();
            let (mut last_ok, mut gap, mut failed) = (Instant::now(), Duration::ZERO, 0u32);
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                match client
                    .get(format!("http://127.0.0.1:{port}/version"))
                    .send()
                    .await
                {
                    Ok(r) if r.status().is_success() => {
                        gap = gap.max(last_ok.elapsed());
                        last_ok = Instant::now();
                    }
                    _ => failed += 1,
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (gap, failed)
        })
    };
    let r = admin
        .post(s.url(&format!("/api/v1/projects/{}/services/web/update", p.name)))
        .send()
        .await
        .unwrap();
    let started: UpdateStarted = expect_json(r, StatusCode::ACCEPTED).await;
    let done = follow(&admin, &s, started.id).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let (gap, failed) = probe.await.unwrap();
    assert_eq!(done.status, UpdateStatus::Succeeded, "{done:#?}");
    assert!(
        done.steps.iter().any(|s| s.contains("fixed host port")),
        "{:?}",
        done.steps
    );
    let reported = done
        .downtime_ms
        .expect("a fixed-port update reports its downtime");
    println!(
        "fixed-port update: bosun reports {reported} ms down; a client saw a {} ms gap and {failed} failed requests",
        gap.as_millis()
    );
    assert!(reported < 30_000 && gap < Duration::from_secs(30));
    assert_eq!(containers_of(&p.name, "web")[0].1, v2);
}

#[tokio::test]
async fn bosun_killed_mid_update_comes_back_to_one_known_image_with_no_stray_container() {
    let registry = Registry::start().await;
    let repo = unique("bosun-kill-");
    let v1 = registry.build(&repo, "v1", Build::Good).await;
    registry.build(&repo, "v2", Build::Good).await;
    registry.push(&repo, "v1", "stable").await;
    let image = format!("{}/{repo}:stable", registry.host);
    // A long gate, so bosun is surely killed inside it.
    let slow = stack(&image, "").replace("bosun.update.wait: 1s", "bosun.update.wait: 60s");
    let p = Project::up(&unique("bosunkill"), &slow).await;
    let data = tempfile::tempdir().unwrap();
    let s = TestServer::spawn_in(
        data,
        &[
            "--admin-password",
            crate::harness::ADMIN_PASSWORD,
            "--update-check",
            "off",
        ],
    )
    .await;
    let admin = s.admin().await;
    wait_listed(&admin, &s, &p.name).await;
    registry.push(&repo, "v2", "stable").await;
    let name = containers_of(&p.name, "web")[0].0.clone();
    let r = admin
        .post(s.url(&format!("/api/v1/projects/{}/services/web/update", p.name)))
        .send()
        .await
        .unwrap();
    let started: UpdateStarted = expect_json(r, StatusCode::ACCEPTED).await;
    let url = format!("/api/v1/update-runs/{}", started.id);
    for _ in 0..600 {
        let run: UpdateRunDto = json_get(&admin, &s, &url).await;
        if run
            .steps
            .iter()
            .any(|s| s.contains("new container started"))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let data = s.kill().await;
    // SIGKILL ran no clean-up: the old container waits aside, the new one runs.
    assert_eq!(
        kept_aside(&p.name).len(),
        1,
        "{:?}",
        containers_of(&p.name, "web")
    );

    let s = TestServer::spawn_in(data, &["--update-check", "off"]).await;
    let admin = s.admin().await;
    let mut run: UpdateRunDto = json_get(&admin, &s, &url).await;
    for _ in 0..300 {
        if run.finished() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        run = json_get(&admin, &s, &url).await;
    }
    assert_eq!(run.status, UpdateStatus::Interrupted, "{run:#?}");
    assert!(
        run.reason
            .as_deref()
            .unwrap_or_default()
            .contains("went back"),
        "{run:#?}"
    );
    assert_eq!(
        containers_of(&p.name, "web"),
        vec![(name.clone(), v1.clone())]
    );
    assert!(kept_aside(&p.name).is_empty());
    let state = docker(&["inspect", "-f", "{{.State.Running}}", &name]);
    assert_eq!(state, "true");
    assert_eq!(docker(&["image", "inspect", "-f", "{{.Id}}", &image]), v1);
}
