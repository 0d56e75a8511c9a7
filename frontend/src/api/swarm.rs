//! Swarm services for the Services page, and setting their replicas.

use leptos::prelude::*;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::parse_field;
use crate::model::{SwarmDto, SwarmScaleReport};

#[cfg(feature = "ssr")]
use super::ctx;

/// Swarm services for the Services page; the page then follows `/api/v1/swarm/events`.
#[server(prefix = "/sfn", endpoint = "viewer/swarm")]
pub async fn load_swarm() -> Result<SwarmDto, AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::ViewerRole>()?;
        ctx::ports()?.swarm.overview(&actor).await
    })
    .await
}

/// Set a Swarm service's replicas.
#[server(prefix = "/sfn", endpoint = "operator/scale_swarm_service")]
pub async fn scale_swarm_service(
    service: String,
    replicas: String,
) -> Result<SwarmScaleReport, AppError> {
    ctx::run(async move {
        let service: crate::model::SwarmServiceRef = parse_field("service", &service)?;
        let replicas = super::replicas(&replicas)?;
        let actor = ctx::actor::<crate::authz::OperatorRole>()?;
        ctx::ports()?
            .swarm
            .scale(
                &actor,
                &service,
                crate::model::SwarmScaleRequest { replicas },
            )
            .await
    })
    .await
}
