//! The names bosun's internal CA is limited to, as X.509 name constraints on its root: made from
//! `BOSUN_CA_ALLOWED_NAMES` when the CA is first created, and read back from the root on every
//! start, so bosun refuses (rather than issues) a certificate clients would reject.
//!
//! A suffix `.lan` becomes the dNSName constraint `lan` (`lan` and every name under it); a name
//! `nas.home` becomes `nas.home` (it and the names under it); an IP range becomes an iPAddress
//! constraint. Without an IP range every address is excluded; without a DNS entry every DNS
//! name is (the empty dNSName constraint).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use rcgen::{CidrSubnet, GeneralSubtree, NameConstraints};

use crate::config::{AllowedName, AllowedNames};

/// The constraints to put on a new CA's root for `allowed`.
pub fn constraints(allowed: &AllowedNames) -> NameConstraints {
    let mut permitted = Vec::new();
    for a in &allowed.0 {
        permitted.push(match a {
            AllowedName::Suffix(s) | AllowedName::Name(s) => GeneralSubtree::DnsName(s.clone()),
            AllowedName::Net(n) => {
                GeneralSubtree::IpAddress(CidrSubnet::from_addr_prefix(n.addr(), n.prefix_len()))
            }
        });
    }
    let has_ip = allowed.0.iter().any(|a| matches!(a, AllowedName::Net(_)));
    let mut excluded = Vec::new();
    if !has_ip {
        for any in [Ipv4Addr::UNSPECIFIED.into(), Ipv6Addr::UNSPECIFIED.into()] {
            excluded.push(GeneralSubtree::IpAddress(CidrSubnet::from_addr_prefix(
                any, 0,
            )));
        }
    }
    if has_ip && allowed.0.iter().all(|a| matches!(a, AllowedName::Net(_))) {
        excluded.push(GeneralSubtree::DnsName(String::new()));
    }
    NameConstraints {
        permitted_subtrees: permitted,
        excluded_subtrees: excluded,
    }
}

/// One subtree read off a root.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Tree {
    Dns(String),
    Ip(IpNet),
}

impl Tree {
    /// RFC 5280: a DNS constraint holds the name itself and every name under it (a leading
    /// dot: only those under it; empty: every name); an IP constraint holds its range.
    fn holds(&self, name: &str) -> Option<bool> {
        let ip = name.parse::<IpAddr>().ok();
        match (self, ip) {
            (Tree::Ip(net), Some(ip)) => Some(net.contains(&ip)),
            (Tree::Dns(c), None) => {
                let name = name.strip_prefix("*.").unwrap_or(name);
                Some(if c.is_empty() {
                    true
                } else if c.starts_with('.') {
                    name.ends_with(c.as_str())
                } else {
                    name == c || name.ends_with(&format!(".{c}"))
                })
            }
            // A constraint says nothing about names of the other kind.
            _ => None,
        }
    }

    fn shown(&self) -> String {
        match self {
            Tree::Dns(c) if c.is_empty() => "no DNS name".to_owned(),
            Tree::Dns(c) => c.clone(),
            Tree::Ip(n) if n.prefix_len() == 0 => "no IP address".to_owned(),
            Tree::Ip(n) => n.to_string(),
        }
    }
}

/// The constraints a CA's root carries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    permitted: Vec<Tree>,
    excluded: Vec<Tree>,
}

fn trees(subtrees: Option<&Vec<x509_parser::extensions::GeneralSubtree<'_>>>) -> Vec<Tree> {
    use x509_parser::extensions::GeneralName;
    subtrees
        .map(|v| v.as_slice())
        .unwrap_or_default()
        .iter()
        .filter_map(|t| match t.base {
            GeneralName::DNSName(d) => Some(Tree::Dns(d.to_ascii_lowercase())),
            GeneralName::IPAddress(b) => ip_range(b).map(Tree::Ip),
            _ => None,
        })
        .collect()
}

/// An iPAddress constraint: the address, then the mask (4 + 4 or 16 + 16 bytes).
fn ip_range(b: &[u8]) -> Option<IpNet> {
    let (addr, mask): (IpAddr, u32) = match b.len() {
        8 => {
            let a: [u8; 4] = b[..4].try_into().ok()?;
            let m: [u8; 4] = b[4..].try_into().ok()?;
            (a.into(), u32::from_be_bytes(m).leading_ones())
        }
        32 => {
            let a: [u8; 16] = b[..16].try_into().ok()?;
            let m: [u8; 16] = b[16..].try_into().ok()?;
            (a.into(), u128::from_be_bytes(m).leading_ones())
        }
        _ => return None,
    };
    IpNet::new(addr, u8::try_from(mask).ok()?).ok()
}

impl Limits {
    /// The constraints on the root `der`; None when it has none.
    pub fn of(der: &[u8]) -> Option<Self> {
        use x509_parser::prelude::*;
        let (_, cert) = X509Certificate::from_der(der).ok()?;
        let nc = cert.name_constraints().ok()??;
        Some(Limits {
            permitted: trees(nc.value.permitted_subtrees.as_ref()),
            excluded: trees(nc.value.excluded_subtrees.as_ref()),
        })
    }

    /// Whether a certificate for `name` from this CA passes its constraints.
    pub fn permit(&self, name: &str) -> bool {
        let excluded = self.excluded.iter().any(|t| t.holds(name) == Some(true));
        let kinds: Vec<bool> = self
            .permitted
            .iter()
            .filter_map(|t| t.holds(name))
            .collect();
        !excluded && (kinds.is_empty() || kinds.contains(&true))
    }

    /// The limits in words, e.g. "lan, nas.home (and no IP address)".
    pub fn shown(&self) -> String {
        let permitted: Vec<String> = self.permitted.iter().map(Tree::shown).collect();
        let mut excluded: Vec<String> = self.excluded.iter().map(Tree::shown).collect();
        excluded.dedup();
        let mut out = permitted.join(", ");
        if !excluded.is_empty() {
            out.push_str(&format!(" (and {})", excluded.join(", ")));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraints_read_back_as_they_were_made() {
        let allowed = AllowedNames(vec![
            AllowedName::Suffix("lan".into()),
            AllowedName::Name("nas.home".into()),
        ]);
        let key = rcgen::KeyPair::generate().unwrap();
        let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Constrained(0));
        p.name_constraints = Some(constraints(&allowed));
        let root = p.self_signed(&key).unwrap();
        let l = Limits::of(root.der()).unwrap();
        for ok in ["portal.lan", "*.lan", "nas.home", "x.nas.home"] {
            assert!(l.permit(ok), "{ok}");
        }
        for no in ["evil.com", "home", "10.0.0.1", "::1"] {
            assert!(!l.permit(no), "{no}");
        }
        assert_eq!(l.shown(), "lan, nas.home (and no IP address)");
        let ips = AllowedNames(vec![AllowedName::Net("10.0.0.0/8".parse().unwrap())]);
        p.name_constraints = Some(constraints(&ips));
        let l = Limits::of(p.self_signed(&key).unwrap().der()).unwrap();
        assert!(l.permit("10.1.2.3") && !l.permit("11.0.0.1") && !l.permit("a.lan"));
        // A root without constraints has no limits.
        p.name_constraints = None;
        assert_eq!(Limits::of(p.self_signed(&key).unwrap().der()), None);
    }
}
