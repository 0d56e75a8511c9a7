//! Passkeys (WebAuthn): what the Account page lists, the name a user gives one, and the
//! answers of the sign-in ceremony.

use serde::{Deserialize, Serialize};

/// One of the signed-in user's passkeys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PasskeyDto {
    pub id: i64,
    pub name: String,
    /// The host name it works at (its relying party id): browsers offer it only there.
    pub host: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub last_used_at: Option<String>,
}

/// The name a user gives a passkey ("Laptop", "YubiKey 5"): 1 to 64 characters, no control
/// characters, trimmed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PasskeyName(String);

impl PasskeyName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PasskeyName {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        let name = value.trim();
        if name.is_empty() {
            return Err("Give the passkey a name, e.g. the device it is on.".into());
        }
        if name.chars().count() > 64 {
            return Err("A passkey's name has at most 64 characters.".into());
        }
        if name.chars().any(char::is_control) {
            return Err("A passkey's name cannot hold control characters.".into());
        }
        Ok(PasskeyName(name.to_owned()))
    }
}

impl From<PasskeyName> for String {
    fn from(name: PasskeyName) -> String {
        name.0
    }
}

/// A passkey sign-in that went through: where to go next (the page the user wanted, or
/// the Account page for a duty).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeySignedIn {
    pub next: String,
}

/// Whether a browser can use passkeys at `host` (the page's host name): browsers refuse
/// WebAuthn at a bare IP address, so bosun must be opened at a name there.
pub fn host_allows_passkeys(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    !host.is_empty() && bare.parse::<std::net::IpAddr>().is_err()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_bounded_and_printable() {
        let ok = PasskeyName::try_from("  Laptop ".to_owned()).unwrap();
        assert_eq!(ok.as_str(), "Laptop");
        assert!(PasskeyName::try_from("   ".to_owned()).is_err());
        assert!(PasskeyName::try_from("x".repeat(65)).is_err());
        assert!(PasskeyName::try_from("é".repeat(64)).is_ok());
        assert!(PasskeyName::try_from("a\u{7}b".to_owned()).is_err());
        let parsed: Result<PasskeyName, _> = serde_json::from_str("\"\\n\"");
        assert!(parsed.is_err());
    }

    #[test]
    fn bare_ip_addresses_cannot_hold_passkeys() {
        assert!(host_allows_passkeys("bosun.lan"));
        assert!(host_allows_passkeys("localhost"));
        assert!(!host_allows_passkeys("192.168.1.20"));
        assert!(!host_allows_passkeys("[::1]"));
        assert!(!host_allows_passkeys("::1"));
        assert!(!host_allows_passkeys(""));
    }
}
