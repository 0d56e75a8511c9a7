//! Starts a real bosun (library, port 0, temp data dir) against the real Docker engine.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bosun_server::config::Config;
use reqwest::{Client, StatusCode};
use serde_json::json;
use tempfile::TempDir;
use tokio::sync::oneshot;

pub const ADMIN_PASSWORD: &str = "integration-secret-1";

/// A running bosun. Dropping it shuts the server down.
pub struct TestServer {
    pub base: String,
    pub data: TempDir,
    shutdown: Option<oneshot::Sender<()>>,
    /// Set when bosun runs as its own process (the built binary), so a test can kill it.
    process: Option<tokio::process::Child>,
}

/// Integration tests need the engine; a missing one is a failure, never a skip.
pub async fn require_docker() {
    let ok = match bollard::Docker::connect_with_defaults() {
        Ok(d) => d.ping().await.is_ok(),
        Err(_) => false,
    };
    assert!(
        ok,
        "No Docker engine answers (DOCKER_HOST or /var/run/docker.sock). \
         The integration tests run against a real engine: start one with `scripts/test.sh` \
         (it installs and starts dockerd) or `dockerd &`."
    );
}

/// Settings a test gets unless it asks otherwise: no verification of every backup by a
/// restore (the verification tests switch it on), so tests about other things do not start
/// throwaway database servers beside them.
fn quiet_defaults(extra: &[&str]) -> &'static [&'static str] {
    if extra.contains(&"--backup-verify") {
        &[]
    } else {
        &["--backup-verify", "off"]
    }
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(&["--admin-password", ADMIN_PASSWORD]).await
    }

    /// Extra flags on top of a temp data dir and a loopback port.
    pub async fn start_with(extra: &[&str]) -> Self {
        let data = tempfile::tempdir().expect("temp dir");
        Self::start_in(data, extra).await
    }

    pub async fn start_in(data: TempDir, extra: &[&str]) -> Self {
        Self::start_clocked(data, extra, bosun_server::clock::system()).await
    }

    /// bosun on a clock of the test's (e.g. a `ManualClock` the test moves by hand).
    pub async fn start_clocked(
        data: TempDir,
        extra: &[&str],
        clock: bosun_server::clock::SharedClock,
    ) -> Self {
        Self::start_edited(data, extra, |_| {}, clock).await
    }

    /// bosun with a setting no flag may hold, changed by `edit` after the flags are read
    /// (e.g. a backup timeout of seconds, below the flag's minimum of a minute), so a test
    /// need not wait out the real limit.
    pub async fn start_edited(
        data: TempDir,
        extra: &[&str],
        edit: impl FnOnce(&mut Config),
        clock: bosun_server::clock::SharedClock,
    ) -> Self {
        require_docker().await;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let data_dir = data.path().display().to_string();
        let mut args = vec!["bosun", "--data-dir", &data_dir, "--site-root", &data_dir];
        args.extend_from_slice(extra);
        args.extend_from_slice(quiet_defaults(extra));
        let mut config = Config::load(args, Vec::new()).expect("config");
        edit(&mut config);
        let scheme = if config.https() { "https" } else { "http" };
        let (tx, rx) = oneshot::channel::<()>();
        let (ready_tx, ready_rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let result = bosun_server::run_with_clock(
                config,
                listener,
                async {
                    let _ = rx.await;
                },
                move |_| {
                    let _ = ready_tx.send(());
                },
                clock,
            )
            .await;
            if let Err(e) = result {
                panic!("bosun stopped with an error: {e}");
            }
        });
        tokio::time::timeout(Duration::from_secs(30), ready_rx)
            .await
            .expect("bosun did not start within 30 s")
            .expect("bosun failed to start");
        TestServer {
            base: format!("{scheme}://127.0.0.1:{port}"),
            data,
            shutdown: Some(tx),
            process: None,
        }
    }

    /// bosun as its own process, the `bosun` binary, on a loopback port it picks itself.
    pub async fn spawn_in(data: TempDir, extra: &[&str]) -> Self {
        require_docker().await;
        // The same flags, read as the binary will read them: https or not.
        let dir = data.path().display().to_string();
        let mut args = vec!["bosun", "--data-dir", &dir];
        args.extend_from_slice(extra);
        let https = Config::load(args, Vec::new()).expect("config").https();
        let scheme = if https { "https" } else { "http" };
        let mut cmd = crate::launch::bosun();
        cmd.arg("--data-dir")
            .arg(data.path())
            .arg("--site-root")
            .arg(data.path())
            .args(extra)
            .args(quiet_defaults(extra));
        let (child, addr) = crate::launch::launch(cmd).await;
        TestServer {
            base: format!("{scheme}://{addr}"),
            data,
            shutdown: None,
            process: Some(child),
        }
    }

    /// SIGKILL, as the OOM killer or a power cut would: no shutdown code runs. Hands back
    /// the data dir.
    pub async fn kill(mut self) -> TempDir {
        let mut child = self
            .process
            .take()
            .expect("only a spawned bosun can be killed");
        child.start_kill().expect("SIGKILL bosun");
        let status = child.wait().await.expect("wait for bosun");
        assert!(!status.success(), "bosun was killed, not stopped: {status}");
        std::mem::replace(&mut self.data, tempfile::tempdir().expect("temp dir"))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// bosun's own database in its data dir, opened beside the running server (WAL), for a
    /// test that must set up or damage a row the API does not reach.
    pub async fn db(&self) -> sqlx::SqlitePool {
        let path = self.data.path().join("bosun.db");
        sqlx::SqlitePool::connect(&format!("sqlite:{}", path.display()))
            .await
            .expect("open bosun.db")
    }

    pub fn cert_path(&self) -> PathBuf {
        self.data.path().join("tls").join("bosun.crt")
    }

    /// Stops the server and hands back its data dir, for restart tests.
    pub async fn stop(mut self) -> TempDir {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        std::mem::replace(&mut self.data, tempfile::tempdir().expect("temp dir"))
    }

    /// A browser-like client: keeps cookies, sends this site's Origin, trusts bosun's own cert.
    pub fn browser(&self) -> Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::ORIGIN, self.base.parse().expect("origin"));
        self.client_builder()
            .cookie_store(true)
            .default_headers(headers)
            .build()
            .expect("client")
    }

    /// A client without cookies or Origin, like curl or a script.
    pub fn script(&self) -> Client {
        self.client_builder().build().expect("client")
    }

    /// A browser on another site: same cookies as `browser` would have, a foreign Origin.
    pub fn client_builder(&self) -> reqwest::ClientBuilder {
        Client::builder()
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .use_preconfigured_tls(self.trust())
    }

    /// bosun's own certificate in the data dir, plus what a test put in [`EXTRA_TRUST`] there
    /// (for `--tls files`, whose certificates live elsewhere).
    fn trust(&self) -> rustls::ClientConfig {
        let read = |p: PathBuf| std::fs::read_to_string(p).unwrap_or_default();
        let pem = read(self.cert_path()) + &read(self.data.path().join(EXTRA_TRUST));
        trusting_pem(&pem)
    }

    pub async fn login(&self, username: &str, password: &str) -> Client {
        let client = self.browser();
        let r = client
            .post(self.url("/api/v1/session"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .expect("login request");
        assert_eq!(
            r.status(),
            StatusCode::OK,
            "login of {username} failed: {}",
            r.text().await.unwrap_or_default()
        );
        client
    }

    pub async fn admin(&self) -> Client {
        self.login("admin", ADMIN_PASSWORD).await
    }

    /// Creates a user with `role` (as admin), lets them set their own password, signs them in.
    pub async fn user(&self, admin: &Client, name: &str, role: &str) -> Client {
        let initial = "an-initial-passphrase".to_owned();
        let r = admin
            .post(self.url("/api/v1/users"))
            .json(&json!({"username": name, "password": initial, "role": role}))
            .send()
            .await
            .expect("create user");
        assert_eq!(
            r.status(),
            StatusCode::CREATED,
            "{}",
            r.text().await.unwrap_or_default()
        );
        let client = self.login(name, &initial).await;
        let r = client
            .post(self.url("/api/v1/me/password"))
            .json(&json!({"current": initial, "new": password_of(name)}))
            .send()
            .await
            .expect("change password");
        assert_eq!(
            r.status(),
            StatusCode::NO_CONTENT,
            "{}",
            r.text().await.unwrap_or_default()
        );
        self.login(name, &password_of(name)).await
    }
}

pub fn password_of(name: &str) -> String {
    let _ = name;
    "a-chosen-passphrase".to_owned()
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A loopback port that refuses connections for as long as the returned socket lives: bound,
/// so nothing else can take it, but never listening. For "a server nobody answers on".
pub fn refusing_port() -> (tokio::net::TcpSocket, u16) {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .expect("bind a loopback port");
    let port = socket.local_addr().expect("its address").port();
    (socket, port)
}

/// A file in a test server's data dir whose certificates its clients trust too.
pub const EXTRA_TRUST: &str = "test-trust.pem";

/// A rustls client config that trusts exactly bosun's self-signed certificate.
pub fn trusting(cert: &Path) -> rustls::ClientConfig {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    // A plain-HTTP server has no certificate: trust nothing then.
    if cert.exists() {
        for c in CertificateDer::pem_file_iter(cert).expect("read cert") {
            roots.add(c.expect("pem")).expect("add root");
        }
    }
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("protocols")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// A rustls client config that trusts exactly the certificates in `pem`.
pub fn trusting_pem(pem: &str) -> rustls::ClientConfig {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(pem.as_bytes()) {
        roots.add(c.expect("pem")).expect("add root");
    }
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("protocols")
        .with_root_certificates(roots)
        .with_no_client_auth()
}
