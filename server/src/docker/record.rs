//! bollard's container description, converted once into bosun's own record.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use bollard::models::{
    ContainerInspectResponse, ContainerStateStatusEnum, HealthStatusEnum, PortBinding,
};
use bosun_frontend::model::{ContainerState, DbEngine, Health};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub const PROJECT: &str = "com.docker.compose.project";
pub const SERVICE: &str = "com.docker.compose.service";
pub const NUMBER: &str = "com.docker.compose.container-number";
pub const ONEOFF: &str = "com.docker.compose.oneoff";
pub const WORKING_DIR: &str = "com.docker.compose.project.working_dir";
pub const CONFIG_FILES: &str = "com.docker.compose.project.config_files";

/// One published (or only exposed) port.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Port {
    pub container_port: u16,
    pub protocol: String,
    pub host_ip: Option<String>,
    pub host_port: Option<u16>,
}

/// A bind mount or volume: where it comes from on the host, where the container sees it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Mount {
    /// Host path (bind mounts) or the volume's directory on the host.
    pub source: String,
    pub destination: String,
}

/// A container as bosun keeps it in memory.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub id: String,
    pub name: String,
    /// The image reference its configuration names.
    pub image: String,
    /// The id of the image it runs (`sha256:…`).
    pub image_id: String,
    pub labels: BTreeMap<String, String>,
    pub state: ContainerState,
    pub health: Option<Health>,
    pub created: Option<OffsetDateTime>,
    pub started_at: Option<OffsetDateTime>,
    pub finished_at: Option<OffsetDateTime>,
    pub exit_code: Option<i64>,
    pub oom_killed: bool,
    pub restart_count: i64,
    pub ports: Vec<Port>,
    pub networks: BTreeSet<String>,
    /// Its addresses on its networks, for reaching its ports from bosun.
    pub ips: Vec<std::net::IpAddr>,
    pub mounts: Vec<Mount>,
    /// Host ports it asks for by number (`HostConfig.PortBindings`): "8080→80/tcp".
    /// A second replica could not bind them.
    pub fixed_ports: Vec<String>,
    pub database: Option<DbEngine>,
    /// How to back the database up (names only, no secrets); `None` for other containers
    /// and for databases labelled `bosun.backup=false`.
    pub backup: Option<crate::backups::settings::DbSettings>,
}

impl Record {
    pub fn project(&self) -> Option<&str> {
        self.labels.get(PROJECT).map(String::as_str)
    }
    pub fn service(&self) -> Option<&str> {
        self.labels.get(SERVICE).map(String::as_str)
    }
    pub fn number(&self) -> Option<u32> {
        self.labels.get(NUMBER).and_then(|n| n.parse().ok())
    }
    pub fn oneoff(&self) -> bool {
        self.labels
            .get(ONEOFF)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.get(key).map(String::as_str)
    }
    pub fn is_running(&self) -> bool {
        matches!(
            self.state,
            ContainerState::Running | ContainerState::Restarting | ContainerState::Paused
        )
    }
}

#[cfg(test)]
impl Record {
    /// A running container for unit tests: TCP ports as (container, host) pairs.
    pub fn running(name: &str, image: &str, labels: &[(&str, &str)], ports: &[(u16, u16)]) -> Self {
        Record {
            id: format!("id-{name}"),
            name: name.to_owned(),
            image: image.to_owned(),
            image_id: String::new(),
            labels: labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            state: ContainerState::Running,
            health: None,
            created: None,
            started_at: None,
            finished_at: None,
            exit_code: None,
            oom_killed: false,
            restart_count: 0,
            ports: ports
                .iter()
                .map(|(c, h)| Port {
                    container_port: *c,
                    protocol: "tcp".into(),
                    host_ip: None,
                    host_port: Some(*h),
                })
                .collect(),
            networks: Default::default(),
            ips: Vec::new(),
            mounts: Vec::new(),
            fixed_ports: Vec::new(),
            database: None,
            backup: None,
        }
    }
}

/// Docker's timestamps; the zero time (`0001-01-01…`) means "never".
fn timestamp(s: Option<&str>) -> Option<OffsetDateTime> {
    let t = OffsetDateTime::parse(s?, &Rfc3339).ok()?;
    (t.year() > 1970).then_some(t)
}

fn state(s: Option<ContainerStateStatusEnum>) -> ContainerState {
    match s {
        // Still running while it stops.
        Some(ContainerStateStatusEnum::RUNNING) | Some(ContainerStateStatusEnum::STOPPING) => {
            ContainerState::Running
        }
        Some(ContainerStateStatusEnum::PAUSED) => ContainerState::Paused,
        Some(ContainerStateStatusEnum::RESTARTING) => ContainerState::Restarting,
        Some(ContainerStateStatusEnum::REMOVING) => ContainerState::Removing,
        Some(ContainerStateStatusEnum::EXITED) => ContainerState::Exited,
        Some(ContainerStateStatusEnum::DEAD) => ContainerState::Dead,
        Some(ContainerStateStatusEnum::CREATED) | Some(ContainerStateStatusEnum::EMPTY) | None => {
            ContainerState::Created
        }
    }
}

fn health(s: Option<HealthStatusEnum>) -> Option<Health> {
    match s? {
        HealthStatusEnum::STARTING => Some(Health::Starting),
        HealthStatusEnum::HEALTHY => Some(Health::Healthy),
        HealthStatusEnum::UNHEALTHY => Some(Health::Unhealthy),
        HealthStatusEnum::NONE | HealthStatusEnum::EMPTY => None,
    }
}

/// `"8080/tcp"` → (8080, "tcp").
fn port_key(key: &str) -> Option<(u16, String)> {
    let (port, proto) = key.split_once('/').unwrap_or((key, "tcp"));
    Some((port.parse().ok()?, proto.to_owned()))
}

/// The port bindings that name a host port; an empty or `0` host port is picked by the engine.
fn fixed_ports(bindings: Option<HashMap<String, Option<Vec<PortBinding>>>>) -> Vec<String> {
    let mut fixed: Vec<String> = bindings
        .unwrap_or_default()
        .into_iter()
        .flat_map(|(key, list)| {
            list.unwrap_or_default().into_iter().filter_map(move |b| {
                let host = b.host_port.filter(|p| !p.is_empty() && p != "0")?;
                Some(format!("{host}→{key}"))
            })
        })
        .collect();
    fixed.sort();
    fixed.dedup();
    fixed
}

impl From<ContainerInspectResponse> for Record {
    fn from(c: ContainerInspectResponse) -> Self {
        let config = c.config.unwrap_or_default();
        let st = c.state.unwrap_or_default();
        let net = c.network_settings.unwrap_or_default();
        let mut ports = Vec::new();
        for (key, bindings) in net.ports.unwrap_or_default() {
            let Some((container_port, protocol)) = port_key(&key) else {
                continue;
            };
            let bindings = bindings.unwrap_or_default();
            if bindings.is_empty() {
                ports.push(Port {
                    container_port,
                    protocol: protocol.clone(),
                    host_ip: None,
                    host_port: None,
                });
            }
            for b in bindings {
                ports.push(Port {
                    container_port,
                    protocol: protocol.clone(),
                    host_ip: b.host_ip.filter(|ip| !ip.is_empty()),
                    host_port: b.host_port.and_then(|p| p.parse().ok()),
                });
            }
        }
        ports.sort();
        // IPv4 and IPv6 bindings of one port are one link.
        ports.dedup_by(|a, b| {
            a.container_port == b.container_port
                && a.protocol == b.protocol
                && a.host_port == b.host_port
        });
        let running = st.running.unwrap_or(false);
        let status = state(st.status);
        let fixed_ports = fixed_ports(c.host_config.and_then(|h| h.port_bindings));
        let image = config.image.unwrap_or_default();
        let labels: BTreeMap<String, String> =
            config.labels.unwrap_or_default().into_iter().collect();
        let database = super::database::detect(
            &image,
            config.env.iter().flatten().map(String::as_str),
            labels
                .get(super::database::ENGINE_LABEL)
                .map(String::as_str),
        );
        let backup = database.and_then(|engine| {
            crate::backups::settings::settings(
                engine,
                config.env.iter().flatten().map(String::as_str),
                &labels,
            )
        });
        let networks = net.networks.unwrap_or_default();
        let mut ips: Vec<std::net::IpAddr> = networks
            .values()
            .filter_map(|n| n.ip_address.as_deref().and_then(|ip| ip.parse().ok()))
            .collect();
        ips.sort();
        ips.dedup();
        let mut mounts: Vec<Mount> = c
            .mounts
            .unwrap_or_default()
            .into_iter()
            .filter_map(|m| {
                Some(Mount {
                    source: m.source.filter(|s| !s.is_empty())?,
                    destination: m.destination.filter(|d| !d.is_empty())?,
                })
            })
            .collect();
        mounts.sort();
        Record {
            id: c.id.unwrap_or_default(),
            name: c
                .name
                .unwrap_or_default()
                .trim_start_matches('/')
                .to_owned(),
            image,
            image_id: c.image.unwrap_or_default(),
            labels,
            state: status,
            health: health(st.health.and_then(|h| h.status)),
            created: timestamp(c.created.as_deref()),
            started_at: timestamp(st.started_at.as_deref()),
            finished_at: timestamp(st.finished_at.as_deref()),
            exit_code: (!running && status != ContainerState::Created)
                .then_some(st.exit_code)
                .flatten(),
            oom_killed: st.oom_killed.unwrap_or(false),
            restart_count: c.restart_count.unwrap_or(0),
            ports,
            networks: networks.into_keys().collect(),
            ips,
            mounts,
            fixed_ports,
            database,
            backup,
        }
    }
}
