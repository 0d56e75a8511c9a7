//! The always-on stats history: what a page reads to chart a service's recent CPU and memory.
//! The live stats stream over REST (`/api/v1/stats/events`), not a server function.

use async_trait::async_trait;

use crate::authz::Viewer;
use crate::error::AppError;
use crate::model::{HistoryQuery, StatsHistory};

#[async_trait]
pub trait StatsPort: Send + Sync {
    /// The samples of the service's containers (or the one container) within the range,
    /// oldest first, containers sorted by name. 404 when nothing matches.
    async fn history(&self, actor: &Viewer, query: HistoryQuery) -> Result<StatsHistory, AppError>;
}
