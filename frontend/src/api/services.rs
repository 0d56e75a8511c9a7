//! The Services page's server functions: the overview, start/stop/restart, scale.

use leptos::prelude::*;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::parse_field;
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
        ctx::ports()?.services.overview(&actor, &view).await
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
        let project: crate::model::ProjectName = parse_field("project", &project)?;
        let service: crate::model::ServiceName = parse_field("service", &service)?;
        let action: crate::model::ContainerAction = parse_field("action", &action)?;
        let actor = ctx::actor::<crate::authz::OperatorRole>()?;
        ctx::ports()?
            .services
            .service_action(&actor, &project, &service, action)
            .await
    })
    .await
}

/// Start, stop or restart one container.
#[server(prefix = "/sfn", endpoint = "operator/act_on_container")]
pub async fn act_on_container(container: String, action: String) -> Result<ActionReport, AppError> {
    ctx::run(async move {
        let container: crate::model::ContainerRef = parse_field("container", &container)?;
        let action: crate::model::ContainerAction = parse_field("action", &action)?;
        let actor = ctx::actor::<crate::authz::OperatorRole>()?;
        ctx::ports()?
            .services
            .container_action(&actor, &container, action)
            .await
    })
    .await
}

/// Set a service's replica count.
#[server(prefix = "/sfn", endpoint = "operator/scale_service")]
pub async fn scale_service(
    project: String,
    service: String,
    replicas: String,
    allow_database: bool,
) -> Result<crate::model::ScaleReport, AppError> {
    ctx::run(async move {
        let project: crate::model::ProjectName = parse_field("project", &project)?;
        let service: crate::model::ServiceName = parse_field("service", &service)?;
        let replicas = super::replicas(&replicas)?;
        let actor = ctx::actor::<crate::authz::OperatorRole>()?;
        ctx::ports()?
            .services
            .scale(
                &actor,
                &project,
                &service,
                crate::model::ScaleRequest {
                    replicas,
                    allow_database,
                },
            )
            .await
    })
    .await
}
