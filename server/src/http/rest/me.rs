use axum::Json;
use axum::extract::State;
use bosun_frontend::authz::SelfService;
use bosun_frontend::error::AppError;
use bosun_frontend::model::passkey::PasskeyDto;
use bosun_frontend::model::{Me, PasswordChange, RecoveryCodes, TotpCode, TotpDisable, TotpSetup};
use bosun_frontend::ports::AccountPort;
use http::StatusCode;

use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Auth, JsonBody, PathParams};

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "me",
    security(("session" = ["self"]), ("token" = ["self"])),
    responses((status = 200, body = Me), (status = 401, body = AppError)))]
pub async fn me(
    State(state): State<AppState>,
    Auth(actor): Auth<SelfService>,
) -> Result<Json<Me>, ApiError> {
    Ok(Json(state.app.account.me(&actor).await?))
}

/// Change your own password. Ends all your sessions.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "me", request_body = PasswordChange,
    security(("session" = ["self"]), ("token" = ["self"])),
    responses((status = 204, description = "Changed"), (status = 400, body = AppError), (status = 401, body = AppError), (status = 429, body = AppError)))]
pub async fn change_password(
    State(state): State<AppState>,
    Auth(actor): Auth<SelfService>,
    JsonBody(change): JsonBody<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    state.app.account.change_password(&actor, change).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sign out all your sessions, everywhere. API tokens stay valid.
#[utoipa::path(delete, path = "/api/v1/me/sessions", tag = "me",
    security(("session" = ["self"]), ("token" = ["self"])),
    responses((status = 204, description = "Signed out everywhere"), (status = 401, body = AppError)))]
pub async fn logout_all(
    State(state): State<AppState>,
    Auth(actor): Auth<SelfService>,
) -> Result<StatusCode, ApiError> {
    state.app.account.logout_all(&actor).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Start setting up two-factor sign-in: a new secret, with its otpauth URL and QR code.
/// Confirm with `POST /api/v1/me/totp/confirm`.
#[utoipa::path(post, path = "/api/v1/me/totp", tag = "me",
    security(("session" = ["self"]), ("token" = ["self"])),
    responses((status = 200, body = TotpSetup), (status = 401, body = AppError), (status = 409, body = AppError)))]
pub async fn totp_start(
    State(state): State<AppState>,
    Auth(actor): Auth<SelfService>,
) -> Result<Json<TotpSetup>, ApiError> {
    Ok(Json(state.app.account.totp_start(&actor).await?))
}

/// Confirm the set-up with a code from the app: two-factor sign-in is on from now, and the
/// answer holds ten single-use recovery codes, shown only this once.
#[utoipa::path(post, path = "/api/v1/me/totp/confirm", tag = "me", request_body = TotpCode,
    security(("session" = ["self"]), ("token" = ["self"])),
    responses((status = 200, body = RecoveryCodes), (status = 400, body = AppError), (status = 401, body = AppError), (status = 409, body = AppError), (status = 429, body = AppError)))]
pub async fn totp_confirm(
    State(state): State<AppState>,
    Auth(actor): Auth<SelfService>,
    JsonBody(code): JsonBody<TotpCode>,
) -> Result<Json<RecoveryCodes>, ApiError> {
    Ok(Json(state.app.account.totp_confirm(&actor, code).await?))
}

/// Turn two-factor sign-in off (needs the password; 409 when your role requires it).
#[utoipa::path(delete, path = "/api/v1/me/totp", tag = "me", request_body = TotpDisable,
    security(("session" = ["self"]), ("token" = ["self"])),
    responses((status = 204, description = "Off"), (status = 400, body = AppError), (status = 401, body = AppError), (status = 409, body = AppError), (status = 429, body = AppError)))]
pub async fn totp_disable(
    State(state): State<AppState>,
    Auth(actor): Auth<SelfService>,
    JsonBody(request): JsonBody<TotpDisable>,
) -> Result<StatusCode, ApiError> {
    state.app.account.totp_disable(&actor, request).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Your passkeys: where each works, when it was last used. Adding one is a browser ceremony
/// (WebAuthn), on the Account page.
#[utoipa::path(get, path = "/api/v1/me/passkeys", tag = "me",
    security(("session" = ["self"]), ("token" = ["self"])),
    responses((status = 200, body = Vec<PasskeyDto>), (status = 401, body = AppError)))]
pub async fn passkeys(
    State(state): State<AppState>,
    Auth(actor): Auth<SelfService>,
) -> Result<Json<Vec<PasskeyDto>>, ApiError> {
    Ok(Json(state.app.account.passkeys(&actor).await?))
}

/// Revoke one of your passkeys (409 when it is the last second factor your role requires).
#[utoipa::path(delete, path = "/api/v1/me/passkeys/{id}", tag = "me",
    params(("id" = i64, Path, description = "Passkey id")),
    security(("session" = ["self"]), ("token" = ["self"])),
    responses((status = 204, description = "Revoked"), (status = 401, body = AppError), (status = 404, body = AppError), (status = 409, body = AppError)))]
pub async fn revoke_passkey(
    State(state): State<AppState>,
    Auth(actor): Auth<SelfService>,
    PathParams(id): PathParams<i64>,
) -> Result<StatusCode, ApiError> {
    state.app.account.passkey_revoke(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
