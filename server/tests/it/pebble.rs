//! A real ACME server for the tests: Debian's Pebble and its challenge test server, started on
//! free loopback ports with a listener certificate made here, and stopped when dropped.
//! Names resolve (through pebble-challtestsrv) to 127.0.0.1, so HTTP-01 reaches bosun's
//! challenge listener; DNS-01 TXT records are set by a hook script through its management API.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use tempfile::TempDir;

pub struct Pebble {
    pub directory: String,
    /// Port bosun must answer HTTP-01 on (`--acme-http-listen 127.0.0.1:PORT`).
    pub http_port: u16,
    /// Pebble's listener CA and its issuing root: `--cert-trust`.
    pub trust: PathBuf,
    /// `--acme-dns-hook`: sets and clears TXT records in pebble-challtestsrv.
    pub hook: PathBuf,
    pebble: Child,
    challtest: Child,
    _dir: TempDir,
}

/// A port free right now. Pebble and its challenge server are programs of their own that
/// take fixed addresses from their configuration and report none they were given as `:0`,
/// and bosun's HTTP-01 port must be in Pebble's configuration before either starts; so these
/// ports, unlike bosun's own listener, are picked here.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn free_udp_and_tcp_port() -> u16 {
    loop {
        let p = free_port();
        if std::net::UdpSocket::bind(("127.0.0.1", p)).is_ok() {
            return p;
        }
    }
}

fn require(bin: &str) {
    let ok = Command::new(bin)
        .arg("-h")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    assert!(
        ok,
        "{bin} is missing: the ACME tests run against Debian's pebble package. Install it with `apt-get install pebble` (scripts/test.sh does)."
    );
}

/// A CA and a certificate for 127.0.0.1/localhost signed by it, for Pebble's own HTTPS.
fn listener_cert(dir: &Path) -> (PathBuf, PathBuf, String) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    let (cert_path, key_path) = (dir.join("pebble.crt"), dir.join("pebble.key"));
    std::fs::write(&cert_path, leaf.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    (cert_path, key_path, ca_cert.pem())
}

impl Pebble {
    pub async fn start() -> Self {
        require("pebble");
        require("pebble-challtestsrv");
        let dir = tempfile::tempdir().unwrap();
        let (cert, key, listener_ca) = listener_cert(dir.path());
        let (acme, mgmt, http_port, tls_port) =
            (free_port(), free_port(), free_port(), free_port());
        let (dns, challmgmt) = (free_udp_and_tcp_port(), free_port());
        let config = dir.path().join("pebble.json");
        std::fs::write(
            &config,
            serde_json::json!({"pebble": {
                "listenAddress": format!("127.0.0.1:{acme}"),
                "managementListenAddress": format!("127.0.0.1:{mgmt}"),
                "certificate": cert,
                "privateKey": key,
                "httpPort": http_port,
                "tlsPort": tls_port,
                "ocspResponderURL": "",
                "externalAccountBindingRequired": false
            }})
            .to_string(),
        )
        .unwrap();
        let log = |name: &str| std::fs::File::create(dir.path().join(name)).unwrap();
        let challtest = Command::new("pebble-challtestsrv")
            .args([
                "-defaultIPv4",
                "127.0.0.1",
                "-defaultIPv6",
                "",
                "-dns01",
                &format!("127.0.0.1:{dns}"),
                "-http01",
                "",
                "-https01",
                "",
                "-tlsalpn01",
                "",
                "-management",
                &format!("127.0.0.1:{challmgmt}"),
            ])
            .stdout(log("challtestsrv.log"))
            .stderr(log("challtestsrv.err"))
            .spawn()
            .unwrap();
        let pebble = Command::new("pebble")
            .args(["-config"])
            .arg(&config)
            .args(["-dnsserver", &format!("127.0.0.1:{dns}")])
            .env("PEBBLE_VA_NOSLEEP", "1")
            .env("PEBBLE_WFE_NONCEREJECT", "0")
            .stdout(log("pebble.log"))
            .stderr(log("pebble.err"))
            .spawn()
            .unwrap();

        let client = reqwest::Client::builder()
            .use_preconfigured_tls(crate::harness::trusting_pem(&listener_ca))
            .build()
            .unwrap();
        let directory = format!("https://127.0.0.1:{acme}/dir");
        let mut root = None;
        for _ in 0..100 {
            if let Ok(r) = client
                .get(format!("https://127.0.0.1:{mgmt}/roots/0"))
                .send()
                .await
                && r.status().is_success()
                && client
                    .get(&directory)
                    .send()
                    .await
                    .is_ok_and(|d| d.status().is_success())
            {
                root = Some(r.text().await.unwrap());
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let root = root.unwrap_or_else(|| {
            panic!(
                "pebble did not start: {}",
                std::fs::read_to_string(dir.path().join("pebble.err")).unwrap_or_default()
            )
        });
        let trust = dir.path().join("trust.pem");
        std::fs::write(&trust, format!("{listener_ca}{root}")).unwrap();
        let hook = dir.path().join("dns-hook.sh");
        std::fs::write(
            &hook,
            format!(
                "#!/bin/sh\n# bosun's DNS-01 hook for the tests: HOOK set|clear NAME VALUE\nset -eu\n\
                 case \"$1\" in\n\
                   set) curl -sf -X POST -d \"{{\\\"host\\\":\\\"$2.\\\",\\\"value\\\":\\\"$3\\\"}}\" http://127.0.0.1:{challmgmt}/set-txt ;;\n\
                   clear) curl -sf -X POST -d \"{{\\\"host\\\":\\\"$2.\\\"}}\" http://127.0.0.1:{challmgmt}/clear-txt ;;\n\
                   *) echo \"unknown verb $1\" >&2; exit 2 ;;\n\
                 esac\n"
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
        Pebble {
            directory,
            http_port,
            trust,
            hook,
            pebble,
            challtest,
            _dir: dir,
        }
    }

    /// The bosun flags that point it at this Pebble.
    pub fn flags(&self) -> Vec<String> {
        vec![
            "--acme-directory".into(),
            self.directory.clone(),
            "--acme-http-listen".into(),
            format!("127.0.0.1:{}", self.http_port),
            "--acme-dns-hook".into(),
            self.hook.display().to_string(),
            "--cert-trust".into(),
            self.trust.display().to_string(),
        ]
    }
}

impl Drop for Pebble {
    fn drop(&mut self) {
        let _ = self.pebble.kill();
        let _ = self.challtest.kill();
        let _ = self.pebble.wait();
        let _ = self.challtest.wait();
    }
}
