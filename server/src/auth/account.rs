//! Signing in and out, and what users do to their own account.

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use bosun_frontend::authz::{AnyUser, RequestInfo};
use bosun_frontend::error::AppError;
use bosun_frontend::model::{AuditOutcome, Me, PasswordChange, Username, check_password};
use bosun_frontend::ports::{AccountPort, request_info};
use http::request::Parts;
use tower_sessions::Session;

use super::password::PasswordHasherPool;
use super::principal::{SESSION_KEY, SessionAuth};
use super::throttle::LoginThrottle;
use crate::audit::{AuditService, Who};
use crate::error::OrInternal;
use crate::store::users::UserRow;
use crate::store::{Store, now_ms};

const BAD_CREDENTIALS: &str = "Wrong user name or password. Check both and try again.";

#[derive(Clone)]
pub struct AccountService {
    store: Store,
    hasher: PasswordHasherPool,
    throttle: Arc<LoginThrottle>,
    audit: AuditService,
}

fn me(user: &UserRow) -> Me {
    Me {
        id: user.id,
        username: user.username.clone(),
        role: user.role(),
        must_change_password: user.must_change_password,
    }
}

fn request_parts(parts: &Parts) -> Result<(&RequestInfo, &Session), AppError> {
    let info = request_info(parts).ok_or_else(AppError::internal)?;
    let session = parts
        .extensions
        .get::<Session>()
        .ok_or_else(AppError::internal)?;
    Ok((info, session))
}

impl AccountService {
    pub fn new(
        store: Store,
        hasher: PasswordHasherPool,
        throttle: Arc<LoginThrottle>,
        audit: AuditService,
    ) -> Self {
        AccountService {
            store,
            hasher,
            throttle,
            audit,
        }
    }

    /// Checks credentials; on success returns the user. Throttled, timing-equalised.
    async fn authenticate(
        &self,
        info: &RequestInfo,
        username: &str,
        password: &str,
    ) -> Result<UserRow, AppError> {
        // Bounded: no valid name is longer than 64, and this string keys the throttle and the audit log.
        let name: String = username.trim().to_lowercase().chars().take(65).collect();
        if let Some(wait) = self.throttle.check(&name, info.client, Instant::now()) {
            return Err(AppError::too_many_requests(wait));
        }
        let user = match Username::try_from(name.as_str()) {
            Ok(valid) => self
                .store
                .user_by_name(valid.as_str())
                .await
                .or_internal("loading a user")?,
            Err(_) => None,
        };
        let ok = match &user {
            Some(u) => self
                .hasher
                .verify(password, &u.password_hash)
                .await
                .or_internal("verifying a password")?,
            None => {
                self.hasher
                    .verify_decoy(password)
                    .await
                    .or_internal("verifying a password")?;
                false
            }
        };
        match user {
            Some(user) if ok => {
                self.throttle.record_success(&name);
                if user.disabled {
                    return Err(AppError::forbidden(
                        "This account is disabled. Ask an admin to enable it.",
                    ));
                }
                Ok(user)
            }
            _ => {
                self.throttle
                    .record_failure(&name, info.client, Instant::now());
                Err(AppError::new(
                    bosun_frontend::error::ErrorKind::Unauthenticated,
                    BAD_CREDENTIALS,
                ))
            }
        }
    }

    async fn bind_session(&self, session: &Session, user: &UserRow) -> Result<(), AppError> {
        // A fresh id at sign-in defeats session fixation.
        session
            .cycle_id()
            .await
            .or_internal("rotating the session id")?;
        let auth = SessionAuth {
            user_id: user.id,
            epoch: user.session_epoch,
            login_at_ms: now_ms(),
        };
        session
            .insert(SESSION_KEY, auth)
            .await
            .or_internal("storing the session")
    }
}

#[async_trait]
impl AccountPort for AccountService {
    async fn login(
        &self,
        parts: &Parts,
        username: String,
        password: String,
    ) -> Result<Me, AppError> {
        let (info, session) = request_parts(parts)?;
        let result: Result<Me, AppError> = async {
            let user = self.authenticate(info, &username, &password).await?;
            self.bind_session(session, &user).await?;
            self.store
                .touch_login(user.id)
                .await
                .or_internal("recording the sign-in")?;
            Ok(me(&user))
        }
        .await;
        let shown: String = username.trim().to_lowercase().chars().take(65).collect();
        let who = Who {
            username: &shown,
            client: info.client,
            request_id: &info.request_id,
        };
        let outcome = match &result {
            Ok(_) => AuditOutcome::Ok,
            Err(e) if e.kind == bosun_frontend::error::ErrorKind::TooManyRequests => {
                AuditOutcome::Denied
            }
            Err(_) => AuditOutcome::Failed,
        };
        let detail = result.as_ref().err().map(|e| e.message.clone());
        self.audit
            .record(
                who,
                "session.login",
                &format!("user:{shown}"),
                outcome,
                detail,
            )
            .await;
        result
    }

    async fn logout(&self, parts: &Parts) -> Result<(), AppError> {
        let (info, session) = request_parts(parts)?;
        let name = info.principal.as_ref().map(|p| p.username.clone());
        session.flush().await.or_internal("ending the session")?;
        if let Some(name) = name {
            let who = Who {
                username: &name,
                client: info.client,
                request_id: &info.request_id,
            };
            self.audit
                .record(
                    who,
                    "session.logout",
                    &format!("user:{name}"),
                    AuditOutcome::Ok,
                    None,
                )
                .await;
        }
        Ok(())
    }

    async fn me(&self, actor: &AnyUser) -> Result<Me, AppError> {
        let user = self
            .store
            .user_by_id(actor.user_id())
            .await
            .or_internal("loading a user")?;
        user.map(|u| me(&u)).ok_or_else(AppError::unauthenticated)
    }

    async fn change_password(
        &self,
        actor: &AnyUser,
        change: PasswordChange,
    ) -> Result<(), AppError> {
        let result = async {
            let user = self
                .store
                .user_by_id(actor.user_id())
                .await
                .or_internal("loading a user")?
                .ok_or_else(AppError::unauthenticated)?;
            check_password(&user.username, &change.new)
                .map_err(|e| AppError::bad_request("new", format!("{e}.")))?;
            if change.new == change.current {
                return Err(AppError::bad_request(
                    "new",
                    "The new password must differ from the current one.",
                ));
            }
            if let Some(wait) = self
                .throttle
                .check(&user.username, actor.client(), Instant::now())
            {
                return Err(AppError::too_many_requests(wait));
            }
            if !self
                .hasher
                .verify(&change.current, &user.password_hash)
                .await
                .or_internal("verifying a password")?
            {
                self.throttle
                    .record_failure(&user.username, actor.client(), Instant::now());
                return Err(AppError::bad_request(
                    "current",
                    "The current password is wrong.",
                ));
            }
            let hash = self
                .hasher
                .hash(&change.new)
                .await
                .or_internal("hashing a password")?;
            // Ends every session of the user: they sign in again with the new password.
            self.store
                .set_password(user.id, &hash, false)
                .await
                .or_internal("saving a password")
        }
        .await;
        let target = format!("user:{}", actor.username());
        self.audit
            .outcome(actor.into(), "user.password.change", &target, &result)
            .await;
        result
    }

    async fn logout_all(&self, actor: &AnyUser) -> Result<(), AppError> {
        let result = self
            .store
            .bump_session_epoch(actor.user_id())
            .await
            .map(|_| ())
            .or_internal("ending sessions");
        let target = format!("user:{}", actor.username());
        self.audit
            .outcome(actor.into(), "session.logout_all", &target, &result)
            .await;
        result
    }
}
