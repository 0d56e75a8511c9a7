//! The always-on stats history of a service, for the page's charts.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::StatsHistory;

#[cfg(feature = "ssr")]
use super::ctx;

/// CPU and memory of the service's containers over `range` (`1h`, `6h` or `24h`), oldest
/// first, as sampled whether or not anyone watched (`BOSUN_STATS_HISTORY`).
#[server(prefix = "/sfn", endpoint = "viewer/stats_history")]
pub async fn load_stats_history(
    project: String,
    service: String,
    range: String,
) -> Result<StatsHistory, AppError> {
    ctx::run(async move {
        let query = crate::model::RawHistoryQuery {
            project: Some(project),
            service: Some(service),
            container: None,
            range: Some(range),
        }
        .parse()?;
        let actor = ctx::actor::<crate::authz::ViewerRole>()?;
        ctx::ports()?.stats.history(&actor, query).await
    })
    .await
}
