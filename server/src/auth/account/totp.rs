//! Two-factor sign-in set up by the user: start (secret and QR), confirm with a code (and get
//! recovery codes), turn off with the password.

use super::*;

impl AccountService {
    pub(super) async fn enrol_start(&self, actor: &AnyUser) -> Result<TotpSetup, AppError> {
        let result = async {
            let user = self.current_user(actor).await?;
            if user.totp_secret.is_some() {
                return Err(AppError::conflict(
                    "Two-factor sign-in is on already. Turn it off first to set up a new phone.",
                ));
            }
            let secret = crate::auth::totp::new_secret();
            let setup = crate::auth::totp::setup(&secret, &user.username)
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

    pub(super) async fn enrol_confirm(
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
            let Some(step) = crate::auth::totp::verify(&pending, &code, crate::auth::totp::now_secs()) else {
                self.sign_in_failed(&user.username, attempt);
                return Err(AppError::bad_request(
                    "code",
                    "That code is not right. Check the phone's clock, then enter the code it shows now.",
                ));
            };
            self.throttle.succeeded(attempt);
            let codes = crate::auth::totp::recovery_codes();
            let hashes: Vec<String> = codes
                .iter()
                .map(|c| crate::auth::token_hash(&normalise_code(c)))
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

    pub(super) async fn turn_off(
        &self,
        actor: &AnyUser,
        request: TotpDisable,
    ) -> Result<(), AppError> {
        let result = async {
            let user = self.current_user(actor).await?;
            if user.totp_secret.is_none() {
                return Err(AppError::conflict("Two-factor sign-in is not on."));
            }
            if user.passkeys == 0 && self.required().await.contains(&user.role()) {
                return Err(AppError::conflict(format!(
                    "Users with the {} role must keep two-factor sign-in: add a passkey first, or keep the app. If you lost your phone, sign in with a recovery code, or ask an admin to reset it.",
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
