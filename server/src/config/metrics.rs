//! Who may read `GET /metrics` without signing in: a Prometheus scraper's addresses.

use ipnet::IpNet;

use super::values::parse_proxy;

#[derive(clap::Args, Clone, Debug, Default)]
pub struct MetricsConfig {
    /// Addresses (IPs or CIDRs, comma-separated) that may read /metrics without a token, e.g.
    /// the Prometheus beside the stack. Anyone else needs a token or session with the viewer role.
    #[arg(long = "metrics-allow", env = "BOSUN_METRICS_ALLOW", value_delimiter = ',', value_parser = parse_proxy, value_name = "CIDRS")]
    pub allow: Vec<IpNet>,
}
