use axum::Json;
use axum::extract::State;
use bosun_frontend::authz::SelfService;
use bosun_frontend::error::AppError;
use bosun_frontend::model::{Me, PasswordChange};
use bosun_frontend::ports::AccountPort;
use http::StatusCode;

use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Auth, JsonBody};

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "me",
    security(("session" = ["self"]), ("token" = ["self"])),
    responses((status = 200, body = Me), (status = 401, body = AppError)))]
pub async fn me(
    State(state): State<AppState>,
    Auth(actor): Auth<SelfService>,
) -> Result<Json<Me>, ApiError> {
    Ok(Json(state.services.account.me(&actor).await?))
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
    state
        .services
        .account
        .change_password(&actor, change)
        .await?;
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
    state.services.account.logout_all(&actor).await?;
    Ok(StatusCode::NO_CONTENT)
}
