//! Where new certificates come from: bosun's sources, and how an ACME CA checks a name.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

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

#[cfg(test)]
mod tests {
    use super::*;

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
