use axum::Json;
use axum::extract::State;
use bosun_frontend::authz::AdminRole;
use bosun_frontend::error::AppError;
use bosun_frontend::model::{AuditEntry, AuditQuery};
use bosun_frontend::ports::AuditPort;

use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Auth, QueryParams};

/// The audit log, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    security(("session" = ["admin"]), ("token" = ["admin"])),
    responses((status = 200, body = Vec<AuditEntry>), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth<AdminRole>,
    QueryParams(query): QueryParams<AuditQuery>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    Ok(Json(state.app.audit.list(&actor, query).await?))
}
