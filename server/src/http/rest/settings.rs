//! Settings admins keep in bosun.

use axum::Json;
use axum::extract::State;
use bosun_frontend::authz::AdminRole;
use bosun_frontend::error::AppError;
use bosun_frontend::model::SecuritySettings;
use bosun_frontend::ports::SettingsPort;

use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Auth, JsonBody};

/// Security settings: the roles that must use two-factor sign-in.
#[utoipa::path(get, path = "/api/v1/settings/security", tag = "settings",
    security(("session" = ["admin"]), ("token" = ["admin"])),
    responses((status = 200, body = SecuritySettings), (status = 401, body = AppError), (status = 403, body = AppError)))]
pub async fn security(
    State(state): State<AppState>,
    Auth(actor): Auth<AdminRole>,
) -> Result<Json<SecuritySettings>, ApiError> {
    Ok(Json(state.app.settings.security(&actor).await?))
}

/// Sets the security settings. Users of a role that now requires two-factor sign-in and
/// have none can only set it up (on Account) until they do.
#[utoipa::path(put, path = "/api/v1/settings/security", tag = "settings", request_body = SecuritySettings,
    security(("session" = ["admin"]), ("token" = ["admin"])),
    responses((status = 200, body = SecuritySettings), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError)))]
pub async fn set_security(
    State(state): State<AppState>,
    Auth(actor): Auth<AdminRole>,
    JsonBody(settings): JsonBody<SecuritySettings>,
) -> Result<Json<SecuritySettings>, ApiError> {
    Ok(Json(
        state.app.settings.set_security(&actor, settings).await?,
    ))
}
