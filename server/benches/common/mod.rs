//! What the benches share: the real `bosun` binary started as its own process (plain HTTP
//! on a loopback port it picks and prints, a temp data dir, signed in as admin), killed again
//! on drop.
#![allow(dead_code)]

use std::time::{Duration, Instant};

/// Starts the `bosun` binary on a port of the system's choosing: the tests' own way.
#[path = "../../tests/it/launch.rs"]
pub mod launch;

pub const PASSWORD: &str = "bench-password-1";

pub struct Bosun {
    child: tokio::process::Child,
    pub base: String,
    pub client: reqwest::Client,
    env: Vec<(String, String)>,
    _data: tempfile::TempDir,
}

/// The `bosun` binary on `data`, plain HTTP, a loopback port; its base URL.
async fn spawn(
    data: &std::path::Path,
    env: &[(String, String)],
) -> (tokio::process::Child, String) {
    let mut cmd = launch::bosun();
    cmd.env("BOSUN_DATA_DIR", data)
        .env("BOSUN_TLS", "off")
        .env("BOSUN_ADMIN_PASSWORD", PASSWORD)
        .env("BOSUN_LOG", "warn")
        // The benches time dumps; proving them by a restore is measured on its own.
        .env("BOSUN_BACKUP_VERIFY", "off");
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    let (child, addr) = launch::launch(cmd).await;
    (child, format!("http://{addr}"))
}

impl Bosun {
    pub async fn start() -> Bosun {
        Bosun::start_with(&[]).await
    }

    /// Like `start`, with more environment (e.g. `BOSUN_STATS_HISTORY`).
    pub async fn start_with(env: &[(&str, &str)]) -> Bosun {
        let data = tempfile::tempdir().unwrap();
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let (child, base) = spawn(data.path(), &env).await;
        let bosun = Bosun {
            child,
            base,
            client: client(),
            env,
            _data: data,
        };
        bosun.ready().await;
        let r = bosun
            .client
            .post(bosun.url("/api/v1/session"))
            .header("origin", &bosun.base)
            .json(&serde_json::json!({"username": "admin", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
        bosun
    }

    /// Stops bosun and starts it again on the same data dir, as after an upgrade or a host's
    /// reboot: its first admin exists, and the session (kept in the data dir) is still valid,
    /// so no password is hashed on the way. Returns once it answers `/healthz`, with the
    /// instant the new process was started (after the old one was gone).
    pub async fn restart(&mut self) -> Instant {
        self.stop();
        let started = Instant::now();
        let (child, base) = spawn(self._data.path(), &self.env).await;
        self.child = child;
        self.base = base;
        self.ready().await;
        started
    }

    async fn ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.client.get(self.url("/healthz")).send().await.is_err() {
            assert!(Instant::now() < deadline, "bosun did not start");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Kills bosun and waits (5 s at most) until it is gone.
    fn stop(&mut self) {
        let _ = self.child.start_kill();
        for _ in 0..500 {
            if !matches!(self.child.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GET `path` as the signed-in admin: the body as text, and how long it took.
    pub async fn text(&self, path: &str) -> (String, Duration) {
        let t = Instant::now();
        let body = self
            .client
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        (body, t.elapsed())
    }

    pub fn pid(&self) -> u32 {
        self.child.id().expect("bosun is running")
    }
}

impl Drop for Bosun {
    /// Kills bosun and waits until it is gone, before its data dir is removed.
    fn drop(&mut self) {
        self.stop();
    }
}

/// Removes every container labelled `bosun.bench=<run>` (and its anonymous volumes) on drop,
/// also when a bench fails.
pub struct Cleanup(pub String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let ids = std::process::Command::new("docker")
            .args([
                "ps",
                "-aq",
                "--filter",
                &format!("label=bosun.bench={}", self.0),
            ])
            .output()
            .map(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        if !ids.is_empty() {
            let _ = std::process::Command::new("docker")
                .args(["rm", "-f", "-v"])
                .args(&ids)
                .output();
        }
    }
}

/// A cookie-keeping client (plain HTTP, so the TLS roots are never used).
pub fn client() -> reqwest::Client {
    let tls = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(rustls::RootCertStore::empty())
    .with_no_client_auth();
    reqwest::Client::builder()
        .cookie_store(true)
        .use_preconfigured_tls(tls)
        .build()
        .unwrap()
}

pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// One figure for `scripts/bench.sh`, which collects these lines into its table.
pub fn figure(key: &str, value: f64) {
    println!("BENCH {key} {value}");
}

/// The middle of `v` (the upper one of an even count).
pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// What bosun's inventory does by hand: list every container, then inspect each, eight at
/// a time (as bosun reads). Returns how many were inspected.
pub async fn list_and_inspect(docker: &bollard::Docker) -> usize {
    use futures::{StreamExt, TryStreamExt};
    let list = docker
        .list_containers(Some(bollard::query_parameters::ListContainersOptions {
            all: true,
            ..Default::default()
        }))
        .await
        .unwrap();
    futures::stream::iter(list.into_iter().filter_map(|c| c.id))
        .map(|id| async move { docker.inspect_container(&id, None).await })
        .buffer_unordered(8)
        .try_collect::<Vec<_>>()
        .await
        .unwrap()
        .len()
}
