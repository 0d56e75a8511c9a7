use axum::Json;
use axum::extract::State;
use bosun_frontend::authz::ViewerRole;
use bosun_frontend::error::AppError;
use bosun_frontend::model::{CreatedToken, NewToken, TokenDto};
use bosun_frontend::ports::TokensPort;
use http::StatusCode;

use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Auth, JsonBody, PathParams};

/// Your API tokens (never their secrets).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens",
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, body = Vec<TokenDto>), (status = 401, body = AppError)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth<ViewerRole>,
) -> Result<Json<Vec<TokenDto>>, ApiError> {
    Ok(Json(state.app.tokens.list(&actor).await?))
}

/// Create a token; the secret is in this response only.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = NewToken,
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 201, body = CreatedToken), (status = 400, body = AppError), (status = 401, body = AppError), (status = 409, body = AppError)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(actor): Auth<ViewerRole>,
    JsonBody(input): JsonBody<NewToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.tokens.create(&actor, input).await?),
    ))
}

/// Revoke one of your tokens.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens",
    params(("id" = i64, Path, description = "Token id")),
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 204, description = "Revoked"), (status = 401, body = AppError), (status = 404, body = AppError)))]
pub async fn revoke(
    State(state): State<AppState>,
    Auth(actor): Auth<ViewerRole>,
    PathParams(id): PathParams<i64>,
) -> Result<StatusCode, ApiError> {
    state.app.tokens.revoke(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
