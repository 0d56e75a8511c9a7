//! Whether the Docker engine answers, for the engine banner.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::EngineStatus;

#[cfg(feature = "ssr")]
use super::ctx;

#[server(prefix = "/sfn", endpoint = "viewer/engine_status")]
pub async fn engine_state() -> Result<EngineStatus, AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::ViewerRole>()?;
        ctx::ports()?.engine.status(&actor).await
    })
    .await
}
