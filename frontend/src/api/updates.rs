//! Image updates for the service cards: check now, update a service, roll it back. The run's
//! progress and outcome reach the page through the live overview (and
//! `/api/v1/update-runs/{id}/events` over REST).

use leptos::prelude::*;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::parse_field;
use crate::model::{ImageUpdateDto, UpdateStarted};

#[cfg(feature = "ssr")]
use super::ctx;

/// Asks every service's registry now.
#[server(prefix = "/sfn", endpoint = "operator/check_updates")]
pub async fn check_updates() -> Result<Vec<ImageUpdateDto>, AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::OperatorRole>()?;
        ctx::ports()?.updates.check(&actor).await
    })
    .await
}

/// Updates a service to its registry's newest build (`rollback`: back to the build before).
#[server(prefix = "/sfn", endpoint = "operator/update_service")]
pub async fn update_service(
    project: String,
    service: String,
    rollback: bool,
) -> Result<UpdateStarted, AppError> {
    ctx::run(async move {
        let project: crate::model::ProjectName = parse_field("project", &project)?;
        let service: crate::model::ServiceName = parse_field("service", &service)?;
        let actor = ctx::actor::<crate::authz::OperatorRole>()?;
        let updates = ctx::ports()?.updates;
        if rollback {
            updates.rollback(&actor, &project, &service).await
        } else {
            updates.update(&actor, &project, &service).await
        }
    })
    .await
}

/// Moves a Swarm service to its registry's newest build (`rollback`: back to the one before);
/// Swarm replaces the tasks.
#[server(prefix = "/sfn", endpoint = "operator/update_swarm_service")]
pub async fn update_swarm_service(
    service: String,
    rollback: bool,
) -> Result<UpdateStarted, AppError> {
    ctx::run(async move {
        let service: crate::model::SwarmServiceRef = parse_field("service", &service)?;
        let actor = ctx::actor::<crate::authz::OperatorRole>()?;
        let kind = if rollback {
            crate::model::UpdateKind::Rollback
        } else {
            crate::model::UpdateKind::Update
        };
        ctx::ports()?
            .updates
            .update_swarm(&actor, &service, kind)
            .await
    })
    .await
}
