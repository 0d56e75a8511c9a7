//! A user's own passkeys: register one (two requests around the browser's prompt), list
//! them, revoke one. Each change is audited.

use bosun_frontend::model::passkey::{PasskeyDto, PasskeyName};
use webauthn_rs::prelude::{RegisterPublicKeyCredential, Uuid};
use webauthn_rs_proto::ResidentKeyRequirement;

use super::*;
use crate::auth::passkey::{
    CEREMONY_MS, REGISTERING, Registering, RelyingParty, credential_key, parse_answer, parse_stored,
};
use crate::store::passkeys::NewPasskey;

/// More than anyone needs, few enough to keep each sign-in's list short.
const MOST_PASSKEYS: usize = 20;

impl AccountService {
    /// The relying party for the address this request came to.
    pub(super) fn relying_party(&self, parts: &Parts) -> Result<RelyingParty, AppError> {
        let origin = self
            .policy
            .own_url(parts, "")
            .ok_or_else(|| AppError::bad_request("passkey", crate::auth::passkey::BARE_IP))?;
        RelyingParty::for_origin(&origin)
    }

    pub(super) async fn list_passkeys(&self, actor: &AnyUser) -> Result<Vec<PasskeyDto>, AppError> {
        let rows = self
            .store
            .passkeys_of(actor.user_id())
            .await
            .or_internal("listing passkeys")?;
        Ok(rows
            .into_iter()
            .map(|r| PasskeyDto {
                id: r.id,
                name: r.name,
                host: r.rp_id,
                created_at: crate::store::rfc3339(r.created_at),
                last_used_at: r.last_used_at.map(crate::store::rfc3339),
            })
            .collect())
    }

    /// The options for the browser's `navigator.credentials.create()`, as JSON.
    pub(super) async fn register_start(
        &self,
        actor: &AnyUser,
        parts: &Parts,
    ) -> Result<String, AppError> {
        let (_, session) = request_parts(parts)?;
        let rp = self.relying_party(parts)?;
        let user = self.current_user(actor).await?;
        let existing = self
            .store
            .passkeys_of(user.id)
            .await
            .or_internal("listing passkeys")?;
        if existing.len() >= MOST_PASSKEYS {
            return Err(AppError::conflict(format!(
                "You have {MOST_PASSKEYS} passkeys, the most there can be. Revoke one you no longer use first."
            )));
        }
        // One handle per user, the same for all their passkeys: the authenticator keeps it.
        let handle = existing
            .first()
            .and_then(|p| Uuid::parse_str(&p.user_handle).ok())
            .unwrap_or_else(Uuid::new_v4);
        let exclude = existing
            .iter()
            .filter_map(|p| parse_stored(&p.passkey).ok())
            .map(|p| p.cred_id().clone())
            .collect();
        let (mut options, state) = rp
            .webauthn
            .start_passkey_registration(handle, &user.username, &user.username, Some(exclude))
            .map_err(|e| crate::error::internal("starting a passkey registration", e))?;
        // Discoverable where the authenticator can: passwordless sign-in names nobody first.
        if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
            selection.resident_key = Some(ResidentKeyRequirement::Preferred);
        }
        let pending = Registering {
            user_id: user.id,
            user_handle: handle.to_string(),
            rp_id: rp.rp_id,
            at_ms: self.clock.now_ms(),
            state,
        };
        session
            .insert(REGISTERING, pending)
            .await
            .or_internal("keeping the passkey registration")?;
        serde_json::to_string(&options).or_internal("writing the passkey options")
    }

    /// The browser's answer to the registration: the new passkey, stored under `name`.
    pub(super) async fn register_finish(
        &self,
        actor: &AnyUser,
        parts: &Parts,
        name: PasskeyName,
        credential: &str,
    ) -> Result<PasskeyDto, AppError> {
        let result = self.register_checked(actor, parts, &name, credential).await;
        let done = result
            .as_ref()
            .ok()
            .map(|p| format!("“{}” at {}", p.name, p.host));
        let target = format!("user:{}", actor.username());
        self.audit
            .outcome_noting(actor.into(), "user.passkey.add", &target, &result, done)
            .await;
        result
    }

    async fn register_checked(
        &self,
        actor: &AnyUser,
        parts: &Parts,
        name: &PasskeyName,
        credential: &str,
    ) -> Result<PasskeyDto, AppError> {
        let (_, session) = request_parts(parts)?;
        let again = || {
            AppError::conflict(
                "The passkey set-up expired or was started elsewhere. Press “Add a passkey” again.",
            )
        };
        // Taken out at once: each started registration is answered once.
        let pending: Registering = session
            .remove(REGISTERING)
            .await
            .ok()
            .flatten()
            .ok_or_else(again)?;
        let rp = self.relying_party(parts)?;
        if pending.user_id != actor.user_id()
            || pending.rp_id != rp.rp_id
            || self.clock.now_ms() - pending.at_ms > CEREMONY_MS
        {
            return Err(again());
        }
        let answer: RegisterPublicKeyCredential = parse_answer(credential)?;
        let passkey = rp
            .webauthn
            .finish_passkey_registration(&answer, &pending.state)
            .map_err(|e| {
                AppError::bad_request(
                    "credential",
                    format!("The passkey could not be checked ({e}). Try again, or with another authenticator."),
                )
            })?;
        let stored = serde_json::to_string(&passkey).or_internal("writing a passkey")?;
        let new = NewPasskey {
            user_id: pending.user_id,
            user_handle: &pending.user_handle,
            credential_id: &credential_key(passkey.cred_id().as_ref()),
            name: name.as_str(),
            rp_id: &pending.rp_id,
            passkey: &stored,
        };
        let id = self
            .store
            .insert_passkey(&new)
            .await
            .or_internal("saving a passkey")?
            .ok_or_else(|| AppError::conflict("That passkey is registered already."))?;
        Ok(PasskeyDto {
            id,
            name: name.as_str().to_owned(),
            host: pending.rp_id,
            created_at: crate::store::rfc3339(self.clock.now_ms()),
            last_used_at: None,
        })
    }

    /// Revokes one of the actor's passkeys; refused when it is the last second factor of a
    /// role that requires one.
    pub(super) async fn revoke_passkey(&self, actor: &AnyUser, id: i64) -> Result<(), AppError> {
        let mut target = format!("user:{}", actor.username());
        let result = async {
            let user = self.current_user(actor).await?;
            let last = user.totp_secret.is_none() && user.passkeys <= 1;
            if last && self.required().await.contains(&user.role()) {
                return Err(AppError::conflict(format!(
                    "Users with the {} role must keep a second factor: set up the authenticator app or add another passkey first.",
                    user.role()
                )));
            }
            let name = self
                .store
                .delete_passkey(user.id, id)
                .await
                .or_internal("revoking a passkey")?
                .ok_or_else(|| AppError::not_found("You have no such passkey. Reload the page."))?;
            target = format!("user:{} passkey “{name}”", actor.username());
            Ok(())
        }
        .await;
        self.audit
            .outcome(actor.into(), "user.passkey.revoke", &target, &result)
            .await;
        result
    }
}
