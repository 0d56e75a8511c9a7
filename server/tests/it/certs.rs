//! What the certificate tests (`cert_*`) share: pairs made here, the serial a TLS client is
//! shown, connections held open, and the inventory as `CertDto`s.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use bosun_frontend::model::CertDto;
use bosun_server::certs::inspect::Facts;
use rustls::{ClientConnection, StreamOwned};

use crate::api::json_get;
use crate::harness::TestServer;

pub(crate) fn port_of(s: &TestServer) -> u16 {
    s.base.rsplit(':').next().unwrap().parse().unwrap()
}

pub(crate) fn serial_of(der: &[u8]) -> String {
    bosun_server::certs::inspect::facts(&der.to_vec().into())
        .unwrap()
        .serial
}

/// What the first certificate in `pem` says about itself.
pub(crate) fn leaf(pem: &str) -> Facts {
    bosun_server::certs::inspect::facts(
        &bosun_server::certs::inspect::chain_from_pem(pem.as_bytes()).unwrap()[0],
    )
    .unwrap()
}

/// The certificate and key in these PEM texts belong together and are valid now.
pub(crate) fn is_valid_pair(cert: &str, key: &str) -> bool {
    bosun_server::certs::inspect::checked_pair(
        cert.as_bytes(),
        key.as_bytes(),
        time::OffsetDateTime::now_utc().unix_timestamp(),
    )
    .is_ok()
}

/// A TLS connection that stays open (HTTP/1.1 keep-alive), as a browser tab would hold one.
pub(crate) struct Held(StreamOwned<ClientConnection, TcpStream>);

impl Held {
    fn open(addr: &str) -> Self {
        let config = bosun_server::net::accept_any_certificate(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .unwrap();
        let conn =
            ClientConnection::new(Arc::new(config), "localhost".try_into().unwrap()).unwrap();
        let sock = TcpStream::connect(addr).unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut held = Held(StreamOwned::new(conn, sock));
        while held.0.conn.is_handshaking() {
            let Held(s) = &mut held;
            s.conn.complete_io(&mut s.sock).unwrap();
        }
        held
    }

    pub(crate) fn serial(&self) -> String {
        serial_of(self.0.conn.peer_certificates().unwrap()[0].as_ref())
    }

    /// GET `path` on this very connection; the body.
    pub(crate) fn get(&mut self, path: &str) -> String {
        write!(
            self.0,
            "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n"
        )
        .unwrap();
        self.0.flush().unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = self.0.read(&mut chunk).unwrap();
            assert!(n > 0, "the connection closed");
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf).into_owned();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let len: usize = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap())
                    })
                    .unwrap_or(0);
                if body.len() >= len {
                    return body[..len].to_owned();
                }
            }
        }
    }
}

pub(crate) async fn held(addr: String) -> Held {
    tokio::task::spawn_blocking(move || Held::open(&addr))
        .await
        .unwrap()
}

/// The serial a fresh handshake with `addr` sees.
pub(crate) async fn fresh_serial(addr: String) -> String {
    held(addr).await.serial()
}

/// The inventory, `GET /api/v1/certificates`.
pub(crate) async fn certificates(client: &reqwest::Client, s: &TestServer) -> Vec<CertDto> {
    json_get(client, s, "/api/v1/certificates").await
}

pub(crate) fn by_id<'a>(certs: &'a [CertDto], id: &str) -> &'a CertDto {
    certs
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no certificate {id} in {certs:#?}"))
}

/// The certificate listed under this title (a file's path), if any.
pub(crate) fn titled<'a>(certs: &'a [CertDto], title: &str) -> Option<&'a CertDto> {
    certs.iter().find(|c| c.title == title)
}

/// The host port the engine published for a service's container port 443.
pub(crate) fn published_tls_port(project: &str, service: &str) -> String {
    let port = crate::dbs::docker(&["port", &crate::dbs::container_of(project, service), "443"]).1;
    port.lines()
        .next()
        .and_then(|l| l.rsplit(':').next())
        .unwrap()
        .trim()
        .to_owned()
}

/// A self-signed pair for `names`, valid from `from` to `to` days from now.
pub(crate) fn pair(names: &[&str], from: i64, to: i64) -> (String, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut p =
        rcgen::CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
            .unwrap();
    let now = time::OffsetDateTime::now_utc();
    p.not_before = now + time::Duration::days(from);
    p.not_after = now + time::Duration::days(to);
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(rcgen::DnType::CommonName, names[0]);
    p.distinguished_name = dn;
    (p.self_signed(&key).unwrap().pem(), key.serialize_pem())
}
