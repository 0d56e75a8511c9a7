//! The account port: signing in and out, and what a user does to their own account.

use async_trait::async_trait;

use crate::authz::AnyUser;
use crate::error::AppError;
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
}
