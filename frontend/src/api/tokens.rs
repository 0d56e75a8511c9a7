//! The signed-in user's API tokens: list, create, revoke.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{CreatedToken, TokenDto};

#[cfg(feature = "ssr")]
use super::ctx;

#[server(prefix = "/sfn", endpoint = "viewer/list_tokens")]
pub async fn list_tokens() -> Result<Vec<TokenDto>, AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::ViewerRole>()?;
        ctx::ports()?.tokens.list(&actor).await
    })
    .await
}

#[server(prefix = "/sfn", endpoint = "viewer/create_token")]
pub async fn create_token(name: String) -> Result<CreatedToken, AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::ViewerRole>()?;
        ctx::ports()?
            .tokens
            .create(&actor, crate::model::NewToken { name })
            .await
    })
    .await
}

#[server(prefix = "/sfn", endpoint = "viewer/revoke_token")]
pub async fn revoke_token(id: i64) -> Result<(), AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::ViewerRole>()?;
        ctx::ports()?.tokens.revoke(&actor, id).await
    })
    .await
}
