//! Certificate ids: `bosun`, or `file-`/`svc-` and 16 hex digits, stable across restarts.

use std::fmt;
use std::str::FromStr;

use super::cert::CertKind;

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
}
