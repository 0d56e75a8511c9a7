//! What the always-on stats history (`BOSUN_STATS_HISTORY`) costs: two `bosun` processes side
//! by side on the same running containers, one with the history off and one sampling every
//! second (60× the default rate of 1m, so the cost shows), for the same window after both are
//! ready, no page open. For each: bosun's CPU time over the window and its RSS at the end;
//! for the sampling one also the engine calls and samples it reports (`GET /api/v1/stats`).
//! The engine's own CPU (dockerd, containerd and its shims) over the window is shown too,
//! against a baseline taken just before, with neither bosun running. A round (one engine
//! call per running container) is timed by the samples it adds, not assumed to take 1 s.
//!
//!     cargo bench -p bosun --bench history              # 50 containers, 60 s
//!     cargo bench -p bosun --bench history -- --smoke   # 10 containers, 10 s
//!
//! Needs a running Docker engine and busybox:latest. Every container it makes carries the
//! label bosun.bench=<run id> and is removed at the end, also on failure. The history samples
//! every running container of the host, so containers of others running meanwhile count too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{CreateContainerOptions, ListContainersOptions};
use futures::{StreamExt, TryStreamExt};

mod common;

use common::{Cleanup, figure, rss_kib};

/// The sampling interval of the measured history, and what it keeps.
const HISTORY: &str = "1s/1h";
const INTERVAL_SECS: f64 = 1.0;

/// The history part of `GET /api/v1/stats`.
async fn history(bosun: &common::Bosun) -> History {
    let r = bosun
        .client
        .get(bosun.url("/api/v1/stats"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "GET /api/v1/stats: {}", r.status());
    let v: serde_json::Value = r.json().await.unwrap();
    let n = |k: &str| {
        v["history"][k]
            .as_u64()
            .unwrap_or_else(|| panic!("history.{k} in {v}"))
    };
    History {
        enabled: v["history"]["enabled"].as_bool() == Some(true),
        containers: n("containers"),
        samples: n("samples"),
        engine_calls: n("engine_calls"),
    }
}
struct History {
    enabled: bool,
    containers: u64,
    samples: u64,
    engine_calls: u64,
}

/// Clock ticks per second of `/proc/PID/stat` (USER_HZ, 100 on Linux).
fn ticks_per_s() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// A process's CPU time so far, user + system, in clock ticks (None when it is gone).
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After "pid (comm)": state is field 3, utime field 14, stime field 15.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// The engine's processes (dockerd, containerd, containerd's shims) and their CPU ticks.
fn engine_ticks() -> HashMap<u32, u64> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return HashMap::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| {
                let c = c.trim();
                c == "dockerd" || c.starts_with("containerd")
            })
        })
        .filter_map(|pid| Some((pid, cpu_ticks(pid)?)))
        .collect()
}

/// The engine's CPU ticks between two readings, over the processes there at both.
fn engine_between(before: &HashMap<u32, u64>, after: &HashMap<u32, u64>) -> u64 {
    after
        .iter()
        .filter_map(|(pid, t)| t.checked_sub(*before.get(pid)?))
        .sum()
}

async fn running_containers(docker: &Docker) -> usize {
    docker
        .list_containers(None::<ListContainersOptions>)
        .await
        .unwrap()
        .len()
}

#[tokio::main]
async fn main() {
    let smoke = std::env::args().any(|a| a == "--smoke");
    let (containers, window, baseline) = if smoke {
        (10, Duration::from_secs(10), Duration::from_secs(2))
    } else {
        (50, Duration::from_secs(60), Duration::from_secs(10))
    };
    let tck = ticks_per_s();
    let ms = |ticks: u64| ticks as f64 * 1000.0 / tck;
    let run = format!("{:08x}", rand::random::<u32>());
    let cleanup = Cleanup(run.clone());
    let docker = Docker::connect_with_local_defaults()
        .unwrap()
        .negotiate_version()
        .await
        .unwrap();

    eprintln!("[bench] starting {containers} containers…");
    futures::stream::iter(0..containers)
        .map(|i| {
            let docker = docker.clone();
            let run = run.clone();
            async move {
                let name = format!("benchhistory{run}_{i}");
                docker
                    .create_container(
                        Some(CreateContainerOptions {
                            name: Some(name.clone()),
                            ..Default::default()
                        }),
                        ContainerCreateBody {
                            image: Some("busybox:latest".into()),
                            cmd: Some(vec!["sleep".into(), "3600".into()]),
                            labels: Some([("bosun.bench".to_owned(), run)].into()),
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

    // The engine at rest with these containers, before any bosun asks it anything.
    tokio::time::sleep(Duration::from_secs(1)).await;
    eprintln!("[bench] engine baseline for {} s…", baseline.as_secs());
    let (e0, t0) = (engine_ticks(), Instant::now());
    tokio::time::sleep(baseline).await;
    let engine_idle_ms_per_s =
        ms(engine_between(&e0, &engine_ticks())) / t0.elapsed().as_secs_f64();

    // Both bosun processes, side by side.
    let off = common::Bosun::start_with(&[("BOSUN_STATS_HISTORY", "off")]).await;
    let on = common::Bosun::start_with(&[("BOSUN_STATS_HISTORY", HISTORY)]).await;
    let running = running_containers(&docker).await;
    // Ready: the sampling one has a sample of every running container.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if history(&on).await.containers as usize >= running {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the history did not sample the {running} running containers"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    eprintln!(
        "[bench] both bosun processes for {} s ({running} running containers)…",
        window.as_secs()
    );
    let (off0, on0) = (history(&off).await, history(&on).await);
    assert!(!off0.enabled && on0.enabled, "history settings not applied");
    let (e0, t0) = (engine_ticks(), Instant::now());
    let (cpu_off0, cpu_on0) = (cpu_ticks(off.pid()).unwrap(), cpu_ticks(on.pid()).unwrap());
    tokio::time::sleep(window).await;
    let (cpu_off1, cpu_on1) = (cpu_ticks(off.pid()).unwrap(), cpu_ticks(on.pid()).unwrap());
    let e1 = engine_ticks();
    let secs = t0.elapsed().as_secs_f64();
    let (_off1, on1) = (history(&off).await, history(&on).await);
    let (rss_off, rss_on) = (rss_kib(off.pid()), rss_kib(on.pid()));
    let running_end = running_containers(&docker).await;
    drop(on);
    drop(off);
    drop(cleanup);

    let cpu_off = ms(cpu_off1 - cpu_off0);
    let cpu_on = ms(cpu_on1 - cpu_on0);
    let calls = on1.engine_calls - on0.engine_calls;
    // Rounds the sampler finished in the window: each adds one sample per running container
    // (nothing ages out of an hour's retention meanwhile). Not window ÷ interval: a round
    // takes as long as it takes, and the next waits for it.
    let rounds = (on1.samples - on0.samples) as f64 / running.max(1) as f64;
    assert!(rounds > 0.0, "the history sampled nothing in {secs:.1} s");
    let per_round = calls as f64 / rounds;
    let round_s = secs / rounds;
    let minutes = secs / 60.0;
    let cpu_extra = (cpu_on - cpu_off) / minutes * 100.0 / running.max(1) as f64;
    let cpu_per_call = (cpu_on - cpu_off) / calls.max(1) as f64;
    let engine_ms = ms(engine_between(&e0, &e1));
    let engine_per_call = (engine_ms - engine_idle_ms_per_s * secs) / calls.max(1) as f64;
    let rss_extra_mb = (rss_on as f64 - rss_off as f64) * 1024.0 / 1e6;

    println!();
    println!(
        "stats history: {containers} containers made, {running} running on the host ({running_end} at the end); \
         bosun with BOSUN_STATS_HISTORY=off and ={HISTORY} side by side for {secs:.1} s, no page open"
    );
    for (what, cpu, rss) in [
        ("history off".to_owned(), cpu_off, rss_off),
        (format!("history {HISTORY}"), cpu_on, rss_on),
    ] {
        println!(
            "  {what:<40} {cpu:>9.0} ms CPU  {:>7.1} MiB RSS",
            rss as f64 / 1024.0
        );
    }
    println!(
        "  {:<40} {calls:>9} calls in {rounds:.1} rounds: {per_round:.1} per round, a round every \
         {round_s:.2} s (set: {INTERVAL_SECS} s); {} samples of {} containers held",
        "engine calls of the history", on1.samples, on1.containers
    );
    println!(
        "  {:<40} {cpu_extra:>9.0} ms CPU per minute, scaled to 100 containers; {cpu_per_call:.2} ms per call",
        "extra bosun CPU"
    );
    println!("  {:<40} {rss_extra_mb:>9.2} MB", "extra bosun RSS");
    println!(
        "  {:<40} {engine_per_call:>9.2} ms CPU per call ({engine_ms:.0} ms in the window, \
         {engine_idle_ms_per_s:.1} ms/s at rest before)",
        "extra engine CPU (dockerd, containerd)"
    );
    println!(
        "  at the default 1m, 100 running containers: 100 calls a minute, ≈ {:.0} ms bosun CPU and \
         ≈ {:.0} ms engine CPU per minute",
        100.0 * cpu_per_call,
        100.0 * engine_per_call
    );
    figure("history_containers", running as f64);
    figure("history_window_s", secs);
    figure("history_engine_calls_per_round", per_round);
    figure("history_round_s", round_s);
    figure("history_cpu_ms_per_min_per_100", cpu_extra);
    figure("history_cpu_ms_per_call", cpu_per_call);
    figure("history_engine_cpu_ms_per_call", engine_per_call);
    figure("history_rss_extra_mb", rss_extra_mb);
}
