//! Notification targets (admin): list with recent deliveries, add, delete, send a test.

use axum::Json;
use axum::extract::State;
use bosun_frontend::authz::AdminRole;
use bosun_frontend::error::AppError;
use bosun_frontend::model::{NewWebhook, TestReport, WebhookDto, WebhooksView};
use bosun_frontend::ports::WebhooksPort;
use http::StatusCode;

use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Auth, JsonBody, PathParams};

/// The webhook targets (URLs shortened: they often hold a secret) and the last 50 deliveries.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "notifications",
    security(("session" = ["admin"]), ("token" = ["admin"])),
    responses((status = 200, body = WebhooksView), (status = 401, body = AppError), (status = 403, body = AppError)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth<AdminRole>,
) -> Result<Json<WebhooksView>, ApiError> {
    Ok(Json(state.app.webhooks.view(&actor).await?))
}

/// Adds a target for the events given. Deliveries are retried 4 times over about 6 minutes.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "notifications", request_body = NewWebhook,
    security(("session" = ["admin"]), ("token" = ["admin"])),
    responses((status = 201, body = WebhookDto), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 409, body = AppError)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(actor): Auth<AdminRole>,
    JsonBody(webhook): JsonBody<NewWebhook>,
) -> Result<(StatusCode, Json<WebhookDto>), ApiError> {
    let created = state.app.webhooks.create(&actor, webhook).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "notifications",
    params(("id" = i64, Path, description = "Webhook id")),
    security(("session" = ["admin"]), ("token" = ["admin"])),
    responses((status = 204, description = "Deleted"), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError)))]
pub async fn delete(
    State(state): State<AppState>,
    Auth(actor): Auth<AdminRole>,
    PathParams(id): PathParams<i64>,
) -> Result<StatusCode, ApiError> {
    state.app.webhooks.delete(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sends a test notification now (one attempt) and says how the target answered.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/test", tag = "notifications",
    params(("id" = i64, Path, description = "Webhook id")),
    security(("session" = ["admin"]), ("token" = ["admin"])),
    responses((status = 200, body = TestReport), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError)))]
pub async fn test(
    State(state): State<AppState>,
    Auth(actor): Auth<AdminRole>,
    PathParams(id): PathParams<i64>,
) -> Result<Json<TestReport>, ApiError> {
    Ok(Json(state.app.webhooks.test(&actor, id).await?))
}
