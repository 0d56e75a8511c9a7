//! A real S3-compatible store for the off-site tests: moto's server (PyPI, installed by
//! scripts/test.sh) on a loopback port, with a bucket made for the test. A missing moto is
//! a failure, never a skip.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const BUCKET: &str = "bosun-offsite";

pub struct S3 {
    pub port: u16,
    child: Option<Child>,
}

fn moto_server() -> std::path::PathBuf {
    if let Some(found) = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("moto_server"))
            .find(|p| p.is_file())
    }) {
        return found;
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cache")))
        .unwrap_or_default();
    let venv = cache.join("bosun/moto/bin/moto_server");
    assert!(
        venv.is_file(),
        "moto_server is missing: scripts/test.sh installs it (bosun_ensure_moto), or `pip install 'moto[server]'`"
    );
    venv
}

impl S3 {
    /// A store on a free port, with the test bucket.
    pub async fn start() -> S3 {
        let port = crate::registry::free_port();
        let mut s3 = S3 { port, child: None };
        s3.up().await;
        s3
    }

    /// (Re)starts the server on its port. Its data starts empty, with the bucket made again.
    pub async fn up(&mut self) {
        let child = Command::new(moto_server())
            .args(["-H", "127.0.0.1", "-p", &self.port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        self.child = Some(child);
        let client = crate::registry::plain_client();
        for _ in 0..200 {
            if let Ok(r) = client.put(format!("{}/{BUCKET}", self.url())).send().await
                && r.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("moto_server did not answer on port {}", self.port);
    }

    /// Stops the server: the store is unreachable until [`S3::up`].
    pub fn down(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// An object's bytes, read straight from the store with a signed request of the test's own.
    pub async fn object(&self, key: &str) -> Option<Vec<u8>> {
        use rusty_s3::S3Action;
        let bucket = rusty_s3::Bucket::new(
            self.url().parse().ok()?,
            rusty_s3::UrlStyle::Path,
            BUCKET,
            "us-east-1",
        )
        .ok()?;
        let credentials = rusty_s3::Credentials::new("testing", "testing-secret");
        let url = bucket
            .get_object(Some(&credentials), key)
            .sign(Duration::from_secs(60));
        let r = crate::registry::plain_client().get(url).send().await.ok()?;
        r.status().is_success().then_some(())?;
        r.bytes().await.ok().map(|b| b.to_vec())
    }

    /// The flags that point bosun at this store under `prefix`.
    pub fn flags(&self, prefix: &str) -> Vec<String> {
        vec![
            "--offsite-url".into(),
            format!("s3://{BUCKET}/{prefix}"),
            "--offsite-endpoint".into(),
            self.url(),
            "--offsite-access-key-id".into(),
            "testing".into(),
            "--offsite-secret-access-key".into(),
            "testing-secret".into(),
        ]
    }
}

impl Drop for S3 {
    fn drop(&mut self) {
        self.down();
    }
}
