//! Two-factor sign-in (TOTP, RFC 6238) and the settings admins keep for it.

use serde::{Deserialize, Serialize};

use super::role::Role;

/// The start of enrolment: scan the QR code (or type the secret), then confirm with a code.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TotpSetup {
    /// Base32, for typing into an app that cannot scan.
    pub secret: String,
    /// `otpauth://totp/bosun:NAME?secret=…&issuer=bosun`
    pub otpauth_url: String,
    /// The same URL as a QR code: an SVG made by bosun.
    pub qr_svg: String,
}

impl std::fmt::Debug for TotpSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSetup(<redacted>)")
    }
}

/// A code from the authenticator app.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TotpCode {
    pub code: String,
}

/// Turning two-factor sign-in off takes the password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TotpDisable {
    pub password: String,
}

/// Single-use codes for when the phone is lost: shown once, stored hashed.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RecoveryCodes {
    pub codes: Vec<String>,
}

impl std::fmt::Debug for RecoveryCodes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RecoveryCodes({} codes)", self.codes.len())
    }
}

/// The security settings admins keep (`GET`/`PUT /api/v1/settings/security`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SecuritySettings {
    /// Users with these roles must set up two-factor sign-in before they can do anything else.
    pub totp_required: Vec<Role>,
}

/// `123 456`, `123456` → `123456`; recovery codes keep their letters, lower-cased, without dashes.
pub fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .take(64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_normalised() {
        assert_eq!(normalise_code(" 123 456 "), "123456");
        assert_eq!(normalise_code("ABCD-EFGH-23"), "abcdefgh23");
        assert_eq!(normalise_code(&"9".repeat(500)).len(), 64);
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let s = TotpSetup {
            secret: "JBSWY3DPEHPK3PXP".into(),
            otpauth_url: "otpauth://x".into(),
            qr_svg: String::new(),
        };
        assert!(!format!("{s:?}").contains("JBSW"));
        let r = RecoveryCodes {
            codes: vec!["abcd-efgh-23".into()],
        };
        assert!(!format!("{r:?}").contains("abcd"));
    }
}
