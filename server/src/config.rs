//! Start-up configuration: flags and `BOSUN_*` variables (a flag wins over its variable).
//! Anything unknown or invalid stops start-up with a message naming the variable.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::{CommandFactory, Parser, ValueEnum, error::ContextKind, error::ContextValue};
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
fn parse_short_duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s).map_err(|e| format!("{e} (examples: 30s, 2m, 0s)"))?;
    if d > Duration::from_secs(600) {
        return Err("must be at most 10 minutes".into());
    }
    Ok(d)
}

/// How long something is kept: a duration, or for ever (None).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeepFor(pub Option<Duration>);

/// A duration of a day or more, or `forever`.
fn parse_keep(s: &str) -> Result<KeepFor, String> {
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

fn parse_duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s).map_err(|e| format!("{e} (examples: 30m, 12h, 90s)"))?;
    if d < Duration::from_secs(60) {
        return Err("must be at least 1 minute".into());
    }
    Ok(d)
}

fn parse_public_url(s: &str) -> Result<Url, String> {
    let url = Url::parse(s).map_err(|e| e.to_string())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err("must be an http:// or https:// URL with a host".into());
    }
    Ok(url)
}

fn parse_docker_host(s: &str) -> Result<String, String> {
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

fn parse_warn_days(s: &str) -> Result<WarnDays, String> {
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
fn parse_share(s: &str) -> Result<f64, String> {
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
fn parse_path(s: &str) -> Result<PathBuf, String> {
    Ok(PathBuf::from(s.trim()))
}

fn parse_acme_directory(s: &str) -> Result<Url, String> {
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

fn parse_email(s: &str) -> Result<String, String> {
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

fn parse_proxy(s: &str) -> Result<IpNet, String> {
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{s:?} is not an IP address or CIDR range"))
}

/// bosun: a web admin console for the Docker Compose stacks on this host.
#[derive(Clone, Debug, Parser)]
#[command(name = "bosun", version, about, max_term_width = 100)]
pub struct Config {
    /// Address and port to listen on.
    #[arg(
        long,
        env = "BOSUN_LISTEN",
        default_value = "0.0.0.0:8443",
        value_name = "ADDR:PORT"
    )]
    pub listen: SocketAddr,

    /// Directory for the embedded database, TLS material and backups.
    #[arg(
        long,
        env = "BOSUN_DATA_DIR",
        default_value = "./data",
        value_name = "DIR"
    )]
    pub data_dir: PathBuf,

    /// Password for the first `admin` user; used only while no user exists.
    #[arg(
        long,
        env = "BOSUN_ADMIN_PASSWORD",
        hide_env_values = true,
        value_name = "PASSWORD"
    )]
    pub admin_password: Option<Secret>,

    /// File holding the first admin's password (e.g. a Docker secret); used only while no user exists.
    #[arg(
        long,
        env = "BOSUN_ADMIN_PASSWORD_FILE",
        value_name = "FILE",
        conflicts_with = "admin_password"
    )]
    pub admin_password_file: Option<PathBuf>,

    /// HTTPS mode.
    #[arg(long, env = "BOSUN_TLS", value_enum, default_value = "auto")]
    pub tls: TlsMode,

    /// Certificate chain (PEM) for --tls files.
    #[arg(long, env = "BOSUN_TLS_CERT", value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,

    /// Private key (PEM) for --tls files.
    #[arg(long, env = "BOSUN_TLS_KEY", value_name = "FILE")]
    pub tls_key: Option<PathBuf>,

    /// Extra DNS names or IPs for the generated certificate (comma-separated).
    #[arg(
        long,
        env = "BOSUN_TLS_NAMES",
        value_delimiter = ',',
        value_name = "NAMES"
    )]
    pub tls_names: Vec<String>,

    /// Sign a session out after this much inactivity.
    #[arg(long, env = "BOSUN_SESSION_IDLE", default_value = "30m", value_parser = parse_duration, value_name = "DURATION")]
    pub session_idle: Duration,

    /// Sign a session out this long after sign-in, active or not.
    #[arg(long, env = "BOSUN_SESSION_ABSOLUTE", default_value = "12h", value_parser = parse_duration, value_name = "DURATION")]
    pub session_absolute: Duration,

    /// Keep collecting container stats this long after the last page watching them closed.
    #[arg(long, env = "BOSUN_STATS_LINGER", default_value = "30s", value_parser = parse_short_duration, value_name = "DURATION")]
    pub stats_linger: Duration,

    /// The most replicas a compose service may be scaled to from bosun.
    #[arg(long, env = "BOSUN_MAX_REPLICAS", default_value_t = bosun_frontend::model::scale::DEFAULT_MAX_REPLICAS, value_parser = clap::value_parser!(u32).range(1..=1000), value_name = "N")]
    pub max_replicas: u32,

    /// The most live views (event streams) one sign-in or API token may hold open at once.
    #[arg(long, env = "BOSUN_MAX_STREAMS", default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=1000), value_name = "N")]
    pub max_streams: u32,

    /// Where backups are written (default: DATA_DIR/backups). Keep it on a volume.
    #[arg(long, env = "BOSUN_BACKUP_DIR", value_name = "DIR")]
    pub backup_dir: Option<PathBuf>,

    /// A backup does not start with less free space than this in the backup directory.
    #[arg(
        long,
        env = "BOSUN_BACKUP_MIN_FREE_MB",
        default_value_t = 64,
        value_name = "MB"
    )]
    pub backup_min_free_mb: u64,

    /// How long manual backups and the safety backups taken before a restore are kept
    /// (retention prunes only scheduled ones); `forever` keeps them until an admin deletes them.
    #[arg(long, env = "BOSUN_BACKUP_KEEP_MANUAL", default_value = "30days", value_parser = parse_keep, value_name = "DURATION")]
    pub backup_keep_manual: KeepFor,

    /// Directories with certificate files to show and renew (comma-separated), e.g. a stack's
    /// mounted config dir. Renewed files are written only inside these.
    #[arg(
        long,
        env = "BOSUN_CERT_DIRS",
        value_delimiter = ',',
        value_parser = parse_path,
        value_name = "DIRS"
    )]
    pub cert_dirs: Vec<PathBuf>,

    /// Days before expiry to warn, and to call it critical: `warning,critical`.
    #[arg(long, env = "BOSUN_CERT_WARN_DAYS", default_value = "30,7", value_parser = parse_warn_days, value_name = "DAYS,DAYS")]
    pub cert_warn_days: WarnDays,

    /// Renew a certificate bosun manages once this share of its lifetime has passed: a
    /// fraction (`2/3`) or a percentage (`70%`).
    #[arg(long, env = "BOSUN_CERT_RENEW_AT", default_value = "2/3", value_parser = parse_share, value_name = "SHARE")]
    pub cert_renew_at: f64,

    /// Extra root certificates (PEM) to trust: for the ACME server's HTTPS and for chain checks.
    #[arg(long, env = "BOSUN_CERT_TRUST", value_parser = parse_path, value_name = "FILE")]
    pub cert_trust: Option<PathBuf>,

    /// Days a certificate from bosun's internal CA is valid.
    #[arg(long, env = "BOSUN_CA_CERT_DAYS", default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=825), value_name = "DAYS")]
    pub ca_cert_days: u32,

    /// The ACME directory to get certificates from, e.g. https://acme-v02.api.letsencrypt.org/directory.
    #[arg(long, env = "BOSUN_ACME_DIRECTORY", value_parser = parse_acme_directory, value_name = "URL")]
    pub acme_directory: Option<Url>,

    /// Contact address for the ACME account.
    #[arg(long, env = "BOSUN_ACME_EMAIL", value_parser = parse_email, value_name = "EMAIL")]
    pub acme_email: Option<String>,

    /// Where bosun answers ACME HTTP-01 challenges (only /.well-known/acme-challenge/), e.g. 0.0.0.0:80.
    #[arg(long, env = "BOSUN_ACME_HTTP_LISTEN", value_name = "ADDR:PORT")]
    pub acme_http_listen: Option<SocketAddr>,

    /// Program that sets DNS-01 TXT records: called as `HOOK set|clear NAME VALUE`.
    #[arg(long, env = "BOSUN_ACME_DNS_HOOK", value_parser = parse_path, value_name = "FILE")]
    pub acme_dns_hook: Option<PathBuf>,

    /// Proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For and X-Forwarded-Proto are believed.
    #[arg(long, env = "BOSUN_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_proxy, value_name = "CIDRS")]
    pub trusted_proxies: Vec<IpNet>,

    /// The URL users browse to, e.g. https://bosun.lan:8443; used for origin checks and messages.
    #[arg(long, env = "BOSUN_PUBLIC_URL", value_parser = parse_public_url, value_name = "URL")]
    pub public_url: Option<Url>,

    /// The Docker engine: `unix:///path/docker.sock` or `tcp://host:2375` (default: the local socket).
    #[arg(long, env = "DOCKER_HOST", value_parser = parse_docker_host, value_name = "URL")]
    pub docker_host: Option<String>,

    /// Where the site (wasm, JS, CSS) was built.
    #[arg(
        long,
        env = "LEPTOS_SITE_ROOT",
        default_value = "target/site",
        value_name = "DIR"
    )]
    pub site_root: PathBuf,

    /// Log filter, e.g. `info` or `bosun_server=debug,info`.
    #[arg(long, env = "BOSUN_LOG", default_value = "info", value_name = "FILTER")]
    pub log: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0}")]
    Clap(#[from] clap::Error),
    #[error(
        "unknown setting {name}: remove it or check its spelling (`bosun --help` lists every setting)"
    )]
    UnknownVariable { name: String },
    #[error("invalid value for {setting}: {reason}")]
    Invalid { setting: String, reason: String },
}

impl Config {
    /// Parses flags and the environment, then checks what clap can't.
    pub fn load<I, T>(
        args: I,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let known: Vec<String> = Config::command()
            .get_arguments()
            .filter_map(|a| a.get_env().map(|e| e.to_string_lossy().into_owned()))
            .collect();
        if let Some((name, _)) = env
            .into_iter()
            .find(|(k, _)| k.starts_with("BOSUN_") && !known.contains(k))
        {
            return Err(ConfigError::UnknownVariable { name });
        }
        let mut config = Config::try_parse_from(args).map_err(name_the_variable)?;
        // An empty variable (as compose files pass through `${X:-}`) means "not set".
        config.tls_names.retain(|n| !n.trim().is_empty());
        config.cert_dirs.retain(|d| !d.as_os_str().is_empty());
        for path in [&mut config.cert_trust, &mut config.acme_dns_hook] {
            if path.as_ref().is_some_and(|p| p.as_os_str().is_empty()) {
                *path = None;
            }
        }
        if config
            .admin_password
            .as_ref()
            .is_some_and(|p| p.expose().is_empty())
        {
            config.admin_password = None;
        }
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |setting: &str, reason: &str| ConfigError::Invalid {
            setting: setting.to_owned(),
            reason: reason.to_owned(),
        };
        if self.tls == TlsMode::Files && (self.tls_cert.is_none() || self.tls_key.is_none()) {
            return Err(invalid(
                "--tls / BOSUN_TLS",
                "`files` needs both --tls-cert (BOSUN_TLS_CERT) and --tls-key (BOSUN_TLS_KEY)",
            ));
        }
        if self.session_idle > self.session_absolute {
            return Err(invalid(
                "--session-idle / BOSUN_SESSION_IDLE",
                "must not be longer than the absolute timeout (BOSUN_SESSION_ABSOLUTE)",
            ));
        }
        if (self.acme_http_listen.is_some() || self.acme_dns_hook.is_some())
            && self.acme_directory.is_none()
        {
            return Err(invalid(
                "--acme-directory / BOSUN_ACME_DIRECTORY",
                "ACME challenges are configured but no ACME directory URL is set",
            ));
        }
        for dir in &self.cert_dirs {
            if !dir.is_absolute() {
                return Err(invalid(
                    "--cert-dirs / BOSUN_CERT_DIRS",
                    &format!("{} is not an absolute path", dir.display()),
                ));
            }
        }
        for name in &self.tls_names {
            if name.trim().is_empty() || name.contains(char::is_whitespace) {
                return Err(invalid(
                    "--tls-names / BOSUN_TLS_NAMES",
                    &format!("{name:?} is not a host name or IP"),
                ));
            }
        }
        Ok(())
    }

    pub fn https(&self) -> bool {
        self.tls != TlsMode::Off
    }
}

/// clap names the flag; users who set the variable need to see its name too.
fn name_the_variable(err: clap::Error) -> ConfigError {
    let Some(ContextValue::String(arg)) = err.get(ContextKind::InvalidArg) else {
        return ConfigError::Clap(err);
    };
    let flag = arg.split_whitespace().next().unwrap_or(arg).to_owned();
    let env = Config::command()
        .get_arguments()
        .find(|a| a.get_long().is_some_and(|l| format!("--{l}") == flag))
        .and_then(|a| a.get_env().map(|e| e.to_string_lossy().into_owned()));
    let reason = match (err.get(ContextKind::InvalidValue), err.source()) {
        (Some(ContextValue::String(v)), Some(src)) => format!("{v:?}: {src}"),
        (Some(ContextValue::String(v)), None) => format!("{v:?} is not accepted"),
        _ => err.kind().to_string(),
    };
    match env {
        Some(env) => ConfigError::Invalid {
            setting: format!("{flag} / {env}"),
            reason,
        },
        None => ConfigError::Clap(err),
    }
}

use std::error::Error as _;

#[cfg(test)]
mod tests {
    use super::*;

    fn load(args: &[&str], env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        // clap reads the environment itself; tests pass it through flags instead, so
        // only the unknown-variable check sees `env`.
        Config::load(std::iter::once("bosun").chain(args.iter().copied()), env)
    }

    #[test]
    fn defaults() {
        let c = load(&[], &[]).unwrap();
        assert_eq!(c.listen, "0.0.0.0:8443".parse().unwrap());
        assert_eq!(c.data_dir, PathBuf::from("./data"));
        assert_eq!(c.tls, TlsMode::Auto);
        assert_eq!(c.session_idle, Duration::from_secs(30 * 60));
        assert_eq!(c.session_absolute, Duration::from_secs(12 * 3600));
        assert!(c.https());
        assert_eq!(
            c.backup_keep_manual,
            KeepFor(Some(Duration::from_secs(30 * 86_400)))
        );
    }

    #[test]
    fn manual_backups_are_kept_a_day_or_more_or_for_ever() {
        let keep = |v: &str| load(&["--backup-keep-manual", v], &[]).map(|c| c.backup_keep_manual);
        assert_eq!(keep("forever").unwrap(), KeepFor(None));
        assert_eq!(
            keep("2weeks").unwrap(),
            KeepFor(Some(Duration::from_secs(14 * 86_400)))
        );
        let e = keep("5m").unwrap_err().to_string();
        assert!(
            e.contains("BOSUN_BACKUP_KEEP_MANUAL") || e.contains("at least a day"),
            "{e}"
        );
    }

    #[test]
    fn flags_parse_into_types() {
        let c = load(
            &[
                "--listen",
                "127.0.0.1:9000",
                "--session-idle",
                "10m",
                "--trusted-proxies",
                "10.0.0.0/8,192.168.1.5",
                "--public-url",
                "https://bosun.lan:8443",
            ],
            &[],
        )
        .unwrap();
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.session_idle, Duration::from_secs(600));
        assert_eq!(c.trusted_proxies.len(), 2);
        assert!(c.trusted_proxies[1].contains(&"192.168.1.5".parse::<IpAddr>().unwrap()));
        assert_eq!(c.public_url.unwrap().host_str(), Some("bosun.lan"));
    }

    #[test]
    fn unknown_variable_is_named() {
        let err = load(&[], &[("BOSUN_LISTN", "x")]).unwrap_err();
        assert!(err.to_string().contains("BOSUN_LISTN"), "{err}");
        // Other programs' variables are not ours to judge.
        assert!(load(&[], &[("PATH", "/bin"), ("LEPTOS_SITE_ROOT", "site")]).is_ok());
    }

    #[test]
    fn invalid_values_name_flag_and_variable() {
        let err = load(&["--listen", "nonsense"], &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--listen") && err.contains("BOSUN_LISTEN"),
            "{err}"
        );
        let err = load(&["--session-idle", "5s"], &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("BOSUN_SESSION_IDLE") && err.contains("at least 1 minute"),
            "{err}"
        );
        let err = load(&["--trusted-proxies", "not-an-ip"], &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("BOSUN_TRUSTED_PROXIES"), "{err}");
        let err = load(&["--public-url", "ftp://x"], &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("BOSUN_PUBLIC_URL"), "{err}");
        let err = load(&["--docker-host", "ssh://x"], &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("DOCKER_HOST"), "{err}");
        let err = load(&["--tls", "maybe"], &[]).unwrap_err().to_string();
        assert!(err.contains("BOSUN_TLS"), "{err}");
    }

    #[test]
    fn empty_values_mean_unset() {
        let c = load(&["--tls-names", "", "--admin-password", ""], &[]).unwrap();
        assert!(c.tls_names.is_empty());
        assert!(c.admin_password.is_none());
        let c = load(&["--tls-names", "bosun.lan,,10.0.0.1"], &[]).unwrap();
        assert_eq!(
            c.tls_names,
            vec!["bosun.lan".to_owned(), "10.0.0.1".to_owned()]
        );
    }

    #[test]
    fn cross_field_rules() {
        let err = load(&["--tls", "files"], &[]).unwrap_err().to_string();
        assert!(err.contains("BOSUN_TLS_CERT"), "{err}");
        let err = load(&["--session-idle", "13h"], &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("BOSUN_SESSION_ABSOLUTE"), "{err}");
    }

    #[test]
    fn certificate_settings() {
        let c = load(&[], &[]).unwrap();
        assert_eq!(
            c.cert_warn_days,
            WarnDays {
                warn: 30,
                critical: 7
            }
        );
        assert!((c.cert_renew_at - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(c.ca_cert_days, 90);
        let c = load(
            &[
                "--cert-dirs",
                "/srv/a,,/srv/b",
                "--cert-warn-days",
                "14,3",
                "--cert-renew-at",
                "50",
                "--acme-directory",
                "https://ca.lan/acme/directory",
                "--acme-http-listen",
                "0.0.0.0:80",
            ],
            &[],
        )
        .unwrap();
        assert_eq!(c.cert_dirs.len(), 2);
        assert_eq!(c.cert_warn_days.critical, 3);
        assert!((c.cert_renew_at - 0.5).abs() < 1e-12);
        for (given, share) in [("3/4", 0.75), ("66.7%", 0.667), (" 80 ", 0.8)] {
            let c = load(&["--cert-renew-at", given], &[]).unwrap();
            assert!((c.cert_renew_at - share).abs() < 1e-12, "{given}");
        }
        for (args, needle) in [
            (&["--cert-warn-days", "7,30"][..], "BOSUN_CERT_WARN_DAYS"),
            (&["--cert-warn-days", "x"][..], "BOSUN_CERT_WARN_DAYS"),
            (&["--cert-renew-at", "100%"][..], "BOSUN_CERT_RENEW_AT"),
            (&["--cert-renew-at", "2/0"][..], "BOSUN_CERT_RENEW_AT"),
            (&["--cert-renew-at", "1/20"][..], "BOSUN_CERT_RENEW_AT"),
            (
                &["--cert-renew-at", "two thirds"][..],
                "BOSUN_CERT_RENEW_AT",
            ),
            (
                &["--acme-directory", "http://ca.lan/dir"][..],
                "BOSUN_ACME_DIRECTORY",
            ),
            (&["--acme-email", "nobody"][..], "BOSUN_ACME_EMAIL"),
            (&["--cert-dirs", "relative/dir"][..], "BOSUN_CERT_DIRS"),
            (
                &["--acme-http-listen", "0.0.0.0:80"][..],
                "BOSUN_ACME_DIRECTORY",
            ),
            (&["--ca-cert-days", "0"][..], "BOSUN_CA_CERT_DAYS"),
        ] {
            let err = load(args, &[]).unwrap_err().to_string();
            assert!(err.contains(needle), "{args:?}: {err}");
        }
    }

    #[test]
    fn the_admin_password_never_shows_in_debug_output() {
        let c = load(&["--admin-password", "s3cret-value-xyz"], &[]).unwrap();
        assert_eq!(
            c.admin_password.as_ref().map(Secret::expose),
            Some("s3cret-value-xyz")
        );
        assert!(!format!("{c:?}").contains("s3cret-value-xyz"));
    }
}
