//! What the benches share: the real `bosun` binary started as its own process (plain HTTP
//! on loopback, a temp data dir, signed in as admin), killed again on drop.
#![allow(dead_code)]

use std::time::{Duration, Instant};

pub const PASSWORD: &str = "bench-password-1";

pub struct Bosun {
    child: std::process::Child,
    pub base: String,
    pub client: reqwest::Client,
    _data: tempfile::TempDir,
}

impl Bosun {
    pub async fn start() -> Bosun {
        let data = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_bosun"))
            .env("BOSUN_DATA_DIR", data.path())
            .env("BOSUN_LISTEN", format!("127.0.0.1:{port}"))
            .env("BOSUN_TLS", "off")
            .env("BOSUN_ADMIN_PASSWORD", PASSWORD)
            .env("BOSUN_LOG", "warn")
            // Started as the image and scripts/start.sh start it (see the Dockerfile).
            .env("GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=131072")
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start bosun");
        let base = format!("http://127.0.0.1:{port}");
        let bosun = Bosun {
            child,
            base,
            client: client(),
            _data: data,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while bosun
            .client
            .get(bosun.url("/healthz"))
            .send()
            .await
            .is_err()
        {
            assert!(Instant::now() < deadline, "bosun did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
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

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Bosun {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
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
