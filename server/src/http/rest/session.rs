use axum::Json;
use axum::extract::State;
use bosun_frontend::authz::SelfService;
use bosun_frontend::error::AppError;
use bosun_frontend::model::{Credentials, Me};
use bosun_frontend::ports::AccountPort;
use http::StatusCode;
use http::request::Parts;

use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Auth, JsonBody};

/// Sign in: sets the session cookie.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = Credentials,
    security(()),
    responses(
        (status = 200, description = "Signed in", body = Me),
        (status = 400, description = "Malformed body", body = AppError),
        (status = 401, description = "Wrong user name or password; or, with `field: \"code\"`, the second factor is needed or wrong", body = AppError),
        (status = 403, description = "Account disabled", body = AppError),
        (status = 429, description = "Too many failures; see Retry-After", body = AppError),
    ))]
pub async fn login(
    State(state): State<AppState>,
    parts: Parts,
    JsonBody(c): JsonBody<Credentials>,
) -> Result<Json<Me>, ApiError> {
    Ok(Json(
        state
            .app
            .account
            .login(&parts, c.username, c.password, c.code)
            .await?,
    ))
}

/// Sign out this session.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    security(("session" = ["self"]), ("token" = ["self"])),
    responses((status = 204, description = "Signed out"), (status = 401, body = AppError)))]
pub async fn logout(
    State(state): State<AppState>,
    Auth(_actor): Auth<SelfService>,
    parts: Parts,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .account
        .logout(&parts)
        .await
        .map_err(ApiError::from)?;
    Ok(StatusCode::NO_CONTENT)
}
