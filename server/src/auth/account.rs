//! Signing in and out, and what users do to their own account.

use std::sync::Arc;

use async_trait::async_trait;
use bosun_frontend::authz::{AnyUser, RequestInfo};
use bosun_frontend::error::AppError;
use bosun_frontend::error::ErrorKind;
use bosun_frontend::model::{
    AuditOutcome, Me, PasswordChange, RecoveryCodes, Role, TotpCode, TotpDisable, TotpSetup,
    Username, check_password, normalise_code,
};
use bosun_frontend::ports::{AccountPort, request_info};
use http::request::Parts;
use tower_sessions::Session;

use super::password::PasswordHasherPool;
use super::principal::{SESSION_KEY, SessionAuth};
use super::throttle::{Attempt, LoginThrottle};
use crate::audit::{AuditService, Who};
use crate::error::OrInternal;
use crate::store::users::UserRow;
use crate::store::{Store, now_ms};

const BAD_CREDENTIALS: &str = "Wrong user name or password. Check both and try again.";
const CODE_NEEDED: &str =
    "Enter the 6-digit code from your authenticator app, or one of your recovery codes.";
const BAD_CODE: &str = "That code is not right, or it was used already. Codes change every 30 seconds: enter the current one, or a recovery code.";

fn code_error(message: &str) -> AppError {
    AppError {
        field: Some("code".into()),
        ..AppError::new(ErrorKind::Unauthenticated, message)
    }
}

#[derive(Clone)]
pub struct AccountService {
    store: Store,
    hasher: PasswordHasherPool,
    throttle: Arc<LoginThrottle>,
    audit: AuditService,
    notifier: crate::notify::Notifier,
}

fn me(user: &UserRow, totp_required: &[Role]) -> Me {
    Me {
        id: user.id,
        username: user.username.clone(),
        role: user.role(),
        must_change_password: user.must_change_password,
        totp_enabled: user.totp_secret.is_some(),
        must_enrol_totp: user.totp_secret.is_none() && totp_required.contains(&user.role()),
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
        notifier: crate::notify::Notifier,
    ) -> Self {
        AccountService {
            store,
            hasher,
            throttle,
            audit,
            notifier,
        }
    }

    /// A failed sign-in stays counted; the one that locked the name or the client out is news.
    fn sign_in_failed(&self, name: &str, attempt: Attempt) {
        if attempt.locks {
            let client = attempt.client();
            let wait = self.throttle.window().as_secs();
            self.notifier.send(crate::notify::Notification::new(
                bosun_frontend::model::NotifyEvent::LoginFailures,
                crate::notify::Severity::Warning,
                format!("Repeated failed sign-ins for “{name}”"),
                format!("Sign-in for “{name}” failed repeatedly, the last time from {client}. Clients that failed now wait (up to {wait} s); others are slowed down. If that was not you or a colleague, someone is guessing passwords."),
                serde_json::json!({"username": name, "client": client.to_string(), "locked_for_s": wait}),
            ));
        }
    }

    /// Checks credentials and, for users who have one, the second factor; on success returns
    /// the user. Throttled (wrong codes count like wrong passwords), timing-equalised.
    async fn authenticate(
        &self,
        info: &RequestInfo,
        username: &str,
        password: &str,
        code: Option<&str>,
    ) -> Result<UserRow, AppError> {
        // Bounded: no valid name is longer than 64, and this string keys the throttle and the audit log.
        let name: String = username.trim().to_lowercase().chars().take(65).collect();
        // Counted as a failure from here on, so parallel guesses cannot outrun the hashing.
        let attempt = self
            .throttle
            .admit(&name, info.client)
            .await
            .map_err(AppError::too_many_requests)?;
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
                if user.disabled {
                    return Err(AppError::forbidden(
                        "This account is disabled. Ask an admin to enable it.",
                    ));
                }
                if let Some(secret) = &user.totp_secret {
                    // The password was right; the second factor is still to come.
                    let code = code.map(normalise_code).filter(|c| !c.is_empty());
                    let Some(code) = code else {
                        // Not a failure: the form asks for the code next.
                        self.throttle.withdrawn(attempt);
                        return Err(code_error(CODE_NEEDED));
                    };
                    if !self.second_factor(info, &user, secret, &code).await? {
                        self.sign_in_failed(&name, attempt);
                        return Err(code_error(BAD_CODE));
                    }
                }
                self.throttle.succeeded(attempt);
                Ok(user)
            }
            _ => {
                self.sign_in_failed(&name, attempt);
                Err(AppError::new(
                    bosun_frontend::error::ErrorKind::Unauthenticated,
                    BAD_CREDENTIALS,
                ))
            }
        }
    }

    /// A current TOTP code (each time step good once), or an unused recovery code.
    async fn second_factor(
        &self,
        info: &RequestInfo,
        user: &UserRow,
        secret: &str,
        code: &str,
    ) -> Result<bool, AppError> {
        if code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()) {
            let Some(step) = super::totp::verify(secret, code, super::totp::now_secs()) else {
                return Ok(false);
            };
            return self
                .store
                .claim_totp_step(user.id, step)
                .await
                .or_internal("recording a code");
        }
        let used = self
            .store
            .use_recovery_code(user.id, &super::token_hash(code))
            .await
            .or_internal("checking a recovery code")?;
        if used {
            let left = self.store.unused_recovery_codes(user.id).await.unwrap_or(0);
            let who = Who {
                username: &user.username,
                client: info.client,
                request_id: &info.request_id,
            };
            self.audit
                .record(
                    who,
                    "user.totp.recovery_code",
                    &format!("user:{}", user.username),
                    AuditOutcome::Ok,
                    Some(format!("{left} recovery codes left")),
                )
                .await;
        }
        Ok(used)
    }

    async fn required(&self) -> Vec<Role> {
        self.store.totp_required().await.unwrap_or_default()
    }

    async fn current_user(&self, actor: &AnyUser) -> Result<UserRow, AppError> {
        self.store
            .user_by_id(actor.user_id())
            .await
            .or_internal("loading a user")?
            .ok_or_else(AppError::unauthenticated)
    }

    /// The password check shared by changes to the account: throttled like sign-in.
    async fn check_own_password(
        &self,
        actor: &AnyUser,
        user: &UserRow,
        password: &str,
        field: &str,
    ) -> Result<(), AppError> {
        let attempt = self
            .throttle
            .admit(&user.username, actor.client())
            .await
            .map_err(AppError::too_many_requests)?;
        if !self
            .hasher
            .verify(password, &user.password_hash)
            .await
            .or_internal("verifying a password")?
        {
            return Err(AppError::bad_request(
                field,
                "The current password is wrong.",
            ));
        }
        self.throttle.succeeded(attempt);
        Ok(())
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
        code: Option<String>,
    ) -> Result<Me, AppError> {
        let (info, session) = request_parts(parts)?;
        let result: Result<Me, AppError> = async {
            let user = self
                .authenticate(info, &username, &password, code.as_deref())
                .await?;
            self.bind_session(session, &user).await?;
            self.store
                .touch_login(user.id)
                .await
                .or_internal("recording the sign-in")?;
            Ok(me(&user, &self.required().await))
        }
        .await;
        let shown: String = username.trim().to_lowercase().chars().take(65).collect();
        let who = Who {
            username: &shown,
            client: info.client,
            request_id: &info.request_id,
        };
        // The first step of a two-step sign-in is neither a success nor a failure yet.
        if result
            .as_ref()
            .err()
            .is_some_and(|e| e.field.as_deref() == Some("code") && e.message == CODE_NEEDED)
        {
            return result;
        }
        let outcome = match &result {
            Ok(_) => AuditOutcome::Ok,
            Err(e) if e.kind == ErrorKind::TooManyRequests => AuditOutcome::Denied,
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
        let required = self.required().await;
        user.map(|u| me(&u, &required))
            .ok_or_else(AppError::unauthenticated)
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
            self.check_own_password(actor, &user, &change.current, "current")
                .await?;
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

    async fn totp_start(&self, actor: &AnyUser) -> Result<TotpSetup, AppError> {
        let result = async {
            let user = self.current_user(actor).await?;
            if user.totp_secret.is_some() {
                return Err(AppError::conflict(
                    "Two-factor sign-in is on already. Turn it off first to set up a new phone.",
                ));
            }
            let secret = super::totp::new_secret();
            let setup = super::totp::setup(&secret, &user.username)
                .map_err(|e| crate::error::internal("making the TOTP set-up", e))?;
            self.store
                .set_totp_pending(user.id, &secret)
                .await
                .or_internal("saving the TOTP set-up")?;
            Ok(setup)
        }
        .await;
        let target = format!("user:{}", actor.username());
        self.audit
            .outcome(actor.into(), "user.totp.start", &target, &result)
            .await;
        result
    }

    async fn totp_confirm(
        &self,
        actor: &AnyUser,
        code: TotpCode,
    ) -> Result<RecoveryCodes, AppError> {
        let result = async {
            let user = self.current_user(actor).await?;
            let Some(pending) = user.totp_pending.clone() else {
                return Err(AppError::bad_request(
                    "code",
                    "Start the set-up first: it shows the QR code to scan.",
                ));
            };
            let attempt = self
                .throttle
                .admit(&user.username, actor.client())
                .await
                .map_err(AppError::too_many_requests)?;
            let code = normalise_code(&code.code);
            let Some(step) = super::totp::verify(&pending, &code, super::totp::now_secs()) else {
                self.sign_in_failed(&user.username, attempt);
                return Err(AppError::bad_request(
                    "code",
                    "That code is not right. Check the phone's clock, then enter the code it shows now.",
                ));
            };
            self.throttle.succeeded(attempt);
            let codes = super::totp::recovery_codes();
            let hashes: Vec<String> = codes
                .iter()
                .map(|c| super::token_hash(&normalise_code(c)))
                .collect();
            if !self
                .store
                .enable_totp(user.id, &pending, step, &hashes)
                .await
                .or_internal("turning TOTP on")?
            {
                return Err(AppError::conflict(
                    "The set-up changed meanwhile (started again elsewhere?). Start it again.",
                ));
            }
            Ok(RecoveryCodes { codes })
        }
        .await;
        let target = format!("user:{}", actor.username());
        self.audit
            .outcome(actor.into(), "user.totp.enable", &target, &result)
            .await;
        result
    }

    async fn totp_disable(&self, actor: &AnyUser, request: TotpDisable) -> Result<(), AppError> {
        let result = async {
            let user = self.current_user(actor).await?;
            if user.totp_secret.is_none() {
                return Err(AppError::conflict("Two-factor sign-in is not on."));
            }
            if self.required().await.contains(&user.role()) {
                return Err(AppError::conflict(format!(
                    "Users with the {} role must keep two-factor sign-in. If you lost your phone, sign in with a recovery code, or ask an admin to reset it.",
                    user.role()
                )));
            }
            self.check_own_password(actor, &user, &request.password, "password")
                .await?;
            self.store
                .clear_totp(user.id)
                .await
                .or_internal("turning TOTP off")
                .map(|_| ())
        }
        .await;
        let target = format!("user:{}", actor.username());
        self.audit
            .outcome(actor.into(), "user.totp.disable", &target, &result)
            .await;
        result
    }
}
