//! Time from process start to the first HTTPS response (`/healthz`), for the real `bosun`
//! binary with its own certificate: on a new data dir (makes the certificate and hashes the
//! first admin's password) and on an existing one (a restart), median of several starts.
//!
//!     cargo bench -p bosun --bench startup              # 1 cold + 9 warm starts
//!     cargo bench -p bosun --bench startup -- --smoke   # 1 cold + 3 warm starts
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bosun_server::net::accept_any_certificate;
use common::figure;

/// The bench only times the handshake; it does not care whose certificate it is.
fn client() -> reqwest::Client {
    let tls = accept_any_certificate(Arc::new(rustls::crypto::ring::default_provider())).unwrap();
    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap()
}

/// Starts bosun on `data` and returns the time to its first `200 ok` over HTTPS.
async fn start(client: &reqwest::Client, data: &std::path::Path) -> Duration {
    let t = Instant::now();
    let mut cmd = common::launch::bosun();
    cmd.env("BOSUN_DATA_DIR", data)
        .env("BOSUN_TLS", "auto")
        .env("BOSUN_ADMIN_PASSWORD", common::PASSWORD)
        .env("BOSUN_LOG", "warn");
    let (mut child, addr) = common::launch::launch(cmd).await;
    let url = format!("https://{addr}/healthz");
    let took = loop {
        if let Ok(r) = client.get(&url).send().await
            && r.status().is_success()
        {
            break t.elapsed();
        }
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "bosun did not answer"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    let _ = child.kill().await;
    took
}

#[tokio::main]
async fn main() {
    let smoke = std::env::args().any(|a| a == "--smoke");
    let warm_starts = if smoke { 3 } else { 9 };
    let client = client();
    let data = tempfile::tempdir().unwrap();
    let cold = start(&client, data.path()).await;
    let mut warm: Vec<Duration> = Vec::new();
    for _ in 0..warm_starts {
        warm.push(start(&client, data.path()).await);
    }
    warm.sort();
    let warm = warm[warm.len() / 2];
    println!();
    println!("start to first HTTPS response (/healthz), median of {warm_starts} restarts");
    println!(
        "  {:<56} {:>7.0} ms",
        "new data dir (certificate + first admin's argon2 hash)",
        cold.as_secs_f64() * 1000.0
    );
    println!(
        "  {:<56} {:>7.0} ms   goal ≤ 200 ms",
        "existing data dir (a restart)",
        warm.as_secs_f64() * 1000.0
    );
    figure("start_cold_ms", cold.as_secs_f64() * 1000.0);
    figure("start_ms", warm.as_secs_f64() * 1000.0);
}
