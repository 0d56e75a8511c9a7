//! Swarm services, when the engine is a Swarm manager: listed with their tasks and scaled by
//! a service update.

use serde::{Deserialize, Serialize};

/// `GET /api/v1/swarm/services`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SwarmDto {
    /// The engine is a Swarm manager; otherwise there is nothing to list.
    pub manager: bool,
    pub services: Vec<SwarmServiceDto>,
    /// The most replicas a service may be scaled to here.
    pub max_replicas: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SwarmServiceDto {
    pub id: String,
    pub name: String,
    /// `com.docker.stack.namespace`: the `docker stack deploy` stack it belongs to.
    pub stack: Option<String>,
    pub image: String,
    /// `replicated`, `global`, `replicated-job` or `global-job`.
    pub mode: String,
    /// Wanted replicas (replicated services only).
    pub replicas: Option<u64>,
    pub running: u64,
    /// Current tasks, then the most recent ended ones.
    pub tasks: Vec<SwarmTaskDto>,
    /// The action running on it now, if any.
    pub busy: Option<String>,
    /// Whether its image has a newer build, and its latest update run.
    #[serde(default)]
    pub update: Option<super::updates::ServiceUpdate>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SwarmTaskDto {
    pub id: String,
    pub slot: Option<i64>,
    pub node_id: Option<String>,
    /// `running`, `pending`, `failed`, `shutdown`, …
    pub state: String,
    pub desired_state: String,
    pub message: Option<String>,
    pub error: Option<String>,
    pub container_id: Option<String>,
    pub updated_at: Option<String>,
}

/// `POST /api/v1/swarm/services/{id}/scale` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SwarmScaleRequest {
    pub replicas: u32,
}

/// What a Swarm scale did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SwarmScaleReport {
    pub service: SwarmServiceDto,
    /// Every wanted task was running before bosun stopped waiting (60 s).
    pub converged: bool,
    pub took_ms: u64,
}
