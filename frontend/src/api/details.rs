//! A container's details page: the container in full, and one hidden value for an admin.

use leptos::prelude::*;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::parse_field;
use crate::model::details::{ContainerDetails, RevealedVar};

#[cfg(feature = "ssr")]
use super::ctx;

/// The container in full (secret-looking values left out).
#[server(prefix = "/sfn", endpoint = "viewer/container_details")]
pub async fn load_details(id: String) -> Result<ContainerDetails, AppError> {
    ctx::run(async move {
        let id: crate::model::ContainerRef = parse_field("id", &id)?;
        let actor = ctx::actor::<crate::authz::ViewerRole>()?;
        ctx::ports()?.services.details(&actor, &id).await
    })
    .await
}

/// One hidden variable's value (admins; audited).
#[server(prefix = "/sfn", endpoint = "admin/reveal_variable")]
pub async fn reveal_variable(id: String, name: String) -> Result<RevealedVar, AppError> {
    ctx::run(async move {
        let id: crate::model::ContainerRef = parse_field("id", &id)?;
        let actor = ctx::actor::<crate::authz::AdminRole>()?;
        let value = ctx::ports()?.services.reveal(&actor, &id, &name).await?;
        Ok(RevealedVar { name, value })
    })
    .await
}

/// A project's compose files, read-only (secret-looking values hidden).
#[server(prefix = "/sfn", endpoint = "viewer/compose_files")]
pub async fn load_compose(
    project: String,
) -> Result<crate::model::details::ComposeFiles, AppError> {
    ctx::run(async move {
        let project: crate::model::ProjectName = parse_field("project", &project)?;
        let actor = ctx::actor::<crate::authz::ViewerRole>()?;
        ctx::ports()?.services.compose(&actor, &project).await
    })
    .await
}
