//! `bosun healthcheck`: asks the bosun running beside it (same settings, so the same port and
//! scheme) for `/healthz` on loopback, and exits 0 only on its `ok`. The image's HEALTHCHECK
//! runs it, so the image needs neither a shell nor curl. Its own self-signed certificate is
//! accepted: this checks that bosun answers, not who it is.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use crate::config::Config;

/// Where to ask: the listening address, with a wildcard made loopback.
fn target(listen: SocketAddr) -> SocketAddr {
    let ip = match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, listen.port())
}

pub async fn check(config: &Config) -> Result<(), String> {
    let scheme = if config.https() { "https" } else { "http" };
    let url = format!("{scheme}://{}/healthz", target(config.listen));
    let client = crate::net::Https::any_certificate()
        .timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(3))
        .build()?;
    let r = client
        .get(&url)
        .send()
        .await
        .map_err(|e| format!("{url} did not answer: {e}"))?;
    let status = r.status();
    let body = r.text().await.unwrap_or_default();
    if status.is_success() && body.trim() == "ok" {
        Ok(())
    } else {
        Err(format!("{url} answered {status}: {}", body.trim()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wildcard_address_is_asked_on_loopback() {
        let t = |s: &str| target(s.parse().expect("addr")).to_string();
        assert_eq!(t("0.0.0.0:8443"), "127.0.0.1:8443");
        assert_eq!(t("[::]:8443"), "[::1]:8443");
        assert_eq!(t("192.168.1.5:9000"), "192.168.1.5:9000");
    }
}
