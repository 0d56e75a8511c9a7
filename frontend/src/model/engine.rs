//! Whether bosun can reach the Docker engine right now.

use serde::{Deserialize, Serialize};

/// Whether bosun can reach the Docker engine right now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EngineStatus {
    pub connected: bool,
    /// Engine version, e.g. `20.10.24`.
    pub version: Option<String>,
    /// The API version bosun negotiated with the engine, e.g. `1.41`.
    pub api_version: Option<String>,
    /// Why the engine is unreachable, and what to check.
    pub error: Option<String>,
    /// When this state began (RFC 3339, UTC).
    pub since: String,
}
