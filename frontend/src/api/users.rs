//! User management for the Users page (admin).

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{UserDto, UserPatch};

#[cfg(feature = "ssr")]
use super::ctx;

#[server(prefix = "/sfn", endpoint = "admin/list_users")]
pub async fn list_users() -> Result<Vec<UserDto>, AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::AdminRole>()?;
        ctx::ports()?.users.list(&actor).await
    })
    .await
}

/// Flat string arguments so a plain HTML form can post them; parsed into types here.
#[server(prefix = "/sfn", endpoint = "admin/create_user")]
pub async fn create_user(
    username: String,
    password: String,
    role: String,
) -> Result<UserDto, AppError> {
    ctx::run(async move {
        let username = crate::model::Username::try_from(username)
            .map_err(|e| AppError::bad_request("username", e.to_string()))?;
        let role: crate::model::Role = crate::error::parse_field("role", &role)?;
        let actor = ctx::actor::<crate::authz::AdminRole>()?;
        ctx::ports()?
            .users
            .create(
                &actor,
                crate::model::NewUser {
                    username,
                    password,
                    role,
                },
            )
            .await
    })
    .await
}

#[server(prefix = "/sfn", endpoint = "admin/update_user", input = server_fn::codec::Json)]
pub async fn update_user(id: i64, patch: UserPatch) -> Result<UserDto, AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::AdminRole>()?;
        ctx::ports()?.users.update(&actor, id, patch).await
    })
    .await
}

#[server(prefix = "/sfn", endpoint = "admin/delete_user")]
pub async fn delete_user(id: i64) -> Result<(), AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::AdminRole>()?;
        ctx::ports()?.users.delete(&actor, id).await
    })
    .await
}

/// Turns a user's two-factor sign-in off (a lost phone).
#[server(prefix = "/sfn", endpoint = "admin/reset_totp")]
pub async fn reset_totp(id: i64) -> Result<UserDto, AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::AdminRole>()?;
        ctx::ports()?.users.reset_totp(&actor, id).await
    })
    .await
}
