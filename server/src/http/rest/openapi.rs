use axum::extract::State;
use axum::response::IntoResponse;
use bosun_frontend::authz::ViewerRole;
use bosun_frontend::error::AppError;

use crate::http::AppState;
use crate::http::extract::Auth;

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta",
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json"), (status = 401, body = AppError)))]
pub async fn document(
    State(state): State<AppState>,
    Auth(_actor): Auth<ViewerRole>,
) -> impl IntoResponse {
    (
        [(http::header::CONTENT_TYPE, "application/json")],
        state.openapi_json.as_str().to_owned(),
    )
}
