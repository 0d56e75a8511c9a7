//! Resource use per container, streamed while someone watches.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One frame of the stats stream. The first frame of a stream carries the whole recent
/// history (`reset`); later ones only the samples taken since.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StatsFrame {
    pub reset: bool,
    /// Seconds between samples.
    pub interval_secs: u32,
    pub containers: BTreeMap<String, ContainerStats>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ContainerStats {
    /// Oldest first; 100 = one full core.
    pub cpu_percent: Vec<f32>,
    /// Bytes in use, oldest first.
    pub memory: Vec<u64>,
    pub memory_limit: u64,
    /// Bytes received and sent since the container started.
    pub net_rx: u64,
    pub net_tx: u64,
}

/// What the collector is doing (for `GET /api/v1/stats`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StatsStatus {
    /// Open stats streams (pages watching).
    pub watchers: u32,
    /// Containers whose stats are being collected now.
    pub collecting: Vec<String>,
}
