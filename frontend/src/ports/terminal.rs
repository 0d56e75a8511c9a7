//! The browser terminal's port: whether the caller may open one. The terminal itself is a
//! WebSocket of the REST API (`/api/v1/containers/{id}/terminal`), not a server function.

use async_trait::async_trait;

use crate::authz::Viewer;
use crate::model::terminal::TerminalAccess;

#[async_trait]
pub trait TerminalPort: Send + Sync {
    /// Whether `actor` may open terminals on this bosun (`BOSUN_TERMINAL`), and if not, why.
    fn access(&self, actor: &Viewer) -> TerminalAccess;
}
