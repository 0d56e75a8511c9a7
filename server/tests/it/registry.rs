//! A real container registry for the tests: Debian's `docker-registry` (the CNCF distribution
//! registry) on a free loopback port, which the engine treats as insecure, so plain HTTP
//! pushes and pulls work. Builds of a tiny web server (busybox httpd serving its version)
//! are made and pushed here; everything is removed when dropped.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tempfile::TempDir;

pub struct Registry {
    /// `127.0.0.1:PORT`
    pub host: String,
    child: Child,
    dir: TempDir,
    /// Every tag pushed or built, removed from the engine when dropped.
    tags: std::sync::Mutex<Vec<String>>,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An HTTP client for plain-HTTP servers on loopback.
pub fn plain_client() -> reqwest::Client {
    reqwest::Client::builder()
        .use_preconfigured_tls(crate::harness::trusting_pem(""))
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap()
}

pub fn docker(args: &[&str]) -> String {
    let out = Command::new("docker").args(args).output().expect("docker");
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// How a build behaves.
#[derive(Clone, Copy)]
pub enum Build {
    /// Serves `/version` on port 80.
    Good,
    /// Exits 1 right after starting.
    Exits,
}

impl Registry {
    pub async fn start() -> Registry {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let config = format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.path().join("data").display()
        );
        let file = dir.path().join("config.yml");
        std::fs::write(&file, config).unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("docker-registry is installed (scripts/test.sh installs it)");
        // Owned at once, so it is stopped (and waited for) however this ends.
        let registry = Registry {
            host: format!("127.0.0.1:{port}"),
            child,
            dir,
            tags: Default::default(),
        };
        let client = plain_client();
        for _ in 0..100 {
            if client
                .get(format!("http://{}/v2/", registry.host))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return registry;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the registry did not answer on {}", registry.host);
    }

    /// Builds `repo:version` (a busybox httpd answering `version` at /version, or exiting),
    /// and returns the image id.
    pub async fn build(&self, repo: &str, version: &str, how: Build) -> String {
        let ctx = self
            .dir
            .path()
            .join(format!("ctx-{version}-{}", rand::random::<u32>()));
        std::fs::create_dir_all(&ctx).unwrap();
        std::fs::write(ctx.join("version"), format!("{version}\n")).unwrap();
        let cmd = match how {
            Build::Good => r#"CMD ["httpd", "-f", "-p", "80", "-h", "/www"]"#,
            Build::Exits => r#"CMD ["sh", "-c", "echo this build is broken >&2; exit 1"]"#,
        };
        std::fs::write(
            ctx.join("Dockerfile"),
            format!("FROM busybox:latest\nCOPY version /www/version\nLABEL org.opencontainers.image.version={version}\n{cmd}\n"),
        )
        .unwrap();
        let tag = format!("{}/{repo}:{version}", self.host);
        let t = tag.clone();
        let out = tokio::task::spawn_blocking(move || {
            Command::new("docker")
                .env("DOCKER_BUILDKIT", "0")
                .args(["build", "-q", "--force-rm", "-t", &t])
                .arg(&ctx)
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        assert!(
            out.status.success(),
            "build: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.tags.lock().unwrap().push(tag.clone());
        docker(&["image", "inspect", "-f", "{{.Id}}", &tag])
    }

    /// Tags `repo:version` as `repo:tag` and pushes it; the registry's digest.
    pub async fn push(&self, repo: &str, version: &str, tag: &str) -> String {
        let (from, to) = (
            format!("{}/{repo}:{version}", self.host),
            format!("{}/{repo}:{tag}", self.host),
        );
        docker(&["tag", &from, &to]);
        self.tags.lock().unwrap().push(to.clone());
        let t = to.clone();
        let out = tokio::task::spawn_blocking(move || {
            Command::new("docker").args(["push", &t]).output().unwrap()
        })
        .await
        .unwrap();
        assert!(
            out.status.success(),
            "push: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.split_whitespace()
            .skip_while(|w| *w != "digest:")
            .nth(1)
            .expect("push prints the digest")
            .to_owned()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let tags = std::mem::take(&mut *self.tags.lock().unwrap_or_else(|p| p.into_inner()));
        let mut args = vec!["rmi".to_owned(), "-f".to_owned()];
        args.extend(tags);
        // Images of this registry only (their names carry its port); busybox stays.
        let _ = Command::new("docker").args(&args).output();
    }
}
