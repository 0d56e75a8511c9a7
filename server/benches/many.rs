//! 10,000 containers (created, not started) in 20 compose projects: bosun's overview next to
//! the engine's own `GET /containers/json?all=1`, bosun's first full read after its start next
//! to a list plus an inspect of each container (eight at a time, as bosun reads), bosun's RSS
//! with them all in its inventory, and the server-rendered Services page's time and size.
//!
//!     cargo bench -p bosun --bench many              # 10,000 containers, 5 rounds
//!     cargo bench -p bosun --bench many -- --smoke   # 300 containers, 3 rounds
//!
//! Runs the real `bosun` binary (plain HTTP on loopback). Needs a running engine and
//! busybox:latest. The containers carry the label bosun.bench=<run> and are removed at the
//! end (also on failure, by the cleanup guard).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::models::ContainerCreateBody;
use bollard::query_parameters::{
    CreateContainerOptions, ListContainersOptions, RemoveContainerOptions,
};
use bosun_frontend::model::Overview;
use futures::{StreamExt, TryStreamExt};

mod common;

use common::{Bosun, Cleanup, figure, list_and_inspect, median, rss_kib};

const PROJECTS: usize = 20;
const SERVICES: usize = 10;
/// How long bosun is left idle before its RSS is read.
const SETTLE: Duration = Duration::from_secs(2);

async fn list_all(docker: &Docker) -> usize {
    docker
        .list_containers(Some(ListContainersOptions {
            all: true,
            ..Default::default()
        }))
        .await
        .unwrap()
        .len()
}

/// The bench's containers in bosun's overview.
async fn listed(bosun: &Bosun, prefix: &str) -> usize {
    let o: Overview = bosun
        .client
        .get(bosun.url("/api/v1/overview"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    o.projects
        .iter()
        .filter(|p| p.name.starts_with(prefix))
        .flat_map(|p| &p.services)
        .map(|s| s.containers.len())
        .sum()
}

#[tokio::main]
async fn main() {
    let smoke = std::env::args().any(|a| a == "--smoke");
    let (n, rounds) = if smoke { (300, 3) } else { (10_000, 5) };
    let run = format!("{:08x}", rand::random::<u32>());
    let prefix = format!("benchmany{run}");
    let cleanup = Cleanup(run.clone());
    let docker = Docker::connect_with_local_defaults()
        .unwrap()
        .negotiate_version()
        .await
        .unwrap();

    eprintln!("[bench] creating {n} containers in {PROJECTS} projects…");
    let t = Instant::now();
    futures::stream::iter(0..n)
        .map(|i| {
            let (docker, run, prefix) = (docker.clone(), run.clone(), prefix.clone());
            async move {
                let project = format!("{prefix}p{}", i % PROJECTS);
                let service = format!("svc{}", (i / PROJECTS) % SERVICES);
                let number = (i / (PROJECTS * SERVICES) + 1).to_string();
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
                docker
                    .create_container(
                        Some(CreateContainerOptions {
                            name: Some(format!("{project}_{service}_{number}")),
                            ..Default::default()
                        }),
                        ContainerCreateBody {
                            image: Some("busybox:latest".into()),
                            cmd: Some(vec!["sleep".into(), "3600".into()]),
                            labels: Some(labels),
                            ..Default::default()
                        },
                    )
                    .await
            }
        })
        .buffer_unordered(16)
        .try_collect::<Vec<_>>()
        .await
        .expect("create the bench containers (is busybox:latest there?)");
    let created = t.elapsed();
    let on_host = list_all(&docker).await;

    // bosun's first full read, from its start until its overview holds every container; a
    // list plus inspect of the same containers before and after it. Timed on a restart (same
    // data dir, session still valid), as after an upgrade: a new data dir's first start also
    // hashes the first admin's password, and the bench's sign-in another (argon2id, 19 MiB
    // each), which have nothing to do with reading the engine. At 300 containers they were
    // most of the window (3.45x the raw read before, 1.71x since).
    let mut bosun = Bosun::start().await;
    let t = Instant::now();
    let before = list_and_inspect(&docker).await;
    let raw_before = t.elapsed();
    // From the new process's start: the old one's exit is not part of it.
    let t = bosun.restart().await;
    // Asked often enough to time a read of about 0.1 s (smoke) to within 10 ms; at full size
    // each answer is megabytes, and asking less often leaves bosun the machine.
    let poll = Duration::from_millis(if smoke { 10 } else { 50 });
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        if listed(&bosun, &prefix).await == n {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "bosun did not list {n} containers"
        );
        tokio::time::sleep(poll).await;
    }
    let first_read = t.elapsed();
    // RSS once bosun has settled: its allocator hands freed memory back within a second of
    // the work (jemalloc's decay, .cargo/config.toml). Right after the work it is higher.
    tokio::time::sleep(SETTLE).await;
    let rss_read = rss_kib(bosun.pid());
    let t = Instant::now();
    list_and_inspect(&docker).await;
    let raw_full = (raw_before + t.elapsed()) / 2;

    // Interleaved rounds: the engine's list, bosun's overview, the Services page.
    let (mut engine, mut overview, mut page) = (Vec::new(), Vec::new(), Vec::new());
    let mut page_bytes = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        list_all(&docker).await;
        engine.push(t.elapsed());

        let (body, took) = bosun.text("/api/v1/overview").await;
        overview.push(took);
        assert!(body.len() > n * 50, "an overview of {} bytes", body.len());

        let (html, took) = bosun.text("/").await;
        page.push(took);
        page_bytes = html.len();
    }
    // The Logs page: its picker names every container, and nothing more.
    let (logs_page, logs_page_time) = bosun.text("/logs").await;
    assert!(
        logs_page.contains(&format!("{prefix}p0_svc0_1")),
        "the Logs page's picker names the containers"
    );
    let rss_busy = rss_kib(bosun.pid());
    tokio::time::sleep(SETTLE).await;
    let rss = rss_kib(bosun.pid());
    drop(bosun);

    eprintln!("[bench] removing {n} containers…");
    let t = Instant::now();
    let ids: Vec<String> = docker
        .list_containers(Some(ListContainersOptions {
            all: true,
            filters: Some([("label".to_owned(), vec![format!("bosun.bench={run}")])].into()),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_iter()
        .filter_map(|c| c.id)
        .collect();
    futures::stream::iter(ids)
        .map(|id| {
            let docker = docker.clone();
            async move {
                docker
                    .remove_container(
                        &id,
                        Some(RemoveContainerOptions {
                            force: true,
                            v: true,
                            ..Default::default()
                        }),
                    )
                    .await
            }
        })
        .buffer_unordered(16)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    let removed = t.elapsed();
    drop(cleanup);

    let (engine, overview, page) = (median(engine), median(overview), median(page));
    let s = |d: Duration| d.as_secs_f64();
    println!();
    println!(
        "many containers: {n} created (not started) in {PROJECTS} projects, {on_host} on the host; median of {rounds} rounds"
    );
    println!(
        "  {:<52} {:>9.1} s / {:.1} s",
        "creating / removing them (16 at once)",
        s(created),
        s(removed)
    );
    println!(
        "  {:<52} {:>9.3} s",
        "engine GET /containers/json?all=1",
        s(engine)
    );
    println!(
        "  {:<52} {:>9.3} s  {:>6.2}×   goal ≤ 1.2×",
        "bosun GET /api/v1/overview",
        s(overview),
        s(overview) / s(engine)
    );
    println!(
        "  {:<52} {:>9.2} s   ({before} inspected)",
        "engine list + inspect each (8 at once)",
        s(raw_full)
    );
    println!(
        "  {:<52} {:>9.2} s  {:>6.2}×   goal ≤ 1.5×",
        "bosun from start to its overview holding them all",
        s(first_read),
        s(first_read) / s(raw_full)
    );
    let mb = |kib: u64| kib as f64 * 1024.0 / 1e6;
    println!(
        "  {:<52} {:>9.1} MB",
        "bosun RSS after its first read (settled)",
        mb(rss_read)
    );
    println!(
        "  {:<52} {:>9.1} MB",
        "bosun RSS right after the overviews and pages below",
        mb(rss_busy)
    );
    println!(
        "  {:<52} {:>9.1} MB   goal ≤ 100 MB",
        "bosun RSS after them, settled (2 s later)",
        mb(rss)
    );
    println!(
        "  {:<52} {:>9.3} s   {:.1} MB of HTML",
        "bosun GET / (Services page, server-rendered)",
        s(page),
        page_bytes as f64 / 1e6
    );
    println!(
        "  {:<52} {:>9.3} s   {:.2} MB of HTML",
        "bosun GET /logs (Logs page, server-rendered)",
        s(logs_page_time),
        logs_page.len() as f64 / 1e6
    );
    figure("many_containers", n as f64);
    figure("many_overview_ratio", s(overview) / s(engine));
    figure("many_first_read_ratio", s(first_read) / s(raw_full));
    figure("many_rss_mb", rss as f64 * 1024.0 / 1e6);
    figure("many_rss_read_mb", rss_read as f64 * 1024.0 / 1e6);
    figure("many_rss_busy_mb", mb(rss_busy));
    figure("many_page_s", s(page));
    figure("many_page_mb", page_bytes as f64 / 1e6);
    figure("many_logs_page_mb", logs_page.len() as f64 / 1e6);
}
