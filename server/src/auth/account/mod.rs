//! Signing in and out, and what users do to their own account: the port, its password and
//! session steps. The sign-in check itself is in `sign_in.rs`, two-factor set-up in `totp.rs`.

mod forward;
mod passkey_sign_in;
mod passkeys;
mod provider;
mod provider_code;
mod sign_in;
mod totp;
mod vouched;

pub use forward::ForwardAuth;
pub use provider::{OwnScheme, SignInPolicy};

use std::sync::Arc;

use async_trait::async_trait;
use bosun_frontend::authz::{AnyUser, RequestInfo};
use bosun_frontend::error::AppError;
use bosun_frontend::error::ErrorKind;
use bosun_frontend::model::passkey::{PasskeyDto, PasskeyName};
use bosun_frontend::model::sign_in::{
    CODE_NEEDED, PASSKEY_NEEDED, SecondFactorOptions, SignInOptions, asks_second_factor,
};
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
use crate::store::Store;
use crate::store::users::UserRow;

const BAD_CREDENTIALS: &str = "Wrong user name or password. Check both and try again.";
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
    /// Sign-in times are on bosun's clock, as the session timeouts that count from them.
    clock: crate::clock::SharedClock,
    /// Passwords for whom, and the identity provider.
    policy: SignInPolicy,
}

/// `must_enrol`: as `principal::must_enrol` has it for this sign-in.
fn me(user: &UserRow, must_enrol: bool) -> Me {
    Me {
        id: user.id,
        username: user.username.clone(),
        role: user.role(),
        must_change_password: user.must_change_password,
        totp_enabled: user.totp_secret.is_some(),
        must_enrol_totp: must_enrol,
        passkeys: u32::try_from(user.passkeys).unwrap_or(0),
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
        clock: crate::clock::SharedClock,
        policy: SignInPolicy,
    ) -> Self {
        AccountService {
            store,
            hasher,
            throttle,
            audit,
            notifier,
            clock,
            policy,
        }
    }

    async fn required(&self) -> Vec<Role> {
        self.store.totp_required().await.unwrap_or_default()
    }

    /// The user just signed in by bosun itself (no second factor reported by a provider).
    async fn signed_in_me(&self, user: &UserRow) -> Me {
        me(
            user,
            super::principal::must_enrol(user, &self.required().await, false),
        )
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
            let user = match self
                .authenticate(info, &username, &password, code.as_deref())
                .await?
            {
                sign_in::Step::Done(user) => user,
                sign_in::Step::SecondFactor(user) => {
                    return Err(self.await_second_factor(session, &user).await);
                }
            };
            self.bind_session(session, &user, None).await?;
            self.store
                .touch_login(user.id)
                .await
                .or_internal("recording the sign-in")?;
            Ok(self.signed_in_me(&user).await)
        }
        .await;
        let shown: String = username.trim().to_lowercase().chars().take(65).collect();
        let who = Who {
            username: &shown,
            client: info.client,
            request_id: &info.request_id,
        };
        // The first step of a two-step sign-in is neither a success nor a failure yet.
        if result.as_ref().err().is_some_and(asks_second_factor) {
            return result;
        }
        let outcome = match &result {
            Ok(_) => AuditOutcome::Ok,
            Err(e) if e.kind == ErrorKind::TooManyRequests => AuditOutcome::Denied,
            Err(_) => AuditOutcome::Failed,
        };
        let detail = result.as_ref().err().map(|e| e.message.clone());
        self.audit_sign_in(who, &shown, outcome, detail).await;
        result
    }

    async fn logout(&self, parts: &Parts) -> Result<Option<String>, AppError> {
        let (info, session) = request_parts(parts)?;
        let name = info.principal.as_ref().map(|p| p.username.clone());
        let at_provider = self.provider_sign_out(parts, session).await;
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
                    at_provider
                        .is_some()
                        .then(|| "and at the identity provider".to_owned()),
                )
                .await;
        }
        Ok(at_provider)
    }

    fn sign_in_options(&self) -> SignInOptions {
        AccountService::sign_in_options(self)
    }

    async fn login_code(&self, parts: &Parts, code: String) -> Result<(Me, String), AppError> {
        let (info, session) = request_parts(parts)?;
        self.provider_code(info, session, &code).await
    }

    async fn me(&self, actor: &AnyUser) -> Result<Me, AppError> {
        let user = self
            .store
            .user_by_id(actor.user_id())
            .await
            .or_internal("loading a user")?;
        // The duty as this request's sign-in has it: a second factor at the identity
        // provider satisfies a role that requires one.
        user.map(|u| me(&u, actor.principal().must_enrol_totp))
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
            if user.oidc_subject.is_some() {
                return Err(AppError::conflict(
                    "You sign in through the identity provider: change your password there.",
                ));
            }
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
        self.enrol_start(actor).await
    }

    async fn totp_confirm(
        &self,
        actor: &AnyUser,
        code: TotpCode,
    ) -> Result<RecoveryCodes, AppError> {
        self.enrol_confirm(actor, code).await
    }

    async fn totp_disable(&self, actor: &AnyUser, request: TotpDisable) -> Result<(), AppError> {
        self.turn_off(actor, request).await
    }

    async fn second_factor_options(&self, parts: &Parts) -> SecondFactorOptions {
        AccountService::second_factor_options(self, parts).await
    }

    async fn passkey_sign_in_start(
        &self,
        parts: &Parts,
        second_factor: bool,
    ) -> Result<String, AppError> {
        AccountService::passkey_sign_in_start(self, parts, second_factor).await
    }

    async fn passkey_sign_in_finish(
        &self,
        parts: &Parts,
        credential: String,
    ) -> Result<(Me, Option<String>), AppError> {
        AccountService::passkey_sign_in_finish(self, parts, &credential).await
    }

    async fn passkeys(&self, actor: &AnyUser) -> Result<Vec<PasskeyDto>, AppError> {
        self.list_passkeys(actor).await
    }

    async fn passkey_register_start(
        &self,
        actor: &AnyUser,
        parts: &Parts,
    ) -> Result<String, AppError> {
        self.register_start(actor, parts).await
    }

    async fn passkey_register_finish(
        &self,
        actor: &AnyUser,
        parts: &Parts,
        name: PasskeyName,
        credential: String,
    ) -> Result<PasskeyDto, AppError> {
        self.register_finish(actor, parts, name, &credential).await
    }

    async fn passkey_revoke(&self, actor: &AnyUser, id: i64) -> Result<(), AppError> {
        self.revoke_passkey(actor, id).await
    }
}
