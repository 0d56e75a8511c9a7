//! Certificates: what the inventory shows, how a renewal is asked for and how it ended.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Where a certificate in the inventory lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CertKind {
    /// bosun's own HTTPS certificate.
    Own,
    /// A certificate file in a directory bosun watches (`BOSUN_CERT_DIRS`).
    File,
    /// What a stack service presents on one of its TLS ports.
    Served,
}

/// Where a (new) certificate comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum CertSource {
    /// Made and signed by bosun itself (its own HTTPS only).
    SelfSigned,
    /// Issued by bosun's internal CA (import its root once into browsers).
    InternalCa,
    /// Issued by the configured ACME CA (HTTP-01 answered by bosun, or DNS-01 by a hook).
    Acme,
    /// Uploaded by an admin: bosun cannot renew it by itself.
    Upload,
    /// The PEM files given with `--tls files`.
    Files,
    /// Not managed by bosun (yet): shown and warned about, renewed only when asked.
    External,
}

impl CertSource {
    pub const RENEWABLE: [CertSource; 3] = [
        CertSource::SelfSigned,
        CertSource::InternalCa,
        CertSource::Acme,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CertSource::SelfSigned => "self-signed",
            CertSource::InternalCa => "internal-ca",
            CertSource::Acme => "acme",
            CertSource::Upload => "upload",
            CertSource::Files => "files",
            CertSource::External => "external",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            CertSource::SelfSigned => "self-signed by bosun",
            CertSource::InternalCa => "bosun's internal CA",
            CertSource::Acme => "ACME",
            CertSource::Upload => "uploaded",
            CertSource::Files => "files given at start-up",
            CertSource::External => "not managed by bosun",
        }
    }

    /// bosun can get a new certificate from this source by itself.
    pub fn renews_by_itself(self) -> bool {
        Self::RENEWABLE.contains(&self)
    }
}

impl fmt::Display for CertSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CertSource {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [
            CertSource::SelfSigned,
            CertSource::InternalCa,
            CertSource::Acme,
            CertSource::Upload,
            CertSource::Files,
            CertSource::External,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
        .ok_or_else(|| {
            format!(
                "“{}” is not a certificate source: use self-signed, internal-ca or acme.",
                s.chars()
                    .filter(|c| !c.is_control())
                    .take(30)
                    .collect::<String>()
            )
        })
    }
}

/// How an ACME CA checks that bosun controls a name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Challenge {
    /// bosun answers on `BOSUN_ACME_HTTP_LISTEN` (port 80 for public CAs).
    #[serde(rename = "http-01")]
    Http01,
    /// A TXT record set by `BOSUN_ACME_DNS_HOOK`; works for LAN names and wildcards.
    #[serde(rename = "dns-01")]
    Dns01,
}

impl Challenge {
    pub fn as_str(self) -> &'static str {
        match self {
            Challenge::Http01 => "http-01",
            Challenge::Dns01 => "dns-01",
        }
    }
}

impl FromStr for Challenge {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "http-01" => Ok(Challenge::Http01),
            "dns-01" => Ok(Challenge::Dns01),
            _ => Err("Choose the ACME challenge http-01 or dns-01.".into()),
        }
    }
}

/// How soon something must be done, worst first (the page sorts by it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// Expired, not yet valid, or unreadable.
    Expired,
    /// Inside the critical window (default 7 days).
    Critical,
    /// Inside the warning window (default 30 days), or the last renewal failed.
    Warning,
    Ok,
}

impl Urgency {
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Expired => "expired",
            Urgency::Critical => "critical",
            Urgency::Warning => "warning",
            Urgency::Ok => "ok",
        }
    }
}

/// Does the chain lead to a root bosun trusts (system roots, its internal CA, `BOSUN_CERT_TRUST`)?
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChainCheck {
    pub valid: bool,
    pub message: String,
}

/// The private key that goes with a certificate file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct KeyCheck {
    /// The key's file (never its contents), when one was found.
    pub file: Option<String>,
    /// True when the key belongs to the certificate.
    pub matches: bool,
    pub message: String,
}

/// What one reload of a dependent service did after a new certificate was written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReloadResult {
    /// `project/service #n (container)`.
    pub container: String,
    /// `exec:nginx -s reload`, `signal:HUP` or `restart`.
    pub how: String,
    pub ok: bool,
    /// What the command printed, or the engine's message (at most 2 KB).
    pub output: String,
    /// After the reload bosun connected to the service's TLS ports: does it serve the new
    /// certificate? `None` when it has no TLS port bosun could reach.
    pub serving_new: Option<bool>,
}

/// bosun looks after this certificate: where new ones come from, and how renewals went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ManagedDto {
    pub source: CertSource,
    pub challenge: Option<Challenge>,
    /// The names requested at the next renewal.
    pub names: Vec<String>,
    /// When bosun renews it by itself (RFC 3339), if it can.
    pub renew_after: Option<String>,
    pub last_renewed: Option<String>,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
    /// Failed attempts since the last success (retried with back-off).
    pub failures: u32,
    pub next_attempt: Option<String>,
    /// The services reloaded after the last renewal, and how that went.
    pub reloads: Vec<ReloadResult>,
    /// Services given with a renewal to reload after each one, besides those found by label.
    pub reload_with: Vec<ReloadTarget>,
}

/// One certificate that matters, as the page and `GET /api/v1/certificates` show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CertDto {
    /// `bosun`, `file-…` or `svc-…`: stable across restarts.
    pub id: String,
    pub kind: CertKind,
    /// Where it is: "bosun's own HTTPS", a file path, or `project/service #n :port`.
    pub title: String,
    pub subject: String,
    pub sans: Vec<String>,
    pub issuer: String,
    /// Hex, colon-separated.
    pub serial: String,
    /// e.g. "ECDSA P-256", "RSA 2048".
    pub key_type: String,
    pub not_before: String,
    pub not_after: String,
    /// Whole days until it expires (negative once expired).
    pub days_left: i64,
    /// How much of its lifetime has passed, 0 to 1 (more once expired).
    pub lifetime_used: f64,
    pub urgency: Urgency,
    pub chain: ChainCheck,
    /// For files and bosun's own certificate.
    pub key: Option<KeyCheck>,
    pub managed: Option<ManagedDto>,
    /// Services presenting this very certificate (same serial), for files and bosun's own;
    /// the file it is served from, for services.
    pub related: Vec<String>,
    /// The sources "Renew now" can use for it (empty: bosun cannot renew it).
    pub renew_sources: Vec<CertSource>,
    /// Why a file or a service port could not be read; the other fields are then empty.
    pub problem: Option<String>,
}

/// A renewal that is running now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CertJobDto {
    pub cert_id: String,
    pub actor: String,
    /// The step it is at, e.g. "waiting for the ACME CA to validate portal.lan".
    pub step: String,
    /// Steps done so far, oldest first.
    pub done: Vec<String>,
    pub elapsed_ms: u64,
}

/// bosun's internal CA, whose root can be imported into browsers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CaDto {
    pub subject: String,
    pub not_after: String,
    /// SHA-256 of the root certificate, hex, colon-separated: compare it when importing.
    pub fingerprint: String,
}

/// The ACME settings bosun started with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AcmeDto {
    pub directory: Option<String>,
    /// The challenges bosun can answer with its configuration.
    pub challenges: Vec<Challenge>,
}

/// The Certificates page: every certificate, running renewals, the CA and the settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CertificatesView {
    /// Sorted by urgency, then days left.
    pub certs: Vec<CertDto>,
    pub jobs: Vec<CertJobDto>,
    pub ca: Option<CaDto>,
    pub acme: AcmeDto,
    pub warn_days: u32,
    pub critical_days: u32,
    /// Renewal starts once this share of the lifetime has passed.
    pub renew_at_percent: f64,
    /// The directories bosun watches for certificate files.
    pub dirs: Vec<String>,
    /// Entries in those directories named like the files bosun keeps beside certificates that
    /// bosun did not leave there (a planted link, a stray temporary file), with what to do.
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// A command that makes a service load its new certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub enum ReloadAction {
    /// `exec:<command>`: run it in each container (split on spaces, no shell).
    Exec(Vec<String>),
    /// `signal:<NAME>`, e.g. `signal:HUP`.
    Signal(String),
    /// `restart`: restart each container.
    Restart,
}

impl fmt::Display for ReloadAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReloadAction::Exec(argv) => write!(f, "exec:{}", argv.join(" ")),
            ReloadAction::Signal(s) => write!(f, "signal:{s}"),
            ReloadAction::Restart => f.write_str("restart"),
        }
    }
}

impl FromStr for ReloadAction {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let bad = || {
            format!(
                "“{}” is not a reload action: use exec:<command> (e.g. exec:nginx -s reload), signal:<NAME> (e.g. signal:HUP) or restart.",
                s.chars()
                    .filter(|c| !c.is_control())
                    .take(60)
                    .collect::<String>()
            )
        };
        if s == "restart" {
            return Ok(ReloadAction::Restart);
        }
        if let Some(cmd) = s.strip_prefix("exec:") {
            let argv: Vec<String> = cmd.split_whitespace().map(str::to_owned).collect();
            if argv.is_empty() || cmd.len() > 512 || cmd.chars().any(char::is_control) {
                return Err(bad());
            }
            return Ok(ReloadAction::Exec(argv));
        }
        if let Some(sig) = s.strip_prefix("signal:") {
            // Upper case first, so `sighup` and `SIGHUP` both name HUP, and what is shown
            // (`signal:HUP`) reads back as the same signal.
            let sig = sig.trim().to_ascii_uppercase();
            let sig = sig.trim_start_matches("SIG").to_owned();
            let ok =
                !sig.is_empty() && sig.len() <= 8 && sig.chars().all(|c| c.is_ascii_alphanumeric());
            return if ok {
                Ok(ReloadAction::Signal(sig))
            } else {
                Err(bad())
            };
        }
        Err(bad())
    }
}

impl TryFrom<String> for ReloadAction {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<ReloadAction> for String {
    fn from(a: ReloadAction) -> String {
        a.to_string()
    }
}

/// A service to reload after a renewal, given with the renewal (besides those bosun finds:
/// services labelled `bosun.cert.reload` that mount the certificate's directory).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReloadTarget {
    pub project: String,
    pub service: String,
    pub action: ReloadAction,
}

impl fmt::Display for ReloadTarget {
    /// One line of the page's reload list: `project/service action`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{} {}", self.project, self.service, self.action)
    }
}

impl FromStr for ReloadTarget {
    type Err = String;
    /// `project/service action`, e.g. `shop/proxy exec:nginx -s reload` or `shop/app restart`.
    fn from_str(line: &str) -> Result<Self, String> {
        let line = line.trim();
        let shown: String = line.chars().filter(|c| !c.is_control()).take(60).collect();
        let (who, action) = line.split_once(char::is_whitespace).ok_or_else(|| {
            format!("“{shown}”: write project/service and then what to do, e.g. shop/proxy exec:nginx -s reload")
        })?;
        let name_ok = |n: &str| {
            !n.is_empty()
                && n.len() <= 128
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        match who.split_once('/') {
            Some((project, service)) if name_ok(project) && name_ok(service) => Ok(ReloadTarget {
                project: project.to_owned(),
                service: service.to_owned(),
                action: action.parse()?,
            }),
            _ => Err(format!(
                "“{shown}”: start with the compose project and service, e.g. shop/proxy"
            )),
        }
    }
}

/// `POST /api/v1/certificates/{id}/renew`. Every field is optional: without them the
/// certificate renews as before (same names, same source).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RenewRequest {
    pub source: Option<CertSource>,
    pub challenge: Option<Challenge>,
    /// DNS names or IP addresses to certify (at most 100).
    pub names: Option<Vec<String>>,
    /// Services to reload afterwards; replaces the list given before.
    pub reload: Option<Vec<ReloadTarget>>,
}

/// `POST /api/v1/certificates`: a certificate chain and its key, in PEM, for a certificate
/// that is in the inventory (`bosun` or a file).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UploadRequest {
    pub target: String,
    pub cert_pem: String,
    pub key_pem: String,
}

/// How a renewal or an upload ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RenewReport {
    pub id: String,
    pub source: CertSource,
    pub serial: String,
    pub not_after: String,
    pub names: Vec<String>,
    pub reloads: Vec<ReloadResult>,
    pub took_ms: u64,
}

/// A certificate id from a path: `bosun`, `file-` or `svc-` and 16 hex digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CertId(String);

impl CertId {
    pub const OWN: &'static str = "bosun";

    pub fn own() -> Self {
        CertId(Self::OWN.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn kind(&self) -> CertKind {
        if self.0 == Self::OWN {
            CertKind::Own
        } else if self.0.starts_with("file-") {
            CertKind::File
        } else {
            CertKind::Served
        }
    }

    /// Makes the id of a file or a service port from its stable description.
    pub fn from_parts(kind: CertKind, digest_hex: &str) -> Self {
        let prefix = match kind {
            CertKind::Own => return Self::own(),
            CertKind::File => "file-",
            CertKind::Served => "svc-",
        };
        CertId(format!(
            "{prefix}{}",
            digest_hex.chars().take(16).collect::<String>()
        ))
    }
}

impl fmt::Display for CertId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for CertId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == Self::OWN {
            return Ok(Self::own());
        }
        let hex = s.strip_prefix("file-").or_else(|| s.strip_prefix("svc-"));
        match hex {
            Some(h) if h.len() == 16 && h.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')) => {
                Ok(CertId(s.to_owned()))
            }
            _ => Err(format!(
                "“{}” is not a certificate id: ids are “bosun”, or “file-” or “svc-” followed by 16 hex digits, as GET /api/v1/certificates lists them.",
                s.chars()
                    .filter(|c| !c.is_control())
                    .take(40)
                    .collect::<String>()
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_strictly() {
        assert_eq!("bosun".parse::<CertId>().unwrap().kind(), CertKind::Own);
        let f: CertId = "file-0123456789abcdef".parse().unwrap();
        assert_eq!(f.kind(), CertKind::File);
        assert_eq!(
            "svc-0123456789abcdef".parse::<CertId>().unwrap().kind(),
            CertKind::Served
        );
        for bad in [
            "",
            "file-",
            "file-0123456789ABCDEF",
            "file-0123456789abcde",
            "x-0123456789abcdef",
            "../etc",
        ] {
            assert!(bad.parse::<CertId>().is_err(), "{bad}");
        }
        assert_eq!(
            CertId::from_parts(CertKind::File, "0123456789abcdef0000").as_str(),
            "file-0123456789abcdef"
        );
    }

    #[test]
    fn reload_lines_round_trip_and_say_what_is_wrong() {
        let t: ReloadTarget = "  shop/proxy   exec:nginx -s reload ".parse().unwrap();
        assert_eq!(t.project, "shop");
        assert_eq!(t.service, "proxy");
        assert_eq!(t.to_string(), "shop/proxy exec:nginx -s reload");
        assert_eq!(t.to_string().parse::<ReloadTarget>().unwrap(), t);
        assert_eq!(
            "a_b/c-d.1 restart".parse::<ReloadTarget>().unwrap().action,
            ReloadAction::Restart
        );
        for (bad, needle) in [
            ("shop/proxy", "then what to do"),
            ("proxy restart", "project and service"),
            ("shop/ restart", "project and service"),
            ("../x/y restart", "project and service"),
            ("shop/proxy reboot", "not a reload action"),
        ] {
            let e = bad.parse::<ReloadTarget>().unwrap_err();
            assert!(e.contains(needle), "{bad}: {e}");
        }
    }

    #[test]
    fn reload_actions_round_trip_and_refuse_junk() {
        let a: ReloadAction = "exec:nginx -s reload".parse().unwrap();
        assert_eq!(
            a,
            ReloadAction::Exec(vec!["nginx".into(), "-s".into(), "reload".into()])
        );
        assert_eq!(a.to_string(), "exec:nginx -s reload");
        assert_eq!(
            "signal:SIGHUP".parse::<ReloadAction>().unwrap(),
            ReloadAction::Signal("HUP".into())
        );
        assert_eq!(
            "signal: sighup".parse::<ReloadAction>().unwrap(),
            ReloadAction::Signal("HUP".into())
        );
        assert_eq!(
            "restart".parse::<ReloadAction>().unwrap(),
            ReloadAction::Restart
        );
        // Found by the labels fuzz target: a lower-case `sig` was kept as the name SIG,
        // shown as `signal:SIG`, which did not read back.
        for odd in ["signal:sigSIGusr1", "exec:nginx   -s  reload"] {
            let a = odd.parse::<ReloadAction>().unwrap();
            assert_eq!(a.to_string().parse::<ReloadAction>(), Ok(a), "{odd:?}");
        }
        for bad in [
            "",
            "exec:",
            "exec:   ",
            "signal:",
            "signal: sig",
            "signal:H U P",
            "reboot",
            "exec:a\nb",
        ] {
            assert!(bad.parse::<ReloadAction>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn challenges_are_named_as_in_acme() {
        assert_eq!(
            serde_json::to_string(&Challenge::Http01).unwrap(),
            "\"http-01\""
        );
        assert_eq!(
            serde_json::from_str::<Challenge>("\"dns-01\"").unwrap(),
            Challenge::Dns01
        );
        assert_eq!("http-01".parse::<Challenge>(), Ok(Challenge::Http01));
    }

    #[test]
    fn urgency_sorts_worst_first() {
        let mut v = vec![
            Urgency::Ok,
            Urgency::Critical,
            Urgency::Expired,
            Urgency::Warning,
        ];
        v.sort();
        assert_eq!(
            v,
            vec![
                Urgency::Expired,
                Urgency::Critical,
                Urgency::Warning,
                Urgency::Ok
            ]
        );
    }

    #[test]
    fn sources_parse_and_say_what_to_use() {
        assert_eq!("acme".parse::<CertSource>().unwrap(), CertSource::Acme);
        assert!(
            "letsencrypt"
                .parse::<CertSource>()
                .unwrap_err()
                .contains("internal-ca")
        );
        assert!(CertSource::InternalCa.renews_by_itself());
        assert!(!CertSource::Upload.renews_by_itself());
    }
}
