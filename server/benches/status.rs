//! Status page at 100 containers: bosun's server time next to the raw Docker API
//! (list + inspect every container, eight at a time), measured side by side in one run.
//!
//!     cargo bench -p bosun --bench status              # 100 containers, 30 rounds
//!     cargo bench -p bosun --bench status -- --smoke   # 10 containers, 3 rounds
//!
//! Needs a running Docker engine and the busybox:latest image. Every container it makes
//! carries the label bosun.bench=<run id> and is removed at the end, also on failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::CreateContainerOptions;
use futures::{StreamExt, TryStreamExt};

mod common;

use common::{Cleanup, figure, list_and_inspect, median};

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() {
    let smoke = std::env::args().any(|a| a == "--smoke");
    let (containers, rounds) = if smoke { (10, 3) } else { (100, 30) };
    let run = format!("{:08x}", rand::random::<u32>());
    let project = format!("benchstatus{run}");
    let _cleanup = Cleanup(run.clone());
    let docker = Docker::connect_with_local_defaults()
        .unwrap()
        .negotiate_version()
        .await
        .unwrap();

    // 10 services of N/10 replicas, labelled like compose does.
    eprintln!("[bench] starting {containers} containers in project {project}…");
    futures::stream::iter(0..containers)
        .map(|i| {
            let docker = docker.clone();
            let (project, run) = (project.clone(), run.clone());
            async move {
                let service = format!("svc{}", i % 10);
                let number = (i / 10 + 1).to_string();
                let labels: HashMap<String, String> = [
                    ("com.docker.compose.project", project.as_str()),
                    ("com.docker.compose.service", service.as_str()),
                    ("com.docker.compose.container-number", number.as_str()),
                    ("com.docker.compose.oneoff", "False"),
                    ("bosun.bench", run.as_str()),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
                let name = format!("{project}_{service}_{number}");
                docker
                    .create_container(
                        Some(CreateContainerOptions {
                            name: Some(name.clone()),
                            ..Default::default()
                        }),
                        ContainerCreateBody {
                            image: Some("busybox:latest".into()),
                            cmd: Some(vec!["sleep".into(), "3600".into()]),
                            labels: Some(labels),
                            host_config: Some(HostConfig {
                                init: Some(true),
                                ..Default::default()
                            }),
                            ..Default::default()
                        },
                    )
                    .await?;
                docker.start_container(&name, None).await
            }
        })
        .buffer_unordered(8)
        .try_collect::<Vec<_>>()
        .await
        .expect("create the bench containers (is busybox:latest there?)");

    // bosun, in this process, on a loopback port.
    let data = tempfile::tempdir().unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let data_dir = data.path().display().to_string();
    let config = bosun_server::config::Config::load(
        [
            "bosun",
            "--data-dir",
            &data_dir,
            "--site-root",
            &data_dir,
            "--admin-password",
            "bench-password-1",
            "--tls",
            "off",
        ],
        Vec::new(),
    )
    .unwrap();
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(bosun_server::run(
        config,
        listener,
        async {
            let _ = stop_rx.await;
        },
        move |_| {
            let _ = ready_tx.send(());
        },
    ));
    ready_rx.await.unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = common::client();
    let r = client
        .post(format!("{base}/api/v1/session"))
        .header("origin", &base)
        .json(&serde_json::json!({"username": "admin", "password": "bench-password-1"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "sign-in failed: {}", r.status());

    // Wait until bosun has seen every container.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let p: serde_json::Value = client
            .get(format!("{base}/api/v1/projects/{project}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap_or_default();
        let seen: usize = p["services"]
            .as_array()
            .map(|s| {
                s.iter()
                    .map(|s| s["containers"].as_array().map_or(0, Vec::len))
                    .sum()
            })
            .unwrap_or(0);
        if seen == containers {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "bosun saw {seen} of {containers} containers"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let on_host = list_and_inspect(&docker).await;

    // Interleaved rounds, so both sides see the same machine load.
    let (mut raw, mut api, mut page) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        list_and_inspect(&docker).await;
        raw.push(t.elapsed());

        let t = Instant::now();
        let body = client
            .get(format!("{base}/api/v1/projects"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        api.push(t.elapsed());
        assert!(body.len() > 100);

        let t = Instant::now();
        let html = client
            .get(format!("{base}/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        page.push(t.elapsed());
        assert!(
            html.contains(&project),
            "the page does not list the project"
        );
    }
    let _ = stop_tx.send(());
    let (raw, api, page) = (median(raw), median(api), median(page));
    let ratio = |d: Duration| d.as_secs_f64() / raw.as_secs_f64();
    println!();
    println!(
        "status page, {containers} bench containers ({on_host} on the host), median of {rounds} interleaved rounds"
    );
    println!(
        "  {:<46} {:>10}",
        "raw Docker API: list + inspect each (8 at once)",
        ms(raw)
    );
    println!(
        "  {:<46} {:>10}  {:>6.2}×",
        "bosun GET /api/v1/projects",
        ms(api),
        ratio(api)
    );
    println!(
        "  {:<46} {:>10}  {:>6.2}×   goal ≤ 1.2×",
        "bosun GET / (Services page, server-rendered)",
        ms(page),
        ratio(page)
    );
    figure("status_ratio", ratio(page));
    figure("status_api_ratio", ratio(api));
    figure("status_containers", containers as f64);
}
