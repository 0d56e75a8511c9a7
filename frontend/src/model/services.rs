//! What the Services page and `/api/v1/projects` show: projects, services, containers, and
//! what an action or a scale did to them.

use serde::{Deserialize, Serialize};

use super::link::LinkDto;
use super::names::ContainerAction;
use super::scale::{DbEngine, Progress, ScalePlan};

/// Everything on the host, grouped the way compose groups it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Overview {
    pub projects: Vec<ProjectDto>,
    /// Containers that belong to no compose project.
    pub other: Vec<ContainerDto>,
    pub engine: InventoryState,
    /// The most replicas a service may be scaled to here.
    pub max_replicas: u32,
    /// A digest of the rest of this picture. Pass it as `have` when opening
    /// `/api/v1/overview/events`, and the stream starts with the next change instead of
    /// repeating this. Each frame's event id is its own digest; the frames leave this empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub revision: String,
}

/// How fresh the picture is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct InventoryState {
    /// The engine answers and its events are being followed.
    pub connected: bool,
    /// When the containers were last read in full (RFC 3339).
    pub synced_at: Option<String>,
    /// Set while disconnected: since when the picture may be stale.
    pub disconnected_since: Option<String>,
    /// The last time the engine was unreachable, once it is back.
    pub last_outage: Option<Outage>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Outage {
    pub from: String,
    pub to: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProjectDto {
    pub name: String,
    /// `com.docker.compose.project.working_dir`, where it was started from.
    pub working_dir: Option<String>,
    pub config_files: Option<String>,
    /// Networks its containers are attached to, and which other projects share each one.
    pub networks: Vec<NetworkDto>,
    pub services: Vec<ServiceDto>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NetworkDto {
    pub name: String,
    /// Other projects with containers on this network.
    pub shared_with: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ServiceDto {
    pub name: String,
    /// The image of its newest container.
    pub image: String,
    pub running: u32,
    pub containers: Vec<ContainerDto>,
    pub links: Vec<LinkDto>,
    /// The action running on it now ("stopping", "scaling to 3: created #3"), if any.
    pub busy: Option<String>,
    /// How far that action has got.
    pub progress: Option<Progress>,
    /// Why it cannot run more than one replica (a fixed host port), if so.
    pub single_replica: Option<String>,
    /// Set when it is a database: scaling asks for an explicit override.
    pub database: Option<DbEngine>,
    /// Whether its image has a newer build, and its latest update run.
    pub update: Option<super::updates::ServiceUpdate>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ContainerState {
    Created,
    Running,
    Paused,
    Restarting,
    Removing,
    Exited,
    Dead,
}

impl ContainerState {
    pub fn as_str(self) -> &'static str {
        match self {
            ContainerState::Created => "created",
            ContainerState::Running => "running",
            ContainerState::Paused => "paused",
            ContainerState::Restarting => "restarting",
            ContainerState::Removing => "removing",
            ContainerState::Exited => "exited",
            ContainerState::Dead => "dead",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Health {
    Starting,
    Healthy,
    Unhealthy,
}

impl Health {
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Starting => "starting",
            Health::Healthy => "healthy",
            Health::Unhealthy => "unhealthy",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ContainerDto {
    /// The full container id.
    pub id: String,
    pub name: String,
    pub project: Option<String>,
    pub service: Option<String>,
    /// `com.docker.compose.container-number`.
    pub number: Option<u32>,
    /// A `compose run` container.
    pub oneoff: bool,
    pub state: ContainerState,
    pub health: Option<Health>,
    /// Like `docker ps`: "Up 5 minutes (healthy)", "Exited (137) 2 minutes ago".
    pub status: String,
    pub image: String,
    pub ports: Vec<PortDto>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub restart_count: i64,
    /// Set when it is not running.
    pub exit_code: Option<i64>,
    pub oom_killed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PortDto {
    pub container_port: u16,
    /// `tcp`, `udp` or `sctp`.
    pub protocol: String,
    pub host_ip: Option<String>,
    pub host_port: Option<u16>,
    /// `http(s)://<the host the browser used>:<host port>` for published TCP ports.
    pub url: Option<String>,
}

/// What a lifecycle action did, container by container.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ActionReport {
    pub action: ContainerAction,
    /// `project/service`, or the container name.
    pub target: String,
    pub containers: Vec<ContainerOutcome>,
    pub took_ms: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ContainerOutcome {
    pub id: String,
    pub name: String,
    pub number: Option<u32>,
    /// The state afterwards.
    pub state: Option<ContainerState>,
}

/// What scaling did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ScaleReport {
    /// `project/service`.
    pub target: String,
    pub replicas: u32,
    pub plan: ScalePlan,
    /// Every container of the service afterwards, by number.
    pub containers: Vec<ContainerOutcome>,
    pub took_ms: u64,
}

impl ContainerOutcome {
    /// `#2 running`, as results list containers.
    pub fn summary(&self) -> String {
        format!(
            "#{} {}",
            self.number.unwrap_or(0),
            self.state.map_or("unknown", |s| s.as_str())
        )
    }
}

impl ProjectDto {
    pub fn service(&self, name: &str) -> Option<&ServiceDto> {
        self.services.iter().find(|s| s.name == name)
    }
}
