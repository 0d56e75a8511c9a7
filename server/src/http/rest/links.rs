use axum::Json;
use axum::extract::State;
use bosun_frontend::authz::ViewerRole;
use bosun_frontend::error::AppError;
use bosun_frontend::model::LinkDto;
use bosun_frontend::ports::LinksPort;

use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Auth, BrowserHost};

/// Links to the stack's monitors (labels `bosun.link.url`/`bosun.link.title`, and Flower,
/// Grafana, RabbitMQ management, InfluxDB, pgAdmin, Prometheus found by image and port),
/// each checked for reachability by bosun (2 s timeout, cached 30 s).
#[utoipa::path(get, path = "/api/v1/links", tag = "services",
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, body = Vec<LinkDto>), (status = 401, body = AppError)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth<ViewerRole>,
    BrowserHost(host): BrowserHost,
) -> Result<Json<Vec<LinkDto>>, ApiError> {
    Ok(Json(state.app.links.links(&actor, &host).await?))
}
