//! The account port: signing in and out, and what a user does to their own account.

use async_trait::async_trait;

use crate::authz::AnyUser;
use crate::error::AppError;
use crate::model::passkey::{PasskeyDto, PasskeyName};
use crate::model::sign_in::SecondFactorOptions;
use crate::model::{Me, PasswordChange, RecoveryCodes, TotpCode, TotpDisable, TotpSetup};

/// Signing in and out, and what a user does to their own account.
#[async_trait]
pub trait AccountPort: Send + Sync {
    /// Checks the credentials (and the second factor, when the user has one) and binds the
    /// request's session to the user (rotating its id).
    async fn login(
        &self,
        parts: &http::request::Parts,
        username: String,
        password: String,
        code: Option<String>,
    ) -> Result<Me, AppError>;
    /// Ends the session; returns the identity provider's sign-out page to continue at, for a
    /// sign-in through it.
    async fn logout(&self, parts: &http::request::Parts) -> Result<Option<String>, AppError>;
    /// What the sign-in page offers: passwords, the identity provider's button.
    fn sign_in_options(&self) -> crate::model::sign_in::SignInOptions;
    /// The code step after a sign-in through the identity provider: the user's bosun code.
    /// Returns the user and where they were going.
    async fn login_code(
        &self,
        parts: &http::request::Parts,
        code: String,
    ) -> Result<(Me, String), AppError>;
    async fn me(&self, actor: &AnyUser) -> Result<Me, AppError>;
    async fn change_password(
        &self,
        actor: &AnyUser,
        change: PasswordChange,
    ) -> Result<(), AppError>;
    /// Ends every session of the actor, this one included.
    async fn logout_all(&self, actor: &AnyUser) -> Result<(), AppError>;
    /// Starts two-factor enrolment: a new secret, shown as a QR code.
    async fn totp_start(&self, actor: &AnyUser) -> Result<TotpSetup, AppError>;
    /// Confirms enrolment with a code from the app; returns recovery codes, shown once.
    async fn totp_confirm(
        &self,
        actor: &AnyUser,
        code: TotpCode,
    ) -> Result<RecoveryCodes, AppError>;
    /// Turns two-factor sign-in off (needs the password; refused when the role requires it).
    async fn totp_disable(&self, actor: &AnyUser, request: TotpDisable) -> Result<(), AppError>;
    /// What the second step of this session's sign-in can take: code, passkey.
    async fn second_factor_options(&self, parts: &http::request::Parts) -> SecondFactorOptions;
    /// Starts a passkey sign-in: passwordless, or (`second_factor`) the second factor of the
    /// user waiting in the session. Returns the options for the browser, as JSON.
    async fn passkey_sign_in_start(
        &self,
        parts: &http::request::Parts,
        second_factor: bool,
    ) -> Result<String, AppError>;
    /// Finishes it with the browser's answer (JSON). Returns the user and, after a sign-in
    /// through the identity provider, where they were going.
    async fn passkey_sign_in_finish(
        &self,
        parts: &http::request::Parts,
        credential: String,
    ) -> Result<(Me, Option<String>), AppError>;
    async fn passkeys(&self, actor: &AnyUser) -> Result<Vec<PasskeyDto>, AppError>;
    /// Starts registering a passkey: the options for the browser, as JSON.
    async fn passkey_register_start(
        &self,
        actor: &AnyUser,
        parts: &http::request::Parts,
    ) -> Result<String, AppError>;
    /// Stores the new passkey from the browser's answer (JSON).
    async fn passkey_register_finish(
        &self,
        actor: &AnyUser,
        parts: &http::request::Parts,
        name: PasskeyName,
        credential: String,
    ) -> Result<PasskeyDto, AppError>;
    /// Revokes one of the actor's passkeys (refused for the last second factor of a role that
    /// requires one).
    async fn passkey_revoke(&self, actor: &AnyUser, id: i64) -> Result<(), AppError>;
}
