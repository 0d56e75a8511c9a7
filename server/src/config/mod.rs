//! Start-up configuration: flags and `BOSUN_*` variables (a flag wins over its variable).
//! Anything unknown or invalid stops start-up with a message naming the variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{CommandFactory, Parser};
use ipnet::IpNet;
use url::Url;

mod encryption;
mod error;
mod metrics;
mod offsite;
mod oidc;
mod stats_history;
mod terminal;
mod values;

pub use encryption::EncryptionConfig;
pub use error::ConfigError;
use error::name_the_variable;
pub use metrics::MetricsConfig;
pub use offsite::OffsiteConfig;
pub use oidc::{ClaimPath, GroupMatch, OidcConfig, RoleMap, Scopes};
pub use stats_history::StatsHistoryConfig;
pub use terminal::TerminalConfig;

pub use values::{AllowedName, AllowedNames, KeepFor, Secret, TlsMode, UpdateCheck, WarnDays};
use values::{
    parse_acme_directory, parse_allowed_names, parse_docker_host, parse_duration, parse_email,
    parse_host, parse_keep, parse_path, parse_proxy, parse_public_url, parse_share,
    parse_short_duration, parse_update_check, parse_warn_days,
};

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

    /// The always-on CPU and memory history of every running container: `INTERVAL/RETENTION`
    /// (`1m/24h`, `2s/10m`; at least 1s, at most 10080 samples per container) or `off`.
    #[arg(long, env = "BOSUN_STATS_HISTORY", default_value = "1m/24h", value_parser = stats_history::parse_stats_history, value_name = "INTERVAL/RETENTION|off")]
    pub stats_history: StatsHistoryConfig,

    /// The most replicas a compose service may be scaled to from bosun.
    #[arg(long, env = "BOSUN_MAX_REPLICAS", default_value_t = bosun_frontend::model::scale::DEFAULT_MAX_REPLICAS, value_parser = clap::value_parser!(u32).range(1..=1000), value_name = "N")]
    pub max_replicas: u32,

    /// The host bosun checks monitor links on (`{host}` in `bosun.link.url`), never a request's
    /// Host header. Default: BOSUN_PUBLIC_URL's host, else 127.0.0.1 (in a container, the host as
    /// it reaches it: docker-compose.yaml sets `host.docker.internal`).
    #[arg(long, env = "BOSUN_LINK_CHECK_HOST", value_parser = parse_host, value_name = "HOST")]
    pub link_check_host: Option<String>,

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

    /// A dump still running after this long is stopped inside the container and fails; a
    /// restore (and the safety backup before it) gets the same limit, each on its own.
    #[arg(long, env = "BOSUN_BACKUP_TIMEOUT", default_value = "6h", value_parser = parse_duration, value_name = "DURATION")]
    pub backup_timeout: Duration,

    /// Which good backups are proven by restoring them into a throwaway server: `auto`
    /// (every one under 2 GB, else the newest once a week), `always`, `newest-weekly`, `off`.
    /// A database's label `bosun.backup.verify` overrides it.
    #[arg(long, env = "BOSUN_BACKUP_VERIFY", default_value = "auto", value_parser = parse_verify, value_name = "POLICY")]
    pub backup_verify: bosun_frontend::model::backup_verify::VerifyPolicy,

    /// How long manual backups and the safety backups taken before a restore are kept
    /// (retention prunes only scheduled ones); `forever` keeps them until an admin deletes them.
    #[arg(long, env = "BOSUN_BACKUP_KEEP_MANUAL", default_value = "30days", value_parser = parse_keep, value_name = "DURATION")]
    pub backup_keep_manual: KeepFor,

    /// How often every service's registry is asked whether its image has a newer build
    /// (`6h`, `30m`), or `off`. The check also runs on demand.
    #[arg(long, env = "BOSUN_UPDATE_CHECK", default_value = "6h", value_parser = parse_update_check, value_name = "DURATION|off")]
    pub update_check: UpdateCheck,

    /// A Docker `config.json` with registry logins (mount it read-only), for checking and
    /// pulling private images. Its secrets are never shown or logged.
    #[arg(long, env = "BOSUN_DOCKER_CONFIG", value_parser = parse_path, value_name = "FILE")]
    pub docker_config: Option<PathBuf>,

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

    /// Names the internal CA issues without an admin confirming them (comma-separated): DNS
    /// suffixes (`.lan`), names (`nas.home`) and IP ranges (`10.0.0.0/8`). Default: the names
    /// it has issued before. Set when the CA is first made, it also limits the CA to them.
    #[arg(long, env = "BOSUN_CA_ALLOWED_NAMES", value_parser = parse_allowed_names, value_name = "NAMES")]
    pub ca_allowed_names: Option<AllowedNames>,

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

    #[command(flatten)]
    pub terminal: TerminalConfig,

    #[command(flatten)]
    pub offsite: OffsiteConfig,

    #[command(flatten)]
    pub encryption: EncryptionConfig,

    #[command(flatten)]
    pub metrics: MetricsConfig,

    #[command(flatten)]
    pub oidc: OidcConfig,

    /// Passwordless sign-in with a passkey from the sign-in page. Off: passkeys are a second
    /// factor after the password or the identity provider.
    #[arg(long = "passkey-login", env = "BOSUN_PASSKEY_LOGIN", default_value = "off", action = clap::ArgAction::Set, value_parser = terminal::parse_on_off, value_name = "on|off")]
    pub passkey_login: bool,

    /// Log filter, e.g. `info` or `bosun_server=debug,info`.
    #[arg(long, env = "BOSUN_LOG", default_value = "info", value_name = "FILTER")]
    pub log: String,
}

fn parse_verify(s: &str) -> Result<bosun_frontend::model::backup_verify::VerifyPolicy, String> {
    s.parse()
}

impl Config {
    /// The host links are checked on (see `link_check_host`).
    pub fn link_check_host(&self) -> String {
        if let Some(h) = &self.link_check_host {
            return h.clone();
        }
        if let Some(h) = self.public_url.as_ref().and_then(|u| u.host_str()) {
            return h.to_owned();
        }
        "127.0.0.1".to_owned()
    }

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
        if config
            .ca_allowed_names
            .as_ref()
            .is_some_and(|a| a.0.is_empty())
        {
            config.ca_allowed_names = None;
        }
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
        config.oidc.drop_empty();
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
        self.oidc
            .validate(!self.trusted_proxies.is_empty())
            .map_err(|(setting, reason)| invalid(setting, &reason))
    }

    pub fn https(&self) -> bool {
        self.tls != TlsMode::Off
    }
}

#[cfg(test)]
mod tests;
