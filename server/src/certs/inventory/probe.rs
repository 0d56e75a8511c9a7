//! What the stack's services present on their TLS ports: bosun connects like a client would
//! (accepting any certificate, since it only looks) and keeps what it saw.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::docker::record::Record;
use crate::services::actions::label;

/// Container ports that usually speak TLS. Others can be named with `bosun.cert.ports`.
const TLS_PORTS: [u16; 13] = [
    443, 8443, 4443, 9443, 6443, 5671, 15671, 8883, 636, 993, 995, 465, 5986,
];
pub const PORTS_LABEL: &str = "bosun.cert.ports";
const TIMEOUT: Duration = Duration::from_secs(3);

/// One TLS port of one container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub container_id: String,
    /// `project/service #n (name)`.
    pub container: String,
    pub project: Option<String>,
    pub service: Option<String>,
    pub port: u16,
    addrs: Vec<SocketAddr>,
    sni: Option<String>,
}

/// What one probe saw.
#[derive(Clone, Debug)]
pub struct Probed {
    pub target: Target,
    pub at_ms: i64,
    pub chain: Result<Vec<CertificateDer<'static>>, String>,
}

pub fn wanted_ports(r: &Record) -> Vec<u16> {
    let mut ports: Vec<u16> = r
        .label(PORTS_LABEL)
        .map(|l| l.split(',').filter_map(|p| p.trim().parse().ok()).collect())
        .unwrap_or_default();
    ports.extend(
        r.ports
            .iter()
            .filter(|p| p.protocol == "tcp" && TLS_PORTS.contains(&p.container_port))
            .map(|p| p.container_port),
    );
    ports.sort_unstable();
    ports.dedup();
    ports
}

/// The TLS ports of the running containers: reached at the container's own addresses, then at
/// the host port it publishes.
pub fn targets(records: &[Arc<Record>]) -> Vec<Target> {
    let mut out = Vec::new();
    for r in records.iter().filter(|r| r.is_running()) {
        for port in wanted_ports(r) {
            let mut addrs: Vec<SocketAddr> =
                r.ips.iter().map(|ip| SocketAddr::new(*ip, port)).collect();
            addrs.extend(
                r.ports
                    .iter()
                    .filter(|p| p.container_port == port)
                    .filter_map(|p| p.host_port)
                    .map(|h| SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), h)),
            );
            if addrs.is_empty() {
                continue;
            }
            let sni = r.label("bosun.cert.sni").or(r.service()).map(str::to_owned);
            out.push(Target {
                container_id: r.id.clone(),
                container: label(r),
                project: r.project().map(str::to_owned),
                service: r.service().map(str::to_owned),
                port,
                addrs,
                sni,
            });
        }
    }
    out
}

/// Connects to the target's first address that answers and returns the chain it presents.
pub async fn probe(
    tls: Arc<rustls::ClientConfig>,
    t: &Target,
) -> Result<Vec<CertificateDer<'static>>, String> {
    let name = t
        .sni
        .clone()
        .and_then(|s| ServerName::try_from(s).ok())
        .unwrap_or(ServerName::IpAddress(
            IpAddr::V4(Ipv4Addr::LOCALHOST).into(),
        ));
    let mut last = "no address".to_owned();
    for addr in &t.addrs {
        let attempt = async {
            let tcp = TcpStream::connect(addr)
                .await
                .map_err(|e| format!("{addr}: {e}"))?;
            let stream = TlsConnector::from(tls.clone())
                .connect(name.clone(), tcp)
                .await
                .map_err(|e| format!("{addr}: no TLS handshake ({e})"))?;
            let (_, conn) = stream.get_ref();
            conn.peer_certificates()
                .map(|c| c.iter().map(|c| c.clone().into_owned()).collect::<Vec<_>>())
                .filter(|c| !c.is_empty())
                .ok_or_else(|| format!("{addr}: presented no certificate"))
        };
        match tokio::time::timeout(TIMEOUT, attempt).await {
            Ok(Ok(chain)) => return Ok(chain),
            Ok(Err(e)) => last = e,
            Err(_) => last = format!("{addr}: no answer within 3 s"),
        }
    }
    Err(format!(
        "bosun could not read the certificate on port {} ({last})",
        t.port
    ))
}

/// What each address of the target presents (a reloaded server may answer from an old
/// worker on one address for a moment): unreachable addresses are left out.
pub async fn each_address(
    tls: Arc<rustls::ClientConfig>,
    t: &Target,
) -> Vec<Vec<CertificateDer<'static>>> {
    let singles = t.addrs.iter().map(|a| Target {
        addrs: vec![*a],
        ..t.clone()
    });
    futures::future::join_all(singles.map(|one| {
        let tls = tls.clone();
        async move { probe(tls, &one).await.ok() }
    }))
    .await
    .into_iter()
    .flatten()
    .collect()
}

/// The last probe of every TLS port, refreshed in the background and after reloads.
#[derive(Clone)]
pub struct Probes {
    tls: Arc<rustls::ClientConfig>,
    seen: Arc<Mutex<BTreeMap<(String, u16), Probed>>>,
}

impl Probes {
    pub fn new(tls: rustls::ClientConfig) -> Self {
        Probes {
            tls: Arc::new(tls),
            seen: Arc::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<(String, u16), Probed>> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn all(&self) -> Vec<Probed> {
        self.lock().values().cloned().collect()
    }

    /// Probes `targets` (all at once) and keeps only them.
    pub async fn refresh(&self, targets: Vec<Target>) {
        let keep: Vec<(String, u16)> = targets
            .iter()
            .map(|t| (t.container_id.clone(), t.port))
            .collect();
        let results = futures::future::join_all(targets.into_iter().map(|t| self.one(t))).await;
        let mut seen = self.lock();
        seen.retain(|k, _| keep.contains(k));
        for p in results {
            seen.insert((p.target.container_id.clone(), p.target.port), p);
        }
    }

    /// Probes the given targets now and returns what they present (and keeps it).
    pub async fn now(&self, targets: Vec<Target>) -> Vec<Probed> {
        let results = futures::future::join_all(targets.into_iter().map(|t| self.one(t))).await;
        let mut seen = self.lock();
        for p in &results {
            seen.insert((p.target.container_id.clone(), p.target.port), p.clone());
        }
        results
    }

    pub fn tls(&self) -> Arc<rustls::ClientConfig> {
        self.tls.clone()
    }

    async fn one(&self, t: Target) -> Probed {
        let chain = probe(self.tls.clone(), &t).await;
        Probed {
            target: t,
            at_ms: crate::store::now_ms(),
            chain,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_ports_by_number_or_label() {
        let mut r = Record::running(
            "p_nginx_1",
            "nginx",
            &[("bosun.cert.ports", "8000, x")],
            &[(443, 49000), (80, 49001)],
        );
        r.ips = vec!["172.18.0.5".parse().unwrap()];
        let t = targets(&[Arc::new(r)]);
        let ports: Vec<u16> = t.iter().map(|t| t.port).collect();
        assert_eq!(ports, vec![443, 8000]);
        assert_eq!(
            t[0].addrs,
            vec![
                "172.18.0.5:443".parse().unwrap(),
                "127.0.0.1:49000".parse().unwrap()
            ]
        );
    }
}
