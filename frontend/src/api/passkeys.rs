//! Passkeys: signing in with one (passwordless, or as the second factor), and the user's own
//! list: register, revoke. The WebAuthn ceremony itself runs in the browser (`webauthn.rs`);
//! these carry its JSON both ways.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::passkey::{PasskeyDto, PasskeySignedIn};
use crate::model::sign_in::SecondFactorOptions;

#[cfg(feature = "ssr")]
use super::ctx;

/// What the second step of this session's sign-in can take. Public: not signed in yet.
#[server(prefix = "/sfn", endpoint = "public/second_factor_options")]
pub async fn load_second_factor_options() -> Result<SecondFactorOptions, AppError> {
    ctx::run(async move {
        let parts = ctx::parts()?;
        Ok(ctx::ports()?.account.second_factor_options(&parts).await)
    })
    .await
}

/// Starts a passkey sign-in: passwordless, or (`second_factor`) the second step after the
/// password or the identity provider. The options for `navigator.credentials.get()`, as JSON.
#[server(prefix = "/sfn", endpoint = "public/passkey_sign_in_start")]
pub async fn passkey_sign_in_start(second_factor: bool) -> Result<String, AppError> {
    ctx::run(async move {
        let parts = ctx::parts()?;
        ctx::ports()?
            .account
            .passkey_sign_in_start(&parts, second_factor)
            .await
    })
    .await
}

/// Finishes it with the browser's answer; says where to go next.
#[server(prefix = "/sfn", endpoint = "public/passkey_sign_in_finish")]
pub async fn passkey_sign_in_finish(
    credential: String,
    next: Option<String>,
) -> Result<PasskeySignedIn, AppError> {
    ctx::run(async move {
        let parts = ctx::parts()?;
        let (me, after_provider) = ctx::ports()?
            .account
            .passkey_sign_in_finish(&parts, credential)
            .await?;
        let next = super::landing(&me, after_provider.as_deref().or(next.as_deref()));
        Ok(PasskeySignedIn { next })
    })
    .await
}

#[server(prefix = "/sfn", endpoint = "self/passkeys")]
pub async fn list_passkeys() -> Result<Vec<PasskeyDto>, AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::SelfService>()?;
        ctx::ports()?.account.passkeys(&actor).await
    })
    .await
}

/// Starts registering a passkey: the options for `navigator.credentials.create()`, as JSON.
#[server(prefix = "/sfn", endpoint = "self/passkey_register_start")]
pub async fn passkey_register_start() -> Result<String, AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::SelfService>()?;
        let parts = ctx::parts()?;
        ctx::ports()?
            .account
            .passkey_register_start(&actor, &parts)
            .await
    })
    .await
}

#[server(prefix = "/sfn", endpoint = "self/passkey_register_finish")]
pub async fn passkey_register_finish(
    name: String,
    credential: String,
) -> Result<PasskeyDto, AppError> {
    ctx::run(async move {
        let name = crate::model::passkey::PasskeyName::try_from(name)
            .map_err(|e| AppError::bad_request("name", e))?;
        let actor = ctx::actor::<crate::authz::SelfService>()?;
        let parts = ctx::parts()?;
        ctx::ports()?
            .account
            .passkey_register_finish(&actor, &parts, name, credential)
            .await
    })
    .await
}

#[server(prefix = "/sfn", endpoint = "self/passkey_revoke")]
pub async fn revoke_passkey(id: i64) -> Result<(), AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::SelfService>()?;
        ctx::ports()?.account.passkey_revoke(&actor, id).await
    })
    .await
}
