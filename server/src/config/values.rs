//! The values of settings, and the parsers that turn a flag's text into them (each says what
//! it expects when the text is not that).

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::ValueEnum;
use ipnet::IpNet;
use url::Url;

/// A secret value: never shown by `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_owned()))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TlsMode {
    /// HTTPS with a certificate bosun makes and keeps in the data dir.
    Auto,
    /// HTTPS with the PEM files given by --tls-cert and --tls-key.
    Files,
    /// Plain HTTP, only for running behind a TLS-terminating proxy.
    Off,
}

/// A short duration: zero up to 10 minutes.
pub(super) fn parse_short_duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s).map_err(|e| format!("{e} (examples: 30s, 2m, 0s)"))?;
    if d > Duration::from_secs(600) {
        return Err("must be at most 10 minutes".into());
    }
    Ok(d)
}

/// How often registries are asked for newer builds; None: never by itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UpdateCheck(pub Option<Duration>);

/// `off`, or a duration of at least a minute.
pub(super) fn parse_update_check(s: &str) -> Result<UpdateCheck, String> {
    if s.eq_ignore_ascii_case("off") {
        return Ok(UpdateCheck(None));
    }
    parse_duration(s)
        .map(|d| UpdateCheck(Some(d)))
        .map_err(|e| format!("{e}, or off"))
}

/// How long something is kept: a duration, or for ever (None).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeepFor(pub Option<Duration>);

/// A duration of a day or more, or `forever`.
pub(super) fn parse_keep(s: &str) -> Result<KeepFor, String> {
    if s.eq_ignore_ascii_case("forever") {
        return Ok(KeepFor(None));
    }
    let d = humantime::parse_duration(s)
        .map_err(|e| format!("{e} (examples: 30days, 12weeks, forever)"))?;
    if d < Duration::from_secs(86_400) {
        return Err("must be at least a day, or `forever`".into());
    }
    Ok(KeepFor(Some(d)))
}

pub(super) fn parse_duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s).map_err(|e| format!("{e} (examples: 30m, 12h, 90s)"))?;
    if d < Duration::from_secs(60) {
        return Err("must be at least 1 minute".into());
    }
    Ok(d)
}

pub(super) fn parse_public_url(s: &str) -> Result<Url, String> {
    let url = Url::parse(s).map_err(|e| e.to_string())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err("must be an http:// or https:// URL with a host".into());
    }
    Ok(url)
}

pub(super) fn parse_docker_host(s: &str) -> Result<String, String> {
    let ok = s
        .strip_prefix("unix://")
        .is_some_and(|p| p.starts_with('/'))
        || ["tcp://", "http://"]
            .iter()
            .any(|p| s.strip_prefix(p).is_some_and(|rest| !rest.is_empty()));
    if ok {
        Ok(s.to_owned())
    } else {
        Err("expected unix:///path/to/docker.sock or tcp://host:port".into())
    }
}

/// `30,7`: warn this many days before expiry, and call it critical at the second number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WarnDays {
    pub warn: u32,
    pub critical: u32,
}

pub(super) fn parse_warn_days(s: &str) -> Result<WarnDays, String> {
    let (w, c) = s
        .split_once(',')
        .ok_or("give two numbers of days: warning,critical (e.g. 30,7)")?;
    let day = |v: &str| {
        v.trim()
            .parse::<u32>()
            .map_err(|_| format!("{v:?} is not a number of days (e.g. 30,7)"))
    };
    let (warn, critical) = (day(w)?, day(c)?);
    if critical > warn || warn > 3650 {
        return Err(
            "the critical window must not be longer than the warning window (e.g. 30,7)".into(),
        );
    }
    Ok(WarnDays { warn, critical })
}

/// A share of a certificate's lifetime: a fraction (`2/3`) or a percentage (`66.7%`, `66`).
pub(super) fn parse_share(s: &str) -> Result<f64, String> {
    const HELP: &str = "give a share of the lifetime such as 2/3 or 66.7%";
    let s = s.trim();
    let share = match s.split_once('/') {
        Some((n, d)) => {
            let n: u32 = n.trim().parse().map_err(|_| HELP.to_owned())?;
            let d: u32 = d.trim().parse().map_err(|_| HELP.to_owned())?;
            if d == 0 {
                return Err(HELP.into());
            }
            f64::from(n) / f64::from(d)
        }
        None => {
            let p: f64 = s
                .trim_end_matches('%')
                .trim()
                .parse()
                .map_err(|_| HELP.to_owned())?;
            p / 100.0
        }
    };
    if !(0.1..=0.95).contains(&share) {
        return Err("must be from 10% to 95% of the lifetime".into());
    }
    Ok(share)
}

/// Any path; an empty value (as compose passes `${X:-}`) means "not set" and is dropped later.
pub(super) fn parse_path(s: &str) -> Result<PathBuf, String> {
    Ok(PathBuf::from(s.trim()))
}

pub(super) fn parse_acme_directory(s: &str) -> Result<Url, String> {
    if s.trim().is_empty() {
        return Err(
            "is empty: remove the setting, or give the https:// URL of an ACME directory".into(),
        );
    }
    let url = Url::parse(s).map_err(|e| e.to_string())?;
    if url.scheme() != "https" || url.host_str().is_none() {
        return Err("must be the https:// URL of an ACME directory".into());
    }
    Ok(url)
}

pub(super) fn parse_email(s: &str) -> Result<String, String> {
    let s = s.trim();
    let ok = s.len() <= 254
        && s.split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.starts_with('.'))
        && !s.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(s.to_owned())
    } else {
        Err("not an e-mail address".into())
    }
}

pub(super) fn parse_proxy(s: &str) -> Result<IpNet, String> {
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{s:?} is not an IP address or CIDR range"))
}

/// One entry of `BOSUN_CA_ALLOWED_NAMES`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllowedName {
    /// `.lan`: every name under `lan` (kept without the dot).
    Suffix(String),
    /// `nas.lan`: that name only.
    Name(String),
    /// `10.0.0.0/8`, or one address.
    Net(IpNet),
}

/// The names bosun's internal CA may issue without an admin confirming them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllowedNames(pub Vec<AllowedName>);

impl AllowedNames {
    /// Whether `name` (a DNS name, `*.` allowed, or an IP address; lower case) is allowed.
    pub fn allows(&self, name: &str) -> bool {
        let ip = name.trim_matches(['[', ']']).parse::<IpAddr>().ok();
        self.0.iter().any(|a| match (a, ip) {
            (AllowedName::Net(net), Some(ip)) => net.contains(&ip),
            (AllowedName::Suffix(s), None) => name
                .strip_suffix(s.as_str())
                .is_some_and(|head| head.ends_with('.') && head.len() > 1),
            (AllowedName::Name(n), None) => name == n,
            _ => false,
        })
    }
}

impl fmt::Display for AllowedNames {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: Vec<String> = self
            .0
            .iter()
            .map(|a| match a {
                AllowedName::Suffix(s) => format!(".{s}"),
                AllowedName::Name(n) => n.clone(),
                AllowedName::Net(net) => net.to_string(),
            })
            .collect();
        f.write_str(&shown.join(","))
    }
}

/// `.lan,.internal,nas.home,10.0.0.0/8,fd00::/8`: DNS suffixes (leading dot), single names and
/// IP ranges; empty means "not set".
pub(super) fn parse_allowed_names(s: &str) -> Result<AllowedNames, String> {
    let dns = |n: &str| {
        n.len() <= 253
            && n.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
    };
    let mut out = Vec::new();
    for entry in s.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let e = entry.trim_end_matches('.').to_ascii_lowercase();
        let parsed = if e.contains('/') || e.parse::<IpAddr>().is_ok() {
            parse_proxy(&e).ok().map(|n| AllowedName::Net(n.trunc()))
        } else if e.starts_with('*') {
            return Err(format!(
                "{entry:?}: write .{} to allow every name under {}",
                e.trim_start_matches(['*', '.']),
                e.trim_start_matches(['*', '.'])
            ));
        } else if let Some(suffix) = e.strip_prefix('.') {
            dns(suffix).then(|| AllowedName::Suffix(suffix.to_owned()))
        } else {
            dns(&e).then(|| AllowedName::Name(e.clone()))
        };
        out.push(parsed.ok_or_else(|| {
            format!(
                "{entry:?} is not a DNS suffix, name or IP range (examples: .lan, nas.home, 10.0.0.0/8)"
            )
        })?);
    }
    Ok(AllowedNames(out))
}

/// A host name or IP address for URLs (no scheme, port or path).
pub(super) fn parse_host(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= 253
        && (s.parse::<IpAddr>().is_ok()
            || s.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !label.starts_with('-')
            }));
    if ok {
        Ok(s.to_owned())
    } else {
        Err(format!(
            "{s:?} is not a host name or IP address (e.g. docker-host.lan or 10.0.0.5)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_names_or_addresses_only() {
        assert!(parse_host("docker-host.lan").is_ok());
        assert!(parse_host("10.0.0.5").is_ok());
        for bad in ["", "http://x", "a b", "host:80", "-x.lan", "x/y"] {
            assert!(parse_host(bad).is_err(), "{bad}");
        }
    }
}
