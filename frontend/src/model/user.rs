//! Users: names, the password rules, sign-in, and users as the Users page shows them.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::role::Role;

/// A validated user name: 1–64 characters of `a-z 0-9 . _ -`, starting with a letter or digit.
/// Stored and compared lower-case.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "ssr", schema(value_type = String, example = "alice"))]
pub struct Username(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsernameError {
    #[error("the user name is empty")]
    Empty,
    #[error("the user name is longer than 64 characters")]
    TooLong,
    #[error(
        "the user name may only contain letters, digits, '.', '_' and '-', and must start with a letter or digit"
    )]
    BadCharacters,
}

impl Username {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Username {
    type Error = UsernameError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        let v = value.trim().to_ascii_lowercase();
        if v.is_empty() {
            return Err(UsernameError::Empty);
        }
        if v.chars().count() > 64 {
            return Err(UsernameError::TooLong);
        }
        let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c);
        let starts_ok = v
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        if !starts_ok || !v.chars().all(ok_char) {
            return Err(UsernameError::BadCharacters);
        }
        Ok(Username(v))
    }
}

impl TryFrom<&str> for Username {
    type Error = UsernameError;
    fn try_from(value: &str) -> Result<Self, Self::Error> {
        Username::try_from(value.to_owned())
    }
}

impl From<Username> for String {
    fn from(u: Username) -> String {
        u.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub const MIN_PASSWORD_LEN: usize = 12;
pub const MAX_PASSWORD_LEN: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordPolicyError {
    #[error("the password must have at least {MIN_PASSWORD_LEN} characters")]
    TooShort,
    #[error("the password must have at most {MAX_PASSWORD_LEN} characters")]
    TooLong,
    #[error("the password must not contain the user name")]
    ContainsUsername,
}

/// The password rules, checked in the browser for a quick hint and on the server for real.
pub fn check_password(username: &str, password: &str) -> Result<(), PasswordPolicyError> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Err(PasswordPolicyError::TooShort);
    }
    if len > MAX_PASSWORD_LEN {
        return Err(PasswordPolicyError::TooLong);
    }
    let user = username.trim().to_lowercase();
    if !user.is_empty() && password.to_lowercase().contains(&user) {
        return Err(PasswordPolicyError::ContainsUsername);
    }
    Ok(())
}

/// The signed-in user, as the UI needs it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub role: Role,
    /// The password was generated or reset by an admin: it must be changed before anything else.
    pub must_change_password: bool,
    /// Two-factor sign-in (TOTP) is on for this user.
    #[serde(default)]
    pub totp_enabled: bool,
    /// The user's role requires two-factor sign-in and it is not set up yet: only Account works.
    #[serde(default)]
    pub must_enrol_totp: bool,
    /// How many passkeys the user has registered.
    #[serde(default)]
    pub passkeys: u32,
}

#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Credentials {
    pub username: String,
    pub password: String,
    /// The 6-digit code from the authenticator app, or a recovery code, when two-factor
    /// sign-in is on. Without it such a user gets 401 with `field: "code"`.
    #[serde(default)]
    pub code: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("code", &self.code.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
}

impl fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordChange { <redacted> }")
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserDto {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub disabled: bool,
    pub must_change_password: bool,
    #[serde(default)]
    pub totp_enabled: bool,
    /// How many passkeys the user has registered.
    #[serde(default)]
    pub passkeys: u32,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub last_login_at: Option<String>,
    /// Set for an account of the identity provider: its role comes from these groups, at
    /// every sign-in, and cannot be changed in bosun.
    #[serde(default)]
    pub provider_groups: Option<Vec<String>>,
}

#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewUser {
    pub username: Username,
    pub password: String,
    pub role: Role,
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// A partial update of a user by an admin. Absent fields stay as they are.
#[derive(Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    /// A new password; the user must change it at the next login.
    pub password: Option<String>,
}

impl fmt::Debug for UserPatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserPatch")
            .field("role", &self.role)
            .field("disabled", &self.disabled)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_normalised_and_validated() {
        assert_eq!(
            Username::try_from(" Alice ").map(String::from),
            Ok("alice".into())
        );
        assert_eq!(
            Username::try_from("ops.team-1_a").map(String::from),
            Ok("ops.team-1_a".into())
        );
        assert_eq!(Username::try_from(""), Err(UsernameError::Empty));
        assert_eq!(Username::try_from("-x"), Err(UsernameError::BadCharacters));
        assert_eq!(Username::try_from("a/b"), Err(UsernameError::BadCharacters));
        assert_eq!(Username::try_from("a b"), Err(UsernameError::BadCharacters));
        assert_eq!(
            Username::try_from("x".repeat(65)),
            Err(UsernameError::TooLong)
        );
    }

    #[test]
    fn username_rejects_bad_json() {
        let err = serde_json::from_str::<Username>("\"../etc\"");
        assert!(err.is_err());
    }

    #[test]
    fn password_policy() {
        assert_eq!(
            check_password("bob", "short"),
            Err(PasswordPolicyError::TooShort)
        );
        assert_eq!(
            check_password("bob", "my-BOB-password-123"),
            Err(PasswordPolicyError::ContainsUsername)
        );
        assert_eq!(
            check_password("bob", &"x".repeat(1025)),
            Err(PasswordPolicyError::TooLong)
        );
        assert_eq!(check_password("bob", "correct horse battery"), Ok(()));
        // Counted in characters, not bytes.
        assert_eq!(
            check_password("bob", "ééééééééééé"),
            Err(PasswordPolicyError::TooShort)
        );
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let c = Credentials {
            username: "bob".into(),
            password: "hunter2-secret".into(),
            code: Some("424242".into()),
        };
        assert!(!format!("{c:?}").contains("hunter2"));
        assert!(!format!("{c:?}").contains("424242"));
        let p = UserPatch {
            password: Some("hunter2-secret".into()),
            ..Default::default()
        };
        assert!(!format!("{p:?}").contains("hunter2"));
        let n = NewUser {
            username: Username::try_from("bob").unwrap(),
            password: "hunter2-secret".into(),
            role: Role::Viewer,
        };
        assert!(!format!("{n:?}").contains("hunter2"));
        let pc = PasswordChange {
            current: "hunter2-a".into(),
            new: "hunter2-b".into(),
        };
        assert!(!format!("{pc:?}").contains("hunter2"));
    }
}
