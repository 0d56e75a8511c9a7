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
    /// A valid token whose owner must set up two-factor sign-in first (their role requires it).
    TokenNeedsTotp,
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
    // Unknown, revoked, or of an older generation of its owner's credentials (the password
    // changed, all sessions were ended, the user was disabled or reset since): not valid.
    let Some(user) = store.user_by_token_hash(&hash).await? else {
        return Ok(Resolved::BadToken);
    };
    if user.disabled {
        return Ok(Resolved::BadToken);
    }
    // The owner's current role, so a demotion caps the token at once. No password-change duty
    // (a token is made after the password is set), but the two-factor one holds: a token does
    // not skip a second factor its owner's role requires.
    let required = store.totp_required().await?;
    let mut p = principal(&user, AuthMethod::Token, &required);
    if p.must_enrol_totp {
        return Ok(Resolved::TokenNeedsTotp);
    }
    p.must_change_password = false;
    Ok(Resolved::Principal(p))
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

/// What an open stream was authorized with, kept to check it again while the stream runs.
#[derive(Clone)]
pub enum Credential {
    Token(String),
    Session {
        id: tower_sessions::session::Id,
        auth: SessionAuth,
    },
}

/// Never shows the token's secret or the session id.
impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::Token(_) => f.write_str("Credential::Token(..)"),
            Credential::Session { auth, .. } => f
                .debug_struct("Credential::Session")
                .field("user_id", &auth.user_id)
                .finish_non_exhaustive(),
        }
    }
}

/// Whether `now` is a step down from `before`: a lower role, or a duty (new password,
/// two-factor set-up) that blocks everything else.
fn demoted(before: &Principal, now: &Principal) -> bool {
    now.user_id != before.user_id
        || !now.role.allows(before.role)
        || (now.must_change_password && !before.must_change_password)
        || (now.must_enrol_totp && !before.must_enrol_totp)
}

/// Whether the credential still stands for `before` as it was: the token not revoked, the
/// session not ended (signed out, expired, all sessions ended), the user neither disabled,
/// deleted nor demoted. A store error counts as no: an open stream fails closed.
pub async fn still_valid<S: tower_sessions::SessionStore>(
    store: &Store,
    sessions: &S,
    credential: &Credential,
    before: &Principal,
    absolute_ms: i64,
) -> bool {
    let now = match credential {
        Credential::Token(secret) => match from_token(store, secret).await {
            Ok(Resolved::Principal(p)) => p,
            _ => return false,
        },
        Credential::Session { id, auth } => {
            if !matches!(sessions.load(id).await, Ok(Some(_))) {
                return false;
            }
            let Ok(Some(user)) = store.user_by_id(auth.user_id).await else {
                return false;
            };
            if user.disabled
                || user.session_epoch != auth.epoch
                || now_ms() - auth.login_at_ms >= absolute_ms
            {
                return false;
            }
            let Ok(required) = store.totp_required().await else {
                return false;
            };
            principal(&user, AuthMethod::Session, &required)
        }
    };
    !demoted(before, &now)
}
