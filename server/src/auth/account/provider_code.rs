//! The code step after a sign-in through the identity provider, for a role that needs a
//! second factor the provider did not report: the user's bosun code (or a recovery code).

use super::*;
use crate::auth::principal::ProviderSession;

impl AccountService {
    /// The code step after a provider sign-in: the user's current bosun code (or a recovery
    /// code), throttled like a password.
    pub(super) async fn provider_code(
        &self,
        info: &RequestInfo,
        session: &Session,
        code: &str,
    ) -> Result<(Me, String), AppError> {
        let expired = || {
            AppError::new(
                ErrorKind::Unauthenticated,
                "The sign-in through the identity provider has expired. Start again with the provider's button.",
            )
        };
        let awaiting = self.awaiting(session).await.ok_or_else(expired)?;
        let user = self
            .store
            .user_by_id(awaiting.user_id)
            .await
            .or_internal("loading a user")?
            .filter(|u| !u.disabled && u.session_epoch == awaiting.epoch)
            .ok_or_else(expired)?;
        let secret = user.totp_secret.clone().ok_or_else(|| {
            code_error("You have no authenticator app set up here: use your passkey instead.")
        })?;
        let attempt = self
            .throttle
            .admit(&user.username, info.client)
            .await
            .map_err(AppError::too_many_requests)?;
        let who = Who {
            username: &user.username,
            client: info.client,
            request_id: &info.request_id,
        };
        if !self
            .second_factor(info, &user, &secret, &normalise_code(code))
            .await?
        {
            self.sign_in_failed(&user.username, attempt);
            self.audit_sign_in(
                who,
                &user.username,
                AuditOutcome::Failed,
                Some("wrong code after the identity provider's sign-in".into()),
            )
            .await;
            return Err(code_error(BAD_CODE));
        }
        self.throttle.succeeded(attempt);
        let detail = if awaiting.id_token.is_some() {
            "through the identity provider, with bosun's code"
        } else {
            "with a password and bosun's code"
        };
        let provider_session = awaiting.id_token.map(|id_token| ProviderSession {
            id_token,
            second_factor: false,
        });
        self.bind_session(session, &user, provider_session).await?;
        self.audit_sign_in(who, &user.username, AuditOutcome::Ok, Some(detail.into()))
            .await;
        Ok((self.signed_in_me(&user).await, awaiting.next))
    }
}
