//! Checking a sign-in: the throttle, the password (timing-equalised for unknown users), the
//! second factor; a failure that puts a name under attack is news.

use bosun_frontend::model::sign_in::PasswordLogin;

use super::provider::{AWAITING_SECOND, AwaitingSecond};
use super::*;

/// Where a right password leaves a sign-in.
pub(super) enum Step {
    Done(UserRow),
    /// The user has a second factor (the authenticator app's code, a passkey) still to give.
    SecondFactor(UserRow),
}

impl AccountService {
    /// Binds `session` to `user`, signed in now (a new session id: no fixation).
    pub(super) async fn bind_session(
        &self,
        session: &Session,
        user: &UserRow,
        provider: Option<crate::auth::principal::ProviderSession>,
    ) -> Result<(), AppError> {
        // A fresh id at sign-in defeats session fixation.
        session
            .cycle_id()
            .await
            .or_internal("rotating the session id")?;
        let now = self.clock.now_ms();
        let auth = SessionAuth {
            user_id: user.id,
            epoch: user.session_epoch,
            login_at_ms: now,
            seen_ms: Some(now),
            provider,
        };
        // A first step still waiting is done with: no later request can finish it again.
        let _ = session
            .remove::<provider::AwaitingSecond>(provider::AWAITING_SECOND)
            .await;
        session
            .insert(SESSION_KEY, auth)
            .await
            .or_internal("storing the session")
    }

    /// Keeps `user` waiting in the session for their second factor, and says which to give.
    pub(super) async fn await_second_factor(&self, session: &Session, user: &UserRow) -> AppError {
        let awaiting = AwaitingSecond {
            user_id: user.id,
            epoch: user.session_epoch,
            id_token: None,
            next: String::new(),
            at_ms: self.clock.now_ms(),
        };
        if session.insert(AWAITING_SECOND, awaiting).await.is_err() {
            return AppError::internal();
        }
        if user.totp_secret.is_some() {
            code_error(CODE_NEEDED)
        } else {
            AppError {
                field: Some("passkey".into()),
                ..AppError::new(ErrorKind::Unauthenticated, PASSKEY_NEEDED)
            }
        }
    }

    /// A failed sign-in stays counted; the one that locked the name or the client out is news.
    pub(super) fn sign_in_failed(&self, name: &str, attempt: Attempt) {
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
    pub(super) async fn authenticate(
        &self,
        info: &RequestInfo,
        username: &str,
        password: &str,
        code: Option<&str>,
    ) -> Result<Step, AppError> {
        // Nobody may use a password here: refused before any hashing or throttling.
        if self.policy.password == PasswordLogin::Off {
            return Err(self.password_allowed_off());
        }
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
                // Before the second factor, so no code is spent on a sign-in that cannot go
                // on; counted as a failure, so the answer cannot be probed faster than a
                // password can.
                if let Err(e) = self.password_allowed(&user) {
                    self.sign_in_failed(&name, attempt);
                    return Err(e);
                }
                let code = code.map(normalise_code).filter(|c| !c.is_empty());
                let code_right = match (&user.totp_secret, code) {
                    (Some(secret), Some(code)) => {
                        Some(self.second_factor(info, &user, secret, &code).await?)
                    }
                    _ => None,
                };
                match code_right {
                    Some(false) => {
                        self.sign_in_failed(&name, attempt);
                        return Err(code_error(BAD_CODE));
                    }
                    // The password was right; the second factor is still to come. Not a
                    // failure: the form asks for the code or the passkey next.
                    None if user.has_second_factor() => {
                        self.throttle.withdrawn(attempt);
                        return Ok(Step::SecondFactor(user));
                    }
                    _ => {}
                }
                self.throttle.succeeded(attempt);
                Ok(Step::Done(user))
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
    pub(super) async fn second_factor(
        &self,
        info: &RequestInfo,
        user: &UserRow,
        secret: &str,
        code: &str,
    ) -> Result<bool, AppError> {
        if code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()) {
            let Some(step) = crate::auth::totp::verify(secret, code, crate::auth::totp::now_secs())
            else {
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
            .use_recovery_code(user.id, &crate::auth::token_hash(code))
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
}
