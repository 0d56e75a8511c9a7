//! Who is calling: a session cookie or a bearer token, resolved once per request.

use bosun_frontend::authz::{AuthMethod, Principal};
use bosun_frontend::model::Role;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::store::Store;
use crate::store::users::UserRow;

/// What a signed-in session holds. The epoch ties it to the user's current generation of
/// sessions: bumping the user's epoch ends them all. Times are on bosun's clock.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionAuth {
    pub user_id: i64,
    pub epoch: i64,
    pub login_at_ms: i64,
    /// The last request on this session (stored with every request: the session is saved on
    /// each one anyway). Missing in sessions from before it was kept: only the absolute
    /// timeout applies to those until their next request.
    #[serde(default)]
    pub seen_ms: Option<i64>,
    /// Set for a sign-in through the identity provider.
    #[serde(default)]
    pub provider: Option<ProviderSession>,
}

/// A sign-in through the identity provider: its ID token (the hint for signing out there;
/// kept server-side only) and whether the provider reported a second factor (`amr`).
#[derive(Clone, Serialize, Deserialize)]
pub struct ProviderSession {
    pub id_token: String,
    pub second_factor: bool,
}

/// Never shows the ID token.
impl std::fmt::Debug for ProviderSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderSession")
            .field("second_factor", &self.second_factor)
            .finish_non_exhaustive()
    }
}

pub const SESSION_KEY: &str = "auth";

/// How long a session lasts: `idle_ms` after its last request, `absolute_ms` after sign-in.
#[derive(Clone, Copy, Debug)]
pub struct Lifetimes {
    pub idle_ms: i64,
    pub absolute_ms: i64,
}

impl SessionAuth {
    /// When this session ends unless it is used again: at its idle or absolute end, the
    /// earlier of the two.
    pub fn ends_at(&self, l: Lifetimes) -> i64 {
        let absolute = self.login_at_ms.saturating_add(l.absolute_ms);
        let idle = self
            .seen_ms
            .map_or(i64::MAX, |seen| seen.saturating_add(l.idle_ms));
        absolute.min(idle)
    }

    /// Whether the session is still within both timeouts at `now_ms`.
    pub fn live_at(&self, now_ms: i64, l: Lifetimes) -> bool {
        now_ms < self.ends_at(l)
    }
}

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

/// Whether `user` must set up a second factor before anything else: their role requires one,
/// they have none of their own (the authenticator app or a passkey), and the identity provider
/// did not report one at this sign-in (`at_provider`).
pub fn must_enrol(user: &UserRow, totp_required: &[Role], at_provider: bool) -> bool {
    !user.has_second_factor() && !at_provider && totp_required.contains(&user.role())
}

/// `second_factor`: the identity provider reported one at this sign-in, which satisfies a
/// role that requires two-factor sign-in.
fn principal(
    user: &UserRow,
    method: AuthMethod,
    totp_required: &[Role],
    second_factor: bool,
) -> Principal {
    Principal {
        user_id: user.id,
        username: user.username.clone(),
        role: user.role(),
        must_change_password: user.must_change_password,
        must_enrol_totp: must_enrol(user, totp_required, second_factor),
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
    let mut p = principal(&user, AuthMethod::Token, &required, false);
    if p.must_enrol_totp {
        return Ok(Resolved::TokenNeedsTotp);
    }
    p.must_change_password = false;
    Ok(Resolved::Principal(p))
}

/// The caller of a request with a session, at `now_ms` on bosun's clock. A live session is
/// marked as seen now (its idle timeout starts again); an ended one is left as it was.
pub async fn from_session(
    store: &Store,
    session: &Session,
    had_cookie: bool,
    lifetimes: Lifetimes,
    now_ms: i64,
) -> Result<Resolved, crate::store::StoreError> {
    let auth = session.get::<SessionAuth>(SESSION_KEY).await.ok().flatten();
    let Some(mut auth) = auth else {
        return Ok(if had_cookie {
            Resolved::SessionEnded
        } else {
            Resolved::Anonymous
        });
    };
    let user = store.user_by_id(auth.user_id).await?;
    let live = user.as_ref().is_some_and(|u| {
        !u.disabled && u.session_epoch == auth.epoch && auth.live_at(now_ms, lifetimes)
    });
    match user {
        Some(user) if live => {
            let mfa = auth.provider.as_ref().is_some_and(|p| p.second_factor);
            auth.seen_ms = Some(now_ms);
            if session.insert(SESSION_KEY, auth).await.is_err() {
                // Not seen now: the session ends at its previous idle end, never later.
                tracing::warn!("could not mark a session as seen");
            }
            let required = store.totp_required().await?;
            Ok(Resolved::Principal(principal(
                &user,
                AuthMethod::Session,
                &required,
                mfa,
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

/// What a stream's credential stands for now.
pub enum Standing {
    /// Still valid; a session's gives when it ends unless it is used again (bosun's clock).
    Valid {
        session_ends_at: Option<i64>,
    },
    Ended,
}

/// Whether the credential still stands for `before` as it was at `now_ms`: the token not
/// revoked, the session not ended (signed out, idle or past its absolute timeout, all sessions
/// ended), the user neither disabled, deleted nor demoted. The session is read afresh, so
/// requests made on it since count as activity. A store error counts as ended: an open stream
/// fails closed.
pub async fn standing<S: tower_sessions::SessionStore>(
    store: &Store,
    sessions: &S,
    credential: &Credential,
    before: &Principal,
    lifetimes: Lifetimes,
    now_ms: i64,
) -> Standing {
    let (now, session_ends_at) = match credential {
        Credential::Token(secret) => match from_token(store, secret).await {
            Ok(Resolved::Principal(p)) => (p, None),
            _ => return Standing::Ended,
        },
        Credential::Session { id, auth: at_start } => {
            let Ok(Some(record)) = sessions.load(id).await else {
                return Standing::Ended;
            };
            let Some(auth) = record
                .data
                .get(SESSION_KEY)
                .and_then(|v| serde_json::from_value::<SessionAuth>(v.clone()).ok())
            else {
                return Standing::Ended;
            };
            // The same sign-in (not one made since under a new id's data) and still live.
            if auth.user_id != at_start.user_id
                || auth.login_at_ms != at_start.login_at_ms
                || !auth.live_at(now_ms, lifetimes)
            {
                return Standing::Ended;
            }
            let Ok(Some(user)) = store.user_by_id(auth.user_id).await else {
                return Standing::Ended;
            };
            if user.disabled || user.session_epoch != auth.epoch {
                return Standing::Ended;
            }
            let Ok(required) = store.totp_required().await else {
                return Standing::Ended;
            };
            let mfa = auth.provider.as_ref().is_some_and(|p| p.second_factor);
            (
                principal(&user, AuthMethod::Session, &required, mfa),
                Some(auth.ends_at(lifetimes)),
            )
        }
    };
    if demoted(before, &now) {
        Standing::Ended
    } else {
        Standing::Valid { session_ends_at }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: Lifetimes = Lifetimes {
        idle_ms: 60_000,
        absolute_ms: 120_000,
    };

    fn auth(login: i64, seen: Option<i64>) -> SessionAuth {
        SessionAuth {
            user_id: 1,
            epoch: 0,
            login_at_ms: login,
            seen_ms: seen,
            provider: None,
        }
    }

    #[test]
    fn a_session_ends_when_idle_or_at_its_absolute_end_whichever_comes_first() {
        // Idle: a minute after the last request.
        let a = auth(0, Some(10_000));
        assert_eq!(a.ends_at(L), 70_000);
        assert!(a.live_at(69_999, L));
        assert!(!a.live_at(70_000, L));
        // In use: the absolute end still holds.
        let busy = auth(0, Some(100_000));
        assert_eq!(busy.ends_at(L), 120_000);
        assert!(!busy.live_at(120_000, L));
        // A session from before `seen_ms` was kept: only the absolute end.
        assert_eq!(auth(0, None).ends_at(L), 120_000);
        // Stored without the field, it still reads back.
        let old: SessionAuth =
            serde_json::from_str(r#"{"user_id":1,"epoch":0,"login_at_ms":5}"#).unwrap();
        assert_eq!(old.seen_ms, None);
    }
}
