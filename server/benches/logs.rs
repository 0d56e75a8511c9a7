//! Log throughput and memory: bosun's follow stream next to the raw Docker logs API on the
//! same container, measured side by side in one run; and bosun's RSS idle and with 50 and
//! 100 followers.
//!
//!     cargo bench -p bosun --bench logs              # 200,000 lines, 50 and 100 followers
//!     cargo bench -p bosun --bench logs -- --smoke   # 20,000 lines, 5 and 10 followers
//!
//! Runs the real `bosun` binary (plain HTTP on loopback) so its RSS is its own. Needs a
//! running engine and busybox:latest; removes every container it made (label bosun.bench).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{CreateContainerOptions, LogsOptions};
use futures::StreamExt;

mod common;

use common::{Bosun, Cleanup, figure, rss_kib};

async fn container(docker: &Docker, run: &str, name: &str, script: String) -> String {
    let name = format!("benchlogs{run}{name}");
    docker
        .create_container(
            Some(CreateContainerOptions {
                name: Some(name.clone()),
                ..Default::default()
            }),
            ContainerCreateBody {
                image: Some("busybox:latest".into()),
                cmd: Some(vec!["sh".into(), "-c".into(), script]),
                labels: Some([("bosun.bench".to_owned(), run.to_owned())].into()),
                host_config: Some(HostConfig {
                    init: Some(true),
                    ..Default::default()
                }),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    docker.start_container(&name, None).await.unwrap();
    name
}

/// Raw engine: follow from the start, stop at `n` lines.
async fn raw_follow(docker: &Docker, id: &str, n: usize) -> Duration {
    let t = Instant::now();
    let mut s = docker.logs(
        id,
        Some(LogsOptions {
            follow: true,
            stdout: true,
            stderr: true,
            timestamps: true,
            tail: "all".into(),
            ..Default::default()
        }),
    );
    let mut lines = 0;
    let stop = Instant::now() + Duration::from_secs(120);
    while let Ok(Some(frame)) = tokio::time::timeout_at(stop.into(), s.next()).await {
        lines += frame
            .unwrap()
            .into_bytes()
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        if lines >= n {
            break;
        }
    }
    assert!(lines >= n, "the engine delivered {lines} of {n} lines");
    t.elapsed()
}

/// bosun: the SSE follow stream from the start, stop at `n` lines.
async fn bosun_follow(client: &reqwest::Client, base: &str, id: &str, n: usize) -> Duration {
    let t = Instant::now();
    let r = client
        .get(format!(
            "{base}/api/v1/containers/{id}/logs?tail=all&follow=true"
        ))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let mut body = r.bytes_stream();
    let mut lines = 0;
    let needle = b"\"type\":\"line\"";
    // A needle may straddle two chunks: keep the end of the previous one.
    let mut carry: Vec<u8> = Vec::new();
    let stop = Instant::now() + Duration::from_secs(120);
    while let Ok(Some(chunk)) = tokio::time::timeout_at(stop.into(), body.next()).await {
        carry.extend_from_slice(&chunk.unwrap());
        lines += carry.windows(needle.len()).filter(|w| *w == needle).count();
        let keep = carry.len().min(needle.len() - 1);
        carry.drain(..carry.len() - keep);
        if lines >= n {
            break;
        }
    }
    assert!(lines >= n, "bosun delivered {lines} of {n} lines");
    t.elapsed()
}

#[tokio::main]
async fn main() {
    let smoke = std::env::args().any(|a| a == "--smoke");
    let (lines, followers, rounds) = if smoke {
        (20_000, 5, 1)
    } else {
        (200_000, 50, 3)
    };
    let run = format!("{:08x}", rand::random::<u32>());
    let cleanup = Cleanup(run.clone());
    let docker = Docker::connect_with_local_defaults()
        .unwrap()
        .negotiate_version()
        .await
        .unwrap();

    // bosun itself, as its own process.
    let bosun = Bosun::start().await;
    let (base, client, pid) = (bosun.base.clone(), bosun.client.clone(), bosun.pid());
    tokio::time::sleep(Duration::from_millis(500)).await;
    let signed_in = rss_kib(pid);
    // Idle: the sign-in's work done, and its argon2 memory (19 MiB) handed back to the system
    // by the allocator's one-second decay; what `docker stats` shows for a console nobody uses.
    tokio::time::sleep(Duration::from_millis(9500)).await;
    let idle = rss_kib(pid);

    // Throughput: one container that has written `lines` lines.
    eprintln!("[bench] writing {lines} lines…");
    let spam = container(
        &docker,
        &run,
        "spam",
        format!("awk 'BEGIN {{ for (i = 1; i <= {lines}; i++) print \"line \" i \" lorem ipsum dolor sit amet, consectetur adipiscing\" }}'; sleep 3600"),
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let last = docker
            .logs(
                &spam,
                Some(LogsOptions {
                    stdout: true,
                    tail: "1".into(),
                    ..Default::default()
                }),
            )
            .next()
            .await;
        if last
            .is_some_and(|l| l.is_ok_and(|l| l.to_string().starts_with(&format!("line {lines} "))))
        {
            break;
        }
        assert!(Instant::now() < deadline, "the spammer did not finish");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Let bosun's inventory see the container.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (mut raw, mut ours) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        raw.push(raw_follow(&docker, &spam, lines).await);
        ours.push(bosun_follow(&client, &base, &spam, lines).await);
    }
    raw.sort();
    ours.sort();
    let (raw, ours) = (raw[raw.len() / 2], ours[ours.len() / 2]);
    let per_s = |d: Duration| lines as f64 / d.as_secs_f64();

    // Memory and loss: `followers` streams, then twice as many, on a container writing
    // numbered lines.
    let live = container(
        &docker,
        &run,
        "live",
        "i=0; while true; do i=$((i+1)); echo \"seq $i\"; usleep 5000; done".to_owned(),
    )
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let few = follow_many(&client, &base, &live, pid, followers).await;
    let many = follow_many(&client, &base, &live, pid, 2 * followers).await;
    drop(bosun);
    drop(cleanup);

    println!();
    println!(
        "logs: {lines} lines, median of {rounds} interleaved rounds; {followers} and {} followers for 10 s",
        2 * followers
    );
    println!(
        "  {:<48} {:>12.0} lines/s",
        "raw Docker logs API (follow from the start)",
        per_s(raw)
    );
    println!(
        "  {:<48} {:>12.0} lines/s  {:>5.2}×   goal ≥ 0.9×",
        "bosun follow stream (SSE, filtered path)",
        per_s(ours),
        per_s(ours) / per_s(raw)
    );
    println!(
        "  {:<48} {:>9.1} MiB",
        "bosun RSS, 0.5 s after a sign-in",
        signed_in as f64 / 1024.0
    );
    println!(
        "  {:<48} {:>9.1} MiB   goal ≤ 15 MB",
        "bosun RSS, idle (10 s after a sign-in)",
        idle as f64 / 1024.0
    );
    for (n, f) in [(followers, &few), (2 * followers, &many)] {
        println!(
            "  {:<48} {:>9.1} MiB   goal ≤ 100 MB at 100; {} lines, {} gaps",
            format!("bosun RSS with {n} followers"),
            f.rss_kib as f64 / 1024.0,
            f.received,
            f.gaps
        );
    }
    figure("logs_ratio", per_s(ours) / per_s(raw));
    figure("logs_lines_per_s", per_s(ours));
    figure("rss_signed_in_mb", signed_in as f64 * 1024.0 / 1e6);
    figure("rss_idle_mb", idle as f64 * 1024.0 / 1e6);
    figure("rss_followers_few_mb", few.rss_kib as f64 * 1024.0 / 1e6);
    figure("rss_followers_many_mb", many.rss_kib as f64 * 1024.0 / 1e6);
    figure("followers_few", followers as f64);
    figure("followers_many", 2.0 * followers as f64);
    figure("follower_gaps", (few.gaps + many.gaps) as f64);
}

struct Followed {
    rss_kib: u64,
    received: usize,
    gaps: usize,
}

/// `n` clients follow `live` for 10 s; bosun's RSS is read after 8 s.
async fn follow_many(
    client: &reqwest::Client,
    base: &str,
    live: &str,
    pid: u32,
    n: usize,
) -> Followed {
    let mut tasks = Vec::new();
    for _ in 0..n {
        let client = client.clone();
        let url = format!("{base}/api/v1/containers/{live}/logs?tail=0&follow=true");
        tasks.push(tokio::spawn(async move {
            let r = client.get(url).send().await.unwrap();
            let mut body = r.bytes_stream();
            let mut text = String::new();
            let stop = Instant::now() + Duration::from_secs(10);
            while let Ok(Some(chunk)) = tokio::time::timeout_at(stop.into(), body.next()).await {
                text.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
            }
            let seqs: Vec<u64> = text
                .match_indices("\"text\":\"seq ")
                .filter_map(|(i, m)| text[i + m.len()..].split('"').next()?.parse().ok())
                .collect();
            seqs
        }));
    }
    tokio::time::sleep(Duration::from_secs(8)).await;
    let rss_kib = rss_kib(pid);
    let mut received = 0;
    let mut gaps = 0;
    for t in tasks {
        let seqs = t.await.unwrap();
        received += seqs.len();
        gaps += seqs.windows(2).filter(|w| w[1] != w[0] + 1).count();
    }
    Followed {
        rss_kib,
        received,
        gaps,
    }
}
