//! Signing in and out, and the signed-in user's own account: password, two-factor sign-in.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::sign_in::SignInOptions;
use crate::model::{Me, RecoveryCodes, TotpSetup};

#[cfg(feature = "ssr")]
use super::ctx;

#[server(prefix = "/sfn", endpoint = "public/login")]
pub async fn login(
    username: String,
    password: String,
    next: Option<String>,
    code: Option<String>,
) -> Result<Me, AppError> {
    ctx::run(async move {
        let parts = ctx::parts()?;
        let code = code.filter(|c| !c.trim().is_empty());
        let me = ctx::ports()?
            .account
            .login(&parts, username, password, code)
            .await?;
        let target = super::landing(&me, next.as_deref());
        leptos_axum::redirect(&target);
        Ok(me)
    })
    .await
}

/// What the sign-in page offers. Public: the page shows it before anyone signs in.
#[server(prefix = "/sfn", endpoint = "public/sign_in_options")]
pub async fn load_sign_in_options() -> Result<SignInOptions, AppError> {
    ctx::run(async move { Ok(ctx::ports()?.account.sign_in_options()) }).await
}

/// The code step after a sign-in through the identity provider, for a role that needs a
/// second factor the provider did not report. Public: the session is not signed in yet.
#[server(prefix = "/sfn", endpoint = "public/login_code")]
pub async fn login_code(code: String) -> Result<Me, AppError> {
    ctx::run(async move {
        let parts = ctx::parts()?;
        let (me, next) = ctx::ports()?.account.login_code(&parts, code).await?;
        let target = super::landing(&me, Some(&next));
        leptos_axum::redirect(&target);
        Ok(me)
    })
    .await
}

/// Public so that signing out still works (and lands on the sign-in page) after the session ended.
#[server(prefix = "/sfn", endpoint = "public/logout")]
pub async fn logout() -> Result<(), AppError> {
    ctx::run(async move {
        let parts = ctx::parts()?;
        // A sign-in through the identity provider ends there too, which comes back to /login.
        let onward = ctx::ports()?.account.logout(&parts).await?;
        leptos_axum::redirect(onward.as_deref().unwrap_or("/login"));
        Ok(())
    })
    .await
}

#[server(prefix = "/sfn", endpoint = "self/me")]
pub async fn whoami() -> Result<Me, AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::SelfService>()?;
        ctx::ports()?.account.me(&actor).await
    })
    .await
}

#[server(prefix = "/sfn", endpoint = "self/change_password")]
pub async fn change_password(current: String, new: String, repeat: String) -> Result<(), AppError> {
    ctx::run(async move {
        if new != repeat {
            return Err(AppError::bad_request(
                "repeat",
                "The two new passwords differ. Type the same password twice.",
            ));
        }
        let actor = ctx::actor::<crate::authz::SelfService>()?;
        ctx::ports()?
            .account
            .change_password(&actor, crate::model::PasswordChange { current, new })
            .await?;
        // Changing the password ends every session, this one included.
        leptos_axum::redirect("/login?changed=1");
        Ok(())
    })
    .await
}

#[server(prefix = "/sfn", endpoint = "self/logout_all")]
pub async fn logout_all() -> Result<(), AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::SelfService>()?;
        ctx::ports()?.account.logout_all(&actor).await?;
        leptos_axum::redirect("/login");
        Ok(())
    })
    .await
}

/// Starts two-factor enrolment: a QR code to scan.
#[server(prefix = "/sfn", endpoint = "self/totp_start")]
pub async fn totp_start() -> Result<TotpSetup, AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::SelfService>()?;
        ctx::ports()?.account.totp_start(&actor).await
    })
    .await
}

#[server(prefix = "/sfn", endpoint = "self/totp_confirm")]
pub async fn totp_confirm(code: String) -> Result<RecoveryCodes, AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::SelfService>()?;
        ctx::ports()?
            .account
            .totp_confirm(&actor, crate::model::TotpCode { code })
            .await
    })
    .await
}

#[server(prefix = "/sfn", endpoint = "self/totp_disable")]
pub async fn totp_disable(password: String) -> Result<(), AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::SelfService>()?;
        ctx::ports()?
            .account
            .totp_disable(&actor, crate::model::TotpDisable { password })
            .await
    })
    .await
}
