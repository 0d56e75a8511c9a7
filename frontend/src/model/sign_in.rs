//! How people sign in: with a password, with the team's identity provider, or both.

use serde::{Deserialize, Serialize};

/// Who may sign in with a password (`BOSUN_PASSWORD_LOGIN`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum PasswordLogin {
    /// Everyone with a local account.
    #[default]
    On,
    /// Local admins only: the break-glass for when the identity provider is down.
    Admins,
    /// Nobody: everyone signs in through the identity provider.
    Off,
}

impl std::str::FromStr for PasswordLogin {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "on" => Ok(PasswordLogin::On),
            "admins" => Ok(PasswordLogin::Admins),
            "off" => Ok(PasswordLogin::Off),
            other => Err(format!("{other:?} is not one of on, admins, off")),
        }
    }
}

/// What the sign-in page offers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInOptions {
    /// The identity provider's button label, when one is configured.
    pub provider: Option<String>,
    pub password: PasswordLogin,
    /// Passwordless sign-in with a passkey (`BOSUN_PASSKEY_LOGIN=on`).
    #[serde(default)]
    pub passkey: bool,
}

/// The sign-in's answer when the password was right and the authenticator app's code comes
/// next (with `field: "code"`).
pub const CODE_NEEDED: &str =
    "Enter the 6-digit code from your authenticator app, or one of your recovery codes.";
/// The same for a user whose second factor is a passkey only (with `field: "passkey"`).
pub const PASSKEY_NEEDED: &str = "Confirm with your passkey: press “Use a passkey”.";

/// Whether `e` is a sign-in asking for the second factor next: a step, not a failure.
pub fn asks_second_factor(e: &crate::error::AppError) -> bool {
    e.message == CODE_NEEDED || e.message == PASSKEY_NEEDED
}

/// What the second step of a sign-in can take for the user waiting in this session: the code
/// from their authenticator app, their passkey, or both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondFactorOptions {
    pub code: bool,
    pub passkey: bool,
}

/// Why a sign-in through the identity provider did not end signed in. The sign-in page shows
/// a fixed text for each (`/login?refused=<code>`): nothing from the request is echoed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProviderRefusal {
    /// The user's groups map to no role.
    NoRole,
    /// No bosun account is linked to this identity and accounts are not created.
    NoAccount,
    /// The linked bosun account is disabled.
    Disabled,
    /// The provider said no, or the user cancelled.
    Cancelled,
    /// The answer could not be checked (state, token, signature): start again.
    Failed,
    /// The provider could not be reached.
    Unreachable,
    /// The role needs a second factor, and neither the provider nor bosun had one.
    SecondFactor,
}

impl ProviderRefusal {
    pub const ALL: [ProviderRefusal; 7] = [
        ProviderRefusal::NoRole,
        ProviderRefusal::NoAccount,
        ProviderRefusal::Disabled,
        ProviderRefusal::Cancelled,
        ProviderRefusal::Failed,
        ProviderRefusal::Unreachable,
        ProviderRefusal::SecondFactor,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ProviderRefusal::NoRole => "no-role",
            ProviderRefusal::NoAccount => "no-account",
            ProviderRefusal::Disabled => "disabled",
            ProviderRefusal::Cancelled => "cancelled",
            ProviderRefusal::Failed => "failed",
            ProviderRefusal::Unreachable => "unreachable",
            ProviderRefusal::SecondFactor => "second-factor",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// What the sign-in page says, with what to do next.
    pub fn message(self) -> &'static str {
        match self {
            ProviderRefusal::NoRole => {
                "You signed in with the identity provider, but none of your groups gives a role in bosun. Ask an admin to add you to one of the groups bosun maps to a role, then sign in again."
            }
            ProviderRefusal::NoAccount => {
                "You signed in with the identity provider, but no bosun account is linked to you and bosun does not create accounts. Ask an admin to create yours."
            }
            ProviderRefusal::Disabled => {
                "Your bosun account is disabled. Ask an admin to enable it."
            }
            ProviderRefusal::Cancelled => {
                "The identity provider did not sign you in. Try again, or ask your provider's admin if it keeps refusing."
            }
            ProviderRefusal::Failed => {
                "The answer from the identity provider could not be checked, so you were not signed in. Start again with the button below; if it happens again, an admin can find the reason in the audit log."
            }
            ProviderRefusal::Unreachable => {
                "bosun could not reach the identity provider. Try again in a moment; local admins can still sign in with a password."
            }
            ProviderRefusal::SecondFactor => {
                "Your role needs two-factor sign-in, and the identity provider did not report one. Sign in at the provider with a second factor, or set up an authenticator in bosun first."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_codes_round_trip_and_unknown_codes_are_nothing() {
        for r in ProviderRefusal::ALL {
            assert_eq!(ProviderRefusal::from_code(r.code()), Some(r));
        }
        assert_eq!(ProviderRefusal::from_code("<script>"), None);
    }

    #[test]
    fn password_login_parses_its_three_modes_only() {
        assert_eq!("Admins".parse(), Ok(PasswordLogin::Admins));
        assert_eq!("off".parse(), Ok(PasswordLogin::Off));
        assert!("sometimes".parse::<PasswordLogin>().is_err());
    }
}
