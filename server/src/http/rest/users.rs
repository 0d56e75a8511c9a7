use axum::Json;
use axum::extract::State;
use bosun_frontend::authz::AdminRole;
use bosun_frontend::error::AppError;
use bosun_frontend::model::{NewUser, UserDto, UserPatch};
use bosun_frontend::ports::UsersPort;
use http::StatusCode;

use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Auth, JsonBody, PathParams};

/// All users.
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    security(("session" = ["admin"]), ("token" = ["admin"])),
    responses((status = 200, body = Vec<UserDto>), (status = 401, body = AppError), (status = 403, body = AppError)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth<AdminRole>,
) -> Result<Json<Vec<UserDto>>, ApiError> {
    Ok(Json(state.app.users.list(&actor).await?))
}

/// Create a user. They must change the password at first sign-in.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUser,
    security(("session" = ["admin"]), ("token" = ["admin"])),
    responses((status = 201, body = UserDto), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 409, body = AppError)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(actor): Auth<AdminRole>,
    JsonBody(input): JsonBody<NewUser>,
) -> Result<(StatusCode, Json<UserDto>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.users.create(&actor, input).await?),
    ))
}

/// One user.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = i64, Path, description = "User id")),
    security(("session" = ["admin"]), ("token" = ["admin"])),
    responses((status = 200, body = UserDto), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError)))]
pub async fn get(
    State(state): State<AppState>,
    Auth(actor): Auth<AdminRole>,
    PathParams(id): PathParams<i64>,
) -> Result<Json<UserDto>, ApiError> {
    let users = state.app.users.list(&actor).await?;
    users
        .into_iter()
        .find(|u| u.id == id)
        .map(Json)
        .ok_or_else(|| {
            ApiError(AppError::not_found(format!(
                "There is no user with id {id}."
            )))
        })
}

/// Change a user's role, enable or disable them, or reset their password.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", request_body = UserPatch,
    params(("id" = i64, Path, description = "User id")),
    security(("session" = ["admin"]), ("token" = ["admin"])),
    responses((status = 200, body = UserDto), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError), (status = 409, body = AppError)))]
pub async fn update(
    State(state): State<AppState>,
    Auth(actor): Auth<AdminRole>,
    PathParams(id): PathParams<i64>,
    JsonBody(patch): JsonBody<UserPatch>,
) -> Result<Json<UserDto>, ApiError> {
    Ok(Json(state.app.users.update(&actor, id, patch).await?))
}

/// Delete a user, their tokens and sessions.
#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = i64, Path, description = "User id")),
    security(("session" = ["admin"]), ("token" = ["admin"])),
    responses((status = 204, description = "Deleted"), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError), (status = 409, body = AppError)))]
pub async fn delete(
    State(state): State<AppState>,
    Auth(actor): Auth<AdminRole>,
    PathParams(id): PathParams<i64>,
) -> Result<StatusCode, ApiError> {
    state.app.users.delete(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Turn a user's two-factor sign-in off (a lost phone); their sessions end and they set it
/// up again (at next sign-in, when their role requires it).
#[utoipa::path(delete, path = "/api/v1/users/{id}/totp", tag = "users",
    params(("id" = i64, Path, description = "User id")),
    security(("session" = ["admin"]), ("token" = ["admin"])),
    responses((status = 200, body = UserDto), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError), (status = 409, body = AppError)))]
pub async fn reset_totp(
    State(state): State<AppState>,
    Auth(actor): Auth<AdminRole>,
    PathParams(id): PathParams<i64>,
) -> Result<Json<UserDto>, ApiError> {
    Ok(Json(state.app.users.reset_totp(&actor, id).await?))
}
