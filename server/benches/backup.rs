//! Backing up a PostgreSQL database of ≥ 1 GB on disk: bosun's backup (exec pg_dump,
//! gzip in-process, verified, fsynced) next to `docker exec … pg_dump | gzip > file`, on the
//! same container, measured side by side in one run. The ratio is CLI time / bosun time, so
//! ≥ 1.0 means bosun is at least as fast.
//!
//!     cargo bench -p bosun --bench backup              # ≥ 1 GB, 2 interleaved rounds
//!     cargo bench -p bosun --bench backup -- --smoke   # ~60 MB, one round
//!
//! Needs a running engine and the bosun-demo/postgres:15 image (scripts/lib/docker.sh builds
//! it). The container and its volume are removed afterwards.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{Bosun, Cleanup, figure};

fn docker(args: &[&str]) -> String {
    let out = Command::new("docker").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn psql(container: &str, sql: &str) -> String {
    docker(&[
        "exec",
        container,
        "psql",
        "-v",
        "ON_ERROR_STOP=1",
        "-U",
        "shop",
        "-d",
        "shop",
        "-tAc",
        sql,
    ])
}

/// Fills `bulk` until the database is at least `bytes` on disk.
fn fill(container: &str, bytes: u64) -> u64 {
    psql(
        container,
        "CREATE TABLE bulk (id bigint PRIMARY KEY, name text, note text, amount numeric, at timestamptz)",
    );
    let mut next = 1u64;
    loop {
        let size: u64 = psql(container, "SELECT pg_database_size('shop')")
            .parse()
            .unwrap();
        if size >= bytes {
            return size;
        }
        let batch = 500_000u64;
        psql(
            container,
            &format!(
                "INSERT INTO bulk SELECT i, md5(i::text) || ' ' || md5((i * 31)::text), \
                 repeat(chr(65 + (i % 26)::int), 20 + (i % 40)::int), (i % 100000) / 100.0, \
                 timestamptz '2026-01-01' + i * interval '1 second' \
                 FROM generate_series({next}, {}) i",
                next + batch - 1
            ),
        );
        next += batch;
    }
}

async fn wait_healthy(container: &str) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while docker(&["inspect", "-f", "{{.State.Health.Status}}", container]) != "healthy" {
        assert!(Instant::now() < deadline, "postgres not healthy");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The CLI way, as an admin would type it.
fn cli_backup(container: &str, out: &std::path::Path) -> (Duration, u64) {
    let t = Instant::now();
    let status = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -o pipefail; docker exec {container} pg_dump -U shop -d shop | gzip > '{}'",
            out.display()
        ))
        .status()
        .unwrap();
    let took = t.elapsed();
    assert!(status.success());
    (took, std::fs::metadata(out).unwrap().len())
}

async fn bosun_backup(bosun: &Bosun, project: &str) -> (Duration, u64) {
    let t = Instant::now();
    let r = bosun
        .client
        .post(bosun.url("/api/v1/backups"))
        .header("origin", &bosun.base)
        .json(&serde_json::json!({"project": project, "service": "db"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 202, "{}", r.text().await.unwrap());
    let id = r.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    loop {
        let b: serde_json::Value = bosun
            .client
            .get(bosun.url(&format!("/api/v1/backups/{id}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        match b["status"].as_str() {
            Some("running") => tokio::time::sleep(Duration::from_millis(50)).await,
            Some("ok") => return (t.elapsed(), b["file_bytes"].as_u64().unwrap()),
            _ => panic!("bosun's backup failed: {b}"),
        }
    }
}

#[tokio::main]
async fn main() {
    let smoke = std::env::args().any(|a| a == "--smoke");
    let (target, rounds) = if smoke {
        (60_000_000, 1)
    } else {
        (1_000_000_000, 2)
    };
    let run = format!("b{:08x}", rand::random::<u32>());
    let _cleanup = Cleanup(run.clone());
    let project = format!("bench{run}");
    let container = docker(&[
        "run",
        "-d",
        "--label",
        &format!("bosun.bench={run}"),
        "--label",
        &format!("com.docker.compose.project={project}"),
        "--label",
        "com.docker.compose.service=db",
        "--label",
        "com.docker.compose.container-number=1",
        "-e",
        "POSTGRES_USER=shop",
        "-e",
        "POSTGRES_PASSWORD=bench-secret",
        "-e",
        "POSTGRES_DB=shop",
        "bosun-demo/postgres:15",
    ]);
    wait_healthy(&container).await;
    let t = Instant::now();
    let size = fill(&container, target);
    eprintln!(
        "database: {:.2} GB on disk (filled in {:.0} s)",
        size as f64 / 1e9,
        t.elapsed().as_secs_f64()
    );

    let bosun = Bosun::start().await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let list: serde_json::Value = bosun
            .client
            .get(bosun.url("/api/v1/databases"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if list.to_string().contains(&project) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "bosun does not list the database"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let out = tempfile::tempdir().unwrap();
    let (mut cli, mut ours) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let file = out.path().join(format!("cli-{round}.sql.gz"));
        let (c, c_bytes) = cli_backup(&container, &file);
        std::fs::remove_file(&file).unwrap();
        let (b, b_bytes) = bosun_backup(&bosun, &project).await;
        eprintln!(
            "round {}: CLI {:.1} s ({:.0} MB), bosun {:.1} s ({:.0} MB)",
            round + 1,
            c.as_secs_f64(),
            c_bytes as f64 / 1e6,
            b.as_secs_f64(),
            b_bytes as f64 / 1e6
        );
        cli.push(c);
        ours.push(b);
    }
    let best = |v: &[Duration]| v.iter().min().copied().unwrap_or_default();
    let (c, b) = (best(&cli), best(&ours));
    let mb = size as f64 / 1e6;
    println!(
        "| Backup of a {:.2} GB PostgreSQL database | time | MB/s of database |",
        size as f64 / 1e9
    );
    println!("|---|---|---|");
    println!(
        "| `docker exec pg_dump \\| gzip > file` | {:.1} s | {:.0} |",
        c.as_secs_f64(),
        mb / c.as_secs_f64()
    );
    println!(
        "| bosun (verified, fsynced, checksummed) | {:.1} s | {:.0} |",
        b.as_secs_f64(),
        mb / b.as_secs_f64()
    );
    println!(
        "speed ratio (CLI time / bosun time, goal ≥ 1.0): {:.2}",
        c.as_secs_f64() / b.as_secs_f64()
    );
    figure("backup_ratio", c.as_secs_f64() / b.as_secs_f64());
    figure("backup_db_gb", size as f64 / 1e9);
}
