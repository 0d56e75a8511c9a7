use axum::Json;
use axum::extract::State;
use bosun_frontend::authz::{OperatorRole, ViewerRole};
use bosun_frontend::error::AppError;
use bosun_frontend::model::{
    ActionReport, ContainerAction, ProjectDto, ProjectName, ScaleReport, ScaleRequest, ServiceDto,
    ServiceName,
};
use bosun_frontend::ports::{ServicesPort, ViewOptions};
use serde::Deserialize;

use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Auth, BrowserHost, JsonBody, PathParams, QueryParams, param};

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ViewQuery {
    /// Include one-off (`compose run`) containers.
    pub oneoff: Option<bool>,
}

impl ViewQuery {
    pub fn options(&self, host: String) -> ViewOptions {
        ViewOptions {
            host,
            include_oneoff: self.oneoff.unwrap_or(false),
        }
    }
}

/// Every compose project on the host, with services and containers.
#[utoipa::path(get, path = "/api/v1/projects", tag = "services", params(ViewQuery),
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, body = Vec<ProjectDto>), (status = 400, body = AppError), (status = 401, body = AppError)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth<ViewerRole>,
    BrowserHost(host): BrowserHost,
    QueryParams(q): QueryParams<ViewQuery>,
) -> Result<Json<Vec<ProjectDto>>, ApiError> {
    let overview = state
        .app
        .services
        .overview(&actor, &q.options(host))
        .await?;
    Ok(Json(overview.projects))
}

/// One project.
#[utoipa::path(get, path = "/api/v1/projects/{project}", tag = "services",
    params(("project" = String, Path, description = "Compose project name"), ViewQuery),
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, body = ProjectDto), (status = 400, body = AppError), (status = 401, body = AppError), (status = 404, body = AppError)))]
pub async fn get(
    State(state): State<AppState>,
    Auth(actor): Auth<ViewerRole>,
    BrowserHost(host): BrowserHost,
    PathParams(project): PathParams<String>,
    QueryParams(q): QueryParams<ViewQuery>,
) -> Result<Json<ProjectDto>, ApiError> {
    let project: ProjectName = param("project", &project)?;
    Ok(Json(state.app.services.project(
        &actor,
        &q.options(host),
        &project,
    )?))
}

/// One service of a project.
#[utoipa::path(get, path = "/api/v1/projects/{project}/services/{service}", tag = "services",
    params(("project" = String, Path, description = "Compose project name"), ("service" = String, Path, description = "Service name"), ViewQuery),
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, body = ServiceDto), (status = 400, body = AppError), (status = 401, body = AppError), (status = 404, body = AppError)))]
pub async fn service(
    State(state): State<AppState>,
    Auth(actor): Auth<ViewerRole>,
    BrowserHost(host): BrowserHost,
    PathParams((project, service)): PathParams<(String, String)>,
    QueryParams(q): QueryParams<ViewQuery>,
) -> Result<Json<ServiceDto>, ApiError> {
    let project: ProjectName = param("project", &project)?;
    let service: ServiceName = param("service", &service)?;
    Ok(Json(state.app.services.service(
        &actor,
        &q.options(host),
        &project,
        &service,
    )?))
}

/// Start, stop or restart every container of a service. 409 while another action on the
/// service runs; 502 naming the containers the engine refused.
#[utoipa::path(post, path = "/api/v1/projects/{project}/services/{service}/{action}", tag = "services",
    params(("project" = String, Path, description = "Compose project name"), ("service" = String, Path, description = "Service name"), ("action" = ContainerAction, Path, description = "start, stop or restart")),
    security(("session" = ["operator"]), ("token" = ["operator"])),
    responses((status = 200, body = ActionReport), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError), (status = 409, body = AppError), (status = 502, body = AppError), (status = 503, body = AppError)))]
pub async fn service_action(
    State(state): State<AppState>,
    Auth(actor): Auth<OperatorRole>,
    PathParams((project, service, action)): PathParams<(String, String, String)>,
) -> Result<Json<ActionReport>, ApiError> {
    let project: ProjectName = param("project", &project)?;
    let service: ServiceName = param("service", &service)?;
    let action: ContainerAction = param("action", &action)?;
    Ok(Json(
        state
            .app
            .services
            .service_action(&actor, &project, &service, action)
            .await?,
    ))
}

/// Sets how many containers the service runs, cloning its newest container's configuration
/// for new ones and removing the highest numbers first. Progress shows on
/// `/api/v1/overview/events` (the service's `busy` and `progress`). 409 for a fixed host
/// port, a database without `"override": true`, or another action on the service.
#[utoipa::path(post, path = "/api/v1/projects/{project}/services/{service}/scale", tag = "services",
    params(("project" = String, Path, description = "Compose project name"), ("service" = String, Path, description = "Service name")),
    request_body = ScaleRequest,
    security(("session" = ["operator"]), ("token" = ["operator"])),
    responses((status = 200, body = ScaleReport), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError), (status = 409, body = AppError), (status = 502, body = AppError), (status = 503, body = AppError)))]
pub async fn scale(
    State(state): State<AppState>,
    Auth(actor): Auth<OperatorRole>,
    PathParams((project, service)): PathParams<(String, String)>,
    JsonBody(request): JsonBody<ScaleRequest>,
) -> Result<Json<ScaleReport>, ApiError> {
    let project: ProjectName = param("project", &project)?;
    let service: ServiceName = param("service", &service)?;
    Ok(Json(
        state
            .app
            .services
            .scale(&actor, &project, &service, request)
            .await?,
    ))
}

/// The project's compose files as compose recorded them (`config_files`, `working_dir`),
/// read-only, with the values of secret-looking keys replaced by `••••••`. A file bosun cannot
/// read (it runs in a container without that directory mounted) says which directory to mount.
#[utoipa::path(get, path = "/api/v1/projects/{project}/compose", tag = "services",
    params(("project" = String, Path, description = "Compose project name")),
    security(("session" = ["viewer"]), ("token" = ["viewer"])),
    responses((status = 200, body = bosun_frontend::model::details::ComposeFiles), (status = 400, body = AppError), (status = 401, body = AppError), (status = 404, body = AppError)))]
pub async fn compose(
    State(state): State<AppState>,
    Auth(actor): Auth<ViewerRole>,
    PathParams(project): PathParams<String>,
) -> Result<Json<bosun_frontend::model::details::ComposeFiles>, ApiError> {
    let project: ProjectName = param("project", &project)?;
    Ok(Json(state.app.services.compose(&actor, &project).await?))
}
