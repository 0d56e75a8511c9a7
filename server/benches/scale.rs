//! Scaling a compose service 1 → N → 1: bosun's scale API next to the engine's floor (N - 1
//! parallel `docker run -d` of the same image, command, init, published port and network) and
//! next to `docker-compose up -d --scale`, on the same project, side by side in one run.
//!
//!     cargo bench -p bosun --bench scale              # 1 → 10 → 1, 3 interleaved rounds
//!     cargo bench -p bosun --bench scale -- --smoke   # 1 → 3 → 1, one round
//!
//! Needs a running engine, the compose CLI and busybox:latest; the project is removed
//! afterwards (`down -v`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Bosun, figure, median};

const COMPOSE_FILE: &str = r#"
services:
  web:
    image: busybox:latest
    command: ["sh", "-c", "while true; do sleep 1; done"]
    init: true
    ports: ["8080"]
"#;

fn compose_cmd() -> Vec<String> {
    let v1 = Command::new("docker-compose").arg("version").output();
    if v1.is_ok_and(|o| o.status.success()) {
        vec!["docker-compose".into()]
    } else {
        vec!["docker".into(), "compose".into()]
    }
}

struct Project {
    name: String,
    dir: PathBuf,
    _tmp: tempfile::TempDir,
}

impl Project {
    fn compose(&self, args: &[&str]) -> Duration {
        let cmd = compose_cmd();
        let t = Instant::now();
        let out = Command::new(&cmd[0])
            .args(&cmd[1..])
            .args(["-p", &self.name])
            .args(args)
            .current_dir(&self.dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "compose {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        t.elapsed()
    }

    fn count(&self) -> usize {
        let out = Command::new("docker")
            .args([
                "ps",
                "-q",
                "--filter",
                &format!("label=com.docker.compose.project={}", self.name),
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).lines().count()
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = Command::new(&compose_cmd()[0])
            .args(&compose_cmd()[1..])
            .args(["-p", &self.name, "down", "-v", "-t", "1"])
            .current_dir(&self.dir)
            .output();
    }
}

fn project(dir: &Path) -> String {
    std::fs::write(dir.join("docker-compose.yaml"), COMPOSE_FILE).unwrap();
    format!("benchscale{:08x}", rand::random::<u32>())
}

/// The engine's floor for adding `extra` containers: as many `docker run -d` at once, with the
/// service's configuration, on the project's network. They are removed again (not timed).
fn engine_floor(p: &Project, extra: usize) -> Duration {
    let label = format!("bosun.benchfloor={}", p.name);
    let t = Instant::now();
    let runs: Vec<_> = (0..extra)
        .map(|_| {
            Command::new("docker")
                .args(["run", "-d", "--init", "-p", "8080", "--label", &label])
                .args(["--network", &format!("{}_default", p.name)])
                .args(["busybox:latest", "sh", "-c", "while true; do sleep 1; done"])
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut run in runs {
        assert!(run.wait().unwrap().success(), "docker run failed");
    }
    let took = t.elapsed();
    let ids = Command::new("docker")
        .args(["ps", "-aq", "--filter", &format!("label={label}")])
        .output()
        .unwrap();
    let ids = String::from_utf8_lossy(&ids.stdout);
    let ids: Vec<&str> = ids.split_whitespace().collect();
    assert_eq!(ids.len(), extra);
    let rm = Command::new("docker")
        .args(["rm", "-f"])
        .args(&ids)
        .output()
        .unwrap();
    assert!(rm.status.success());
    took
}

async fn bosun_scale(bosun: &Bosun, p: &Project, n: usize) -> Duration {
    let t = Instant::now();
    let r = bosun
        .client
        .post(bosun.url(&format!("/api/v1/projects/{}/services/web/scale", p.name)))
        .header("origin", &bosun.base)
        .json(&serde_json::json!({ "replicas": n }))
        .send()
        .await
        .unwrap();
    let status = r.status();
    assert!(status.is_success(), "{status}: {}", r.text().await.unwrap());
    t.elapsed()
}

async fn listed(bosun: &Bosun, p: &Project) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = bosun
            .client
            .get(bosun.url(&format!("/api/v1/projects/{}", p.name)))
            .send()
            .await
            .unwrap();
        if r.status().is_success() {
            return;
        }
        assert!(Instant::now() < deadline, "bosun did not list {}", p.name);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::main]
async fn main() {
    let smoke = std::env::args().any(|a| a == "--smoke");
    let (n, rounds) = if smoke { (3, 1) } else { (10, 3) };
    let tmp = tempfile::tempdir().unwrap();
    let p = Project {
        name: project(tmp.path()),
        dir: tmp.path().to_owned(),
        _tmp: tmp,
    };
    p.compose(&["up", "-d"]);
    let bosun = Bosun::start().await;
    listed(&bosun, &p).await;

    let scale = |k: usize| format!("web={k}");
    let (mut cli, mut ours) = (Vec::new(), Vec::new());
    let (mut floor, mut ours_up) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let f = engine_floor(&p, n - 1);
        eprintln!("[bench] {} × docker run at once: {f:?}", n - 1);
        floor.push(f);

        let up = p.compose(&["up", "-d", "--scale", &scale(n)]);
        assert_eq!(p.count(), n);
        let down = p.compose(&["up", "-d", "--scale", &scale(1)]);
        assert_eq!(p.count(), 1);
        eprintln!("[bench] compose: up {up:?}, down {down:?}");
        cli.push(up + down);

        let up = bosun_scale(&bosun, &p, n).await;
        assert_eq!(p.count(), n);
        let down = bosun_scale(&bosun, &p, 1).await;
        assert_eq!(p.count(), 1);
        eprintln!("[bench] bosun:   up {up:?}, down {down:?}");
        ours.push(up + down);
        ours_up.push(up);
    }
    let (cli, ours) = (median(cli), median(ours));
    let (floor, ours_up) = (median(floor), median(ours_up));
    drop(bosun);
    drop(p);

    println!();
    println!("scale: 1 → {n} → 1, median of {rounds} interleaved rounds");
    println!(
        "  {:<44} {:>9.2} s",
        format!("{} × docker run -d at once (the floor)", n - 1),
        floor.as_secs_f64()
    );
    println!(
        "  {:<44} {:>9.2} s  {:>5.2}×   goal ≤ 1.2×",
        format!("bosun POST …/scale 1 → {n}"),
        ours_up.as_secs_f64(),
        ours_up.as_secs_f64() / floor.as_secs_f64()
    );
    println!(
        "  {:<44} {:>9.2} s",
        "docker-compose up -d --scale",
        cli.as_secs_f64()
    );
    println!(
        "  {:<44} {:>9.2} s  {:>5.2}×   goal ≤ 0.5×",
        "bosun POST …/scale",
        ours.as_secs_f64(),
        ours.as_secs_f64() / cli.as_secs_f64()
    );
    figure("scale_ratio", ours.as_secs_f64() / cli.as_secs_f64());
    figure(
        "scale_floor_ratio",
        ours_up.as_secs_f64() / floor.as_secs_f64(),
    );
    figure("scale_to", n as f64);
}
