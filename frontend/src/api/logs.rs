//! Checking a log query before the Logs page follows it.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::RawLogQuery;

#[cfg(feature = "ssr")]
use super::ctx;

/// What the picker offers: every project, service and container by name.
#[server(prefix = "/sfn", endpoint = "viewer/log_targets")]
pub async fn load_log_targets() -> Result<crate::model::log_targets::LogTargets, AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::ViewerRole>()?;
        Ok(ctx::ports()?.services.log_targets(&actor))
    })
    .await
}

/// Validates a log query (parameters, filter) before the page follows it.
#[server(prefix = "/sfn", endpoint = "viewer/check_log_query", input = server_fn::codec::Json)]
pub async fn check_log_query(query: RawLogQuery) -> Result<(), AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::ViewerRole>()?;
        ctx::ports()?.logs.check(&actor, query).await
    })
    .await
}
