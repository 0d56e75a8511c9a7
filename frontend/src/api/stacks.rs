use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{ActionReport, Overview};

#[cfg(feature = "ssr")]
use super::ctx;

/// The Services page's data; the page then follows `/api/v1/overview/events`.
#[server(prefix = "/sfn", endpoint = "viewer/overview")]
pub async fn load_overview(oneoff: bool) -> Result<Overview, AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::ViewerRole>()?;
        let parts = ctx::parts()?;
        let view = crate::ports::ViewOptions {
            host: crate::ports::browser_host(&parts),
            include_oneoff: oneoff,
        };
        ctx::ports()?.stacks.overview(&actor, &view).await
    })
    .await
}

/// Start, stop or restart a whole service.
#[server(prefix = "/sfn", endpoint = "operator/act_on_service")]
pub async fn act_on_service(
    project: String,
    service: String,
    action: String,
) -> Result<ActionReport, AppError> {
    ctx::run(async move {
        let project = project
            .parse::<crate::model::ProjectName>()
            .map_err(|e| AppError::bad_request("project", e.to_string()))?;
        let service = service
            .parse::<crate::model::ServiceName>()
            .map_err(|e| AppError::bad_request("service", e.to_string()))?;
        let action = action
            .parse::<crate::model::ContainerAction>()
            .map_err(|e| AppError::bad_request("action", e.to_string()))?;
        let actor = ctx::actor::<crate::authz::OperatorRole>()?;
        ctx::ports()?
            .stacks
            .service_action(&actor, &project, &service, action)
            .await
    })
    .await
}

/// Start, stop or restart one container.
#[server(prefix = "/sfn", endpoint = "operator/act_on_container")]
pub async fn act_on_container(container: String, action: String) -> Result<ActionReport, AppError> {
    ctx::run(async move {
        let container = container
            .parse::<crate::model::ContainerRef>()
            .map_err(|e| AppError::bad_request("container", e.to_string()))?;
        let action = action
            .parse::<crate::model::ContainerAction>()
            .map_err(|e| AppError::bad_request("action", e.to_string()))?;
        let actor = ctx::actor::<crate::authz::OperatorRole>()?;
        ctx::ports()?
            .stacks
            .container_action(&actor, &container, action)
            .await
    })
    .await
}
