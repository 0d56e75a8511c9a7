//! Many people following one busy container: 1,000 viewers of one container writing about
//! 2,000 numbered lines a second. Measures bosun's RSS while they follow, the engine log
//! streams bosun holds open (from its own `/metrics`), and for every viewer the lines it got
//! and any it missed. A viewer that fell behind is told so in its stream (a `skipped` marker);
//! every other viewer must have every line.
//!
//!     cargo bench -p bosun --bench fanout              # 1,000 viewers for 20 s
//!     cargo bench -p bosun --bench fanout -- --smoke   # 50 viewers for 5 s
//!
//! Runs the real `bosun` binary (plain HTTP on loopback). Needs a running engine and
//! busybox:latest; removes every container it made (label bosun.bench).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{CreateContainerOptions, LogsOptions};
use futures::StreamExt;

mod common;

use common::{Bosun, Cleanup, figure, rss_kib};

/// About 2,000 lines a second: 20 lines, then 10 ms asleep.
const WRITER: &str =
    "i=0; while :; do i=$((i+1)); echo \"seq $i\"; [ $((i % 20)) = 0 ] && usleep 10000; done";

/// What one viewer saw.
#[derive(Default)]
struct Seen {
    lines: u64,
    missing: u64,
    skipped: bool,
    /// Lines its `skipped` markers said it missed.
    told: u64,
    first: Option<u64>,
    last: Option<u64>,
}

impl Seen {
    /// Reads the complete lines of `text` (SSE `data:` lines of log frames).
    fn read(&mut self, text: &str) {
        const SEQ: &str = "\"text\":\"seq ";
        const TOLD: &str = "than this view reads: ";
        if text.contains("\"kind\":\"skipped\"") {
            self.skipped = true;
        }
        for (i, m) in text.match_indices(TOLD) {
            let rest = &text[i + m.len()..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            self.told += digits.parse::<u64>().unwrap_or(0);
        }
        for (i, m) in text.match_indices(SEQ) {
            let rest = &text[i + m.len()..];
            let Some(n) = rest.split('"').next().and_then(|d| d.parse::<u64>().ok()) else {
                continue;
            };
            if let Some(last) = self.last {
                self.missing += n.saturating_sub(last + 1);
            }
            self.first.get_or_insert(n);
            self.last = Some(n);
            self.lines += 1;
        }
    }
}

async fn viewer(client: reqwest::Client, url: String, until: Instant) -> Seen {
    let r = client
        .get(url)
        .timeout(Duration::from_secs(600))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let mut body = r.bytes_stream();
    let mut seen = Seen::default();
    let mut pending = String::new();
    while let Ok(Some(chunk)) = tokio::time::timeout_at(until.into(), body.next()).await {
        let Ok(chunk) = chunk else { break };
        pending.push_str(&String::from_utf8_lossy(&chunk));
        if let Some(end) = pending.rfind('\n') {
            seen.read(&pending[..end]);
            pending.drain(..=end);
        }
    }
    seen
}

/// The newest line the container wrote, read from the engine.
async fn last_seq(docker: &Docker, name: &str) -> u64 {
    let mut logs = docker.logs(
        name,
        Some(LogsOptions {
            stdout: true,
            tail: "1".into(),
            ..Default::default()
        }),
    );
    let line = logs.next().await.unwrap().unwrap().to_string();
    line.trim().trim_start_matches("seq ").parse().unwrap()
}

/// The value of one sample line of bosun's metrics.
async fn metric(bosun: &Bosun, name: &str) -> f64 {
    let (text, _) = bosun.text("/metrics").await;
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in\n{text}"))
}

#[tokio::main]
async fn main() {
    let smoke = std::env::args().any(|a| a == "--smoke");
    let (viewers, secs) = if smoke { (50, 5) } else { (1000, 20) };
    let run = format!("{:08x}", rand::random::<u32>());
    let cleanup = Cleanup(run.clone());
    let docker = Docker::connect_with_local_defaults()
        .unwrap()
        .negotiate_version()
        .await
        .unwrap();
    // One sign-in holds every viewer's stream.
    let cap = viewers.to_string();
    let bosun = Bosun::start_with(&[("BOSUN_MAX_STREAMS", cap.as_str())]).await;

    let name = format!("benchfanout{run}");
    docker
        .create_container(
            Some(CreateContainerOptions {
                name: Some(name.clone()),
                ..Default::default()
            }),
            ContainerCreateBody {
                image: Some("busybox:latest".into()),
                cmd: Some(vec!["sh".into(), "-c".into(), WRITER.into()]),
                labels: Some([("bosun.bench".to_owned(), run.clone())].into()),
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
    tokio::time::sleep(Duration::from_secs(1)).await;

    eprintln!("[bench] {viewers} viewers follow {name} for {secs} s…");
    let first_written = last_seq(&docker, &name).await;
    let started = Instant::now();
    let until = started + Duration::from_secs(secs);
    let url = bosun.url(&format!(
        "/api/v1/containers/{name}/logs?tail=0&follow=true"
    ));
    let tasks: Vec<_> = (0..viewers)
        .map(|_| tokio::spawn(viewer(bosun.client.clone(), url.clone(), until)))
        .collect();
    // Read while everyone follows: two thirds of the way in.
    tokio::time::sleep_until((started + Duration::from_secs(secs * 2 / 3)).into()).await;
    let rss = rss_kib(bosun.pid());
    let followers = metric(&bosun, "bosun_log_followers").await;
    let streams = metric(&bosun, "bosun_engine_streams{kind=\"logs\"}").await;
    let mut seen = Vec::new();
    for t in tasks {
        seen.push(t.await.unwrap());
    }
    let last_written = last_seq(&docker, &name).await;
    let written = (last_written - first_written) as f64 / started.elapsed().as_secs_f64();
    drop(bosun);
    drop(cleanup);

    let kept_up: Vec<&Seen> = seen.iter().filter(|s| !s.skipped).collect();
    let lost: u64 = kept_up.iter().map(|s| s.missing).sum();
    // The others: every line they missed must have been told, in lines.
    let untold: u64 = seen
        .iter()
        .filter(|s| s.skipped)
        .map(|s| s.missing.saturating_sub(s.told))
        .sum();
    let told: u64 = seen.iter().map(|s| s.told).sum();
    let lines: u64 = seen.iter().map(|s| s.lines).sum();
    // Per viewer: lines per second delivered, and how far behind the writer it ended.
    let delivered = lines as f64 / viewers as f64 / secs as f64;
    let behind = seen
        .iter()
        .filter_map(|s| s.last)
        .map(|l| last_written.saturating_sub(l))
        .max()
        .unwrap_or(last_written);
    println!();
    println!("fan-out: {viewers} viewers of one container for {secs} s");
    println!("  {:<52} {:>10.0} lines/s", "the container wrote", written);
    println!(
        "  {:<52} {:>10.0} lines/s",
        "each viewer was delivered (mean)", delivered
    );
    println!(
        "  {:<52} {:>10}",
        "lines the furthest viewer was behind at the end", behind
    );
    println!("  {:<52} {:>10.0}", "followers bosun counted", followers);
    println!(
        "  {:<52} {:>10.0}   goal 1",
        "engine log streams open", streams
    );
    println!(
        "  {:<52} {:>10.1} MB   goal ≤ 150 MB",
        "bosun RSS while they follow",
        rss as f64 * 1024.0 / 1e6
    );
    println!(
        "  {:<52} {:>10}   of {viewers} ({lines} lines delivered in all)",
        "viewers never told they skipped",
        kept_up.len()
    );
    println!(
        "  {:<52} {:>10}   goal 0",
        "lines lost by viewers that kept up", lost
    );
    figure("fanout_viewers", viewers as f64);
    figure("fanout_rate", written);
    figure("fanout_delivered", delivered);
    figure("fanout_behind", behind as f64);
    figure("fanout_rss_mb", rss as f64 * 1024.0 / 1e6);
    figure("fanout_engine_streams", streams);
    figure("fanout_followers", followers);
    figure("fanout_kept_up", kept_up.len() as f64);
    println!(
        "  {:<52} {:>10}   goal 0 ({told} told in all)",
        "lines missed by the others and not told of", untold
    );
    figure("fanout_lost", lost as f64);
    figure("fanout_untold", untold as f64);
}
