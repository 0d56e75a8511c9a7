//! Who is calling: a session cookie or a bearer token, resolved once per request.

use bosun_frontend::authz::{AuthMethod, Principal};
use bosun_frontend::model::Role;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::store::users::UserRow;
use crate::store::{Store, now_ms};

/// What a signed-in session holds. The epoch ties it to the user's current generation of
/// sessions: bumping the user's epoch ends them all.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionAuth {
    pub user_id: i64,
    pub epoch: i64,
    pub login_at_ms: i64,
}

pub const SESSION_KEY: &str = "auth";

pub enum Resolved {
    Anonymous,
    Principal(Principal),
    /// A session cookie was presented but its session is gone or expired.
    SessionEnded,
    /// A bearer token was presented and is not valid.
    BadToken,
}

fn principal(user: &UserRow, method: AuthMethod, totp_required: &[Role]) -> Principal {
    Principal {
        user_id: user.id,
        username: user.username.clone(),
        role: user.role(),
        must_change_password: user.must_change_password,
        must_enrol_totp: user.totp_secret.is_none() && totp_required.contains(&user.role()),
        method,
    }
}

pub async fn from_token(store: &Store, secret: &str) -> Result<Resolved, crate::store::StoreError> {
    let hash = super::token_hash(secret);
    Ok(match store.user_by_token_hash(&hash).await? {
        // Tokens act for their owner until revoked; they don't carry a password-change duty.
        // Nor a second-factor duty: a token is a credential of its own, made while signed in.
        Some(user) if !user.disabled => {
            let mut p = principal(&user, AuthMethod::Token, &[]);
            p.must_change_password = false;
            Resolved::Principal(p)
        }
        _ => Resolved::BadToken,
    })
}

pub async fn from_session(
    store: &Store,
    session: &Session,
    had_cookie: bool,
    absolute_ms: i64,
) -> Result<Resolved, crate::store::StoreError> {
    let auth = session.get::<SessionAuth>(SESSION_KEY).await.ok().flatten();
    let Some(auth) = auth else {
        return Ok(if had_cookie {
            Resolved::SessionEnded
        } else {
            Resolved::Anonymous
        });
    };
    let user = store.user_by_id(auth.user_id).await?;
    let live = user.as_ref().is_some_and(|u| {
        !u.disabled && u.session_epoch == auth.epoch && now_ms() - auth.login_at_ms < absolute_ms
    });
    match user {
        Some(user) if live => {
            let required = store.totp_required().await?;
            Ok(Resolved::Principal(principal(
                &user,
                AuthMethod::Session,
                &required,
            )))
        }
        // Left in place (it can never come back to life): the next page load can still
        // tell the user that their session ended, rather than silently asking to sign in.
        _ => Ok(Resolved::SessionEnded),
    }
}
