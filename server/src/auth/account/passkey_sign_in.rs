//! Signing in with a passkey: passwordless (`BOSUN_PASSKEY_LOGIN=on`, local accounts), or as
//! the second factor of the user waiting in the session after their password or the identity
//! provider.

use bosun_frontend::model::sign_in::SecondFactorOptions;
use webauthn_rs::prelude::PublicKeyCredential;

use super::provider::AwaitingSecond;
use super::*;
use crate::auth::passkey::{
    CEREMONY_MS, Ceremony, SIGNING_IN, SigningIn, credential_key, parse_answer, parse_stored,
};
use crate::auth::principal::ProviderSession;

const FAILED: &str = "That passkey did not sign you in. Try again, or sign in another way.";

/// A passkey sign-in that did not go through: who it was for (when known), what the user is
/// told, and why (for the audit log; the user's text stays the same whatever the reason, but
/// for a record bosun cannot read, where the user has something to do).
struct Refusal {
    name: Option<String>,
    error: AppError,
    why: Option<String>,
}

impl Refusal {
    fn new(name: Option<String>, error: AppError) -> Self {
        Refusal {
            name,
            error,
            why: None,
        }
    }

    /// The answer did not check out: the same text to the user whatever the reason.
    fn failed(name: Option<String>, why: impl Into<String>) -> Self {
        Refusal {
            name,
            error: AppError::new(ErrorKind::Unauthenticated, FAILED),
            why: Some(why.into()),
        }
    }
}

impl AccountService {
    /// What the second-factor step can offer this session's waiting user.
    pub(super) async fn second_factor_options(&self, parts: &Parts) -> SecondFactorOptions {
        let Ok((_, session)) = request_parts(parts) else {
            return SecondFactorOptions::default();
        };
        let Some(awaiting) = self.awaiting(session).await else {
            return SecondFactorOptions::default();
        };
        match self.store.user_by_id(awaiting.user_id).await {
            Ok(Some(user)) => SecondFactorOptions {
                code: user.totp_secret.is_some(),
                passkey: user.passkeys > 0,
            },
            _ => SecondFactorOptions::default(),
        }
    }

    /// The options for the browser's `navigator.credentials.get()`, as JSON: for the second
    /// factor of the user waiting in the session, or (passwordless) for anyone's passkey.
    pub(super) async fn passkey_sign_in_start(
        &self,
        parts: &Parts,
        second_factor: bool,
    ) -> Result<String, AppError> {
        let (_, session) = request_parts(parts)?;
        let rp = self.relying_party(parts)?;
        let awaiting = if second_factor {
            let expired = AppError::new(
                ErrorKind::Unauthenticated,
                "The first step of this sign-in expired (ten minutes). Sign in again.",
            );
            Some(self.awaiting(session).await.ok_or(expired)?)
        } else {
            None
        };
        let (options, ceremony) = if let Some(awaiting) = awaiting {
            let rows = self
                .store
                .passkeys_of(awaiting.user_id)
                .await
                .or_internal("listing passkeys")?;
            let here: Vec<_> = rows
                .iter()
                .filter(|r| r.rp_id == rp.rp_id)
                .filter_map(|r| parse_stored(&r.passkey).ok())
                .collect();
            if here.is_empty() {
                let hosts: Vec<&str> = rows.iter().map(|r| r.rp_id.as_str()).collect();
                return Err(AppError::conflict(if hosts.is_empty() {
                    "You have no passkey. Enter the code from your authenticator app instead."
                        .to_owned()
                } else {
                    format!(
                        "Your passkeys work at {}, not at {}. Open bosun there, or enter the code from your authenticator app.",
                        hosts.join(", "),
                        rp.rp_id
                    )
                }));
            }
            let (options, state) = rp
                .webauthn
                .start_passkey_authentication(&here)
                .map_err(|e| crate::error::internal("starting a passkey sign-in", e))?;
            let ceremony = Ceremony::SecondFactor {
                user_id: awaiting.user_id,
                state,
            };
            (options, ceremony)
        } else if self.policy.passkey {
            let (mut options, state) = rp
                .webauthn
                .start_discoverable_authentication()
                .map_err(|e| crate::error::internal("starting a passkey sign-in", e))?;
            // A button press, not the autofill prompt: the browser asks at once.
            options.mediation = None;
            (options, Ceremony::Passwordless(state))
        } else {
            return Err(AppError::forbidden(
                "Signing in with a passkey alone is off here (BOSUN_PASSKEY_LOGIN). Sign in another way; your passkey is asked for after that.",
            ));
        };
        let pending = SigningIn {
            rp_id: rp.rp_id,
            at_ms: self.clock.now_ms(),
            ceremony,
        };
        session
            .insert(SIGNING_IN, pending)
            .await
            .or_internal("keeping the passkey sign-in")?;
        serde_json::to_string(&options).or_internal("writing the passkey options")
    }

    /// The browser's answer: signs the session in. Returns the user and, after a provider's
    /// sign-in, the page they were going to.
    pub(super) async fn passkey_sign_in_finish(
        &self,
        parts: &Parts,
        credential: &str,
    ) -> Result<(Me, Option<String>), AppError> {
        let (info, session) = request_parts(parts)?;
        let result = self.passkey_checked(parts, session, credential).await;
        let (name, detail) = match &result {
            Ok((user, provider)) => (
                user.username.clone(),
                Some(if provider.is_some() {
                    "through the identity provider, with a passkey".to_owned()
                } else {
                    "with a passkey".to_owned()
                }),
            ),
            Err(r) => (
                r.name.clone().unwrap_or_else(|| "?".into()),
                Some(match &r.why {
                    Some(why) => format!("with a passkey: {why}"),
                    None => r.error.message.clone(),
                }),
            ),
        };
        let who = Who {
            username: &name,
            client: info.client,
            request_id: &info.request_id,
        };
        let outcome = if result.is_ok() {
            AuditOutcome::Ok
        } else {
            AuditOutcome::Failed
        };
        self.audit_sign_in(who, &name, outcome, detail).await;
        let (user, awaiting) = result.map_err(|r| r.error)?;
        Ok((
            self.signed_in_me(&user).await,
            awaiting.map(|a| a.next).filter(|n| !n.is_empty()),
        ))
    }

    /// The check behind a passkey sign-in; on failure, who it was for when that is known.
    async fn passkey_checked(
        &self,
        parts: &Parts,
        session: &Session,
        credential: &str,
    ) -> Result<(UserRow, Option<AwaitingSecond>), Refusal> {
        let again = || {
            AppError::new(
                ErrorKind::Unauthenticated,
                "The passkey sign-in expired. Press the passkey button again.",
            )
        };
        // Taken out at once: each challenge is answered once.
        let pending: SigningIn = session
            .remove(SIGNING_IN)
            .await
            .ok()
            .flatten()
            .ok_or_else(|| Refusal::new(None, again()))?;
        let rp = self
            .relying_party(parts)
            .map_err(|e| Refusal::new(None, e))?;
        if pending.rp_id != rp.rp_id || self.clock.now_ms() - pending.at_ms > CEREMONY_MS {
            return Err(Refusal::new(None, again()));
        }
        let answer: PublicKeyCredential =
            parse_answer(credential).map_err(|e| Refusal::new(None, e))?;
        let row = self
            .store
            .passkey_by_credential(&credential_key(answer.get_credential_id()))
            .await
            .map_err(|e| Refusal::new(None, crate::error::internal("finding a passkey", e)))?
            .ok_or_else(|| Refusal::failed(None, "not a passkey bosun knows (revoked?)"))?;
        let user = self
            .store
            .user_by_id(row.user_id)
            .await
            .map_err(|e| Refusal::new(None, crate::error::internal("loading a user", e)))?
            .ok_or_else(|| Refusal::failed(None, "its user is gone"))?;
        let name = Some(user.username.clone());
        // The user is told how to get past an unreadable record; the audit says which it was.
        let mut passkey = parse_stored(&row.passkey).map_err(|error| Refusal {
            name: name.clone(),
            error,
            why: Some("its stored record cannot be read".into()),
        })?;
        let (checked, awaiting) = match pending.ceremony {
            Ceremony::SecondFactor { user_id, state } => {
                let awaiting = self.awaiting(session).await;
                if user_id != user.id || awaiting.as_ref().map(|a| a.user_id) != Some(user.id) {
                    return Err(Refusal::failed(
                        name,
                        "not the passkey of the user waiting for it",
                    ));
                }
                (
                    rp.webauthn.finish_passkey_authentication(&answer, &state),
                    awaiting,
                )
            }
            Ceremony::Passwordless(state) => {
                let handle = rp
                    .webauthn
                    .identify_discoverable_authentication(&answer)
                    .map(|(handle, _)| handle.to_string());
                if handle.ok().as_deref() != Some(row.user_handle.as_str()) {
                    return Err(Refusal::failed(name, "its user handle does not match"));
                }
                if user.oidc_subject.is_some() {
                    return Err(Refusal::new(
                        name,
                        AppError::forbidden(
                            "Your account signs in through the identity provider: use its button. Your passkey is asked for after that.",
                        ),
                    ));
                }
                (
                    rp.webauthn
                        .finish_discoverable_authentication_v2(&answer, state, &passkey),
                    None,
                )
            }
        };
        let checked = checked.map_err(|e| Refusal::failed(name.clone(), e.to_string()))?;
        if user.disabled {
            return Err(Refusal::new(
                name,
                AppError::forbidden("This account is disabled. Ask an admin to enable it."),
            ));
        }
        // The new signature counter, and the time, on the Account page's list.
        passkey.update_credential(&checked);
        let stored = serde_json::to_string(&passkey).unwrap_or_else(|_| row.passkey.clone());
        let _ = self.store.passkey_used(row.id, &stored).await;
        // Signed out everywhere (or reset) since the first step: that step no longer counts.
        if let Some(a) = &awaiting
            && a.epoch != user.session_epoch
        {
            return Err(Refusal::new(name, again()));
        }
        let provider = awaiting
            .as_ref()
            .and_then(|a| a.id_token.clone())
            .map(|id_token| ProviderSession {
                id_token,
                second_factor: false,
            });
        self.bind_session(session, &user, provider)
            .await
            .map_err(|e| Refusal::new(name.clone(), e))?;
        let _ = self.store.touch_login(user.id).await;
        Ok((user, awaiting))
    }
}
