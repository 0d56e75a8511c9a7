//! Replacing a container of a compose service by one on another image, as compose recreates
//! it: the same name, number, labels, networks with their aliases, mounts, environment and
//! limits, created from the old container's own description. The old container is kept under
//! another name until its replacement is proven, so it can be put back.

use std::time::Duration;

use bollard::models::{
    ContainerCreateBody, EndpointSettings, ImageConfig, NetworkConnectRequest,
    NetworkDisconnectRequest,
};
use bollard::query_parameters::{ListContainersOptions, RenameContainerOptions};
use futures::StreamExt;

use super::Engine;
use super::error::EngineError;
use super::logs::{LogRequest, read};
use super::output::Frame;
use super::record::NUMBER;
use super::template::{Blueprint, Template};

/// The container being replaced, as it was before anything changed.
#[derive(Clone, Debug)]
pub struct Old {
    pub id: String,
    pub name: String,
    pub running: bool,
    /// The image id it runs.
    pub image_id: String,
    /// The image reference its configuration names (`registry/name:tag`).
    pub reference: String,
    /// Whether it binds host ports by number (a replacement cannot run beside it).
    pub fixed_ports: bool,
    /// How long its health check may take to call it healthy, when it has one.
    pub health_budget: Option<Duration>,
}

/// A replacement, ready to be created.
pub struct Replacement {
    pub old: Old,
    blueprint: Blueprint,
    number: u32,
    hostname: Option<String>,
    labels: Vec<(String, String)>,
}

/// The engine's health-check defaults (Docker's documentation): 30 s interval and timeout,
/// 3 retries, no start period.
fn budget(check: &bollard::models::HealthConfig) -> Option<Duration> {
    let test = check.test.clone().unwrap_or_default();
    if test.is_empty() || test.first().is_some_and(|t| t == "NONE") {
        return None;
    }
    let ns = |v: Option<i64>, default: u64| {
        Duration::from_nanos(v.filter(|v| *v > 0).map_or(default, |v| v as u64))
    };
    let interval = ns(check.interval, 30_000_000_000);
    let timeout = ns(check.timeout, 30_000_000_000);
    let start = ns(check.start_period, 0);
    let retries = check.retries.filter(|r| *r > 0).unwrap_or(3) as u32;
    Some(start + (interval + timeout) * (retries + 1))
}

/// The volumes the old container got from its image's or its own `VOLUME` declarations,
/// as binds by name: compose hands them to the container that replaces it, so their data
/// goes on (a new container would get new, empty ones).
fn anonymous_volumes(inspected: &bollard::models::ContainerInspectResponse) -> Vec<String> {
    let host = inspected.host_config.clone().unwrap_or_default();
    let mut covered: Vec<String> = host
        .binds
        .iter()
        .flatten()
        .filter_map(|b| b.split(':').nth(1).map(str::to_owned))
        .collect();
    covered.extend(
        host.mounts
            .iter()
            .flatten()
            .filter_map(|m| m.target.clone()),
    );
    inspected
        .mounts
        .iter()
        .flatten()
        .filter(|m| m.typ.as_deref() == Some("volume"))
        .filter_map(|m| {
            let (name, dest) = (m.name.as_deref()?, m.destination.as_deref()?);
            let mode = if m.rw == Some(false) { "ro" } else { "rw" };
            (!covered.iter().any(|c| c == dest)).then(|| format!("{name}:{dest}:{mode}"))
        })
        .collect()
}

/// Leaves out what the container only has from its old image (command, entrypoint, working
/// dir, user, health check, environment, labels, ports, volumes), so the new image's own
/// defaults apply: compose, too, passes only what the compose file says.
fn without_image_defaults(body: &mut ContainerCreateBody, image: &ImageConfig) {
    fn same<T: PartialEq>(field: &mut Option<T>, image: &Option<T>) {
        if field.is_some() && field == image {
            *field = None;
        }
    }
    same(&mut body.cmd, &image.cmd);
    same(&mut body.entrypoint, &image.entrypoint);
    same(&mut body.working_dir, &image.working_dir);
    same(&mut body.user, &image.user);
    same(&mut body.stop_signal, &image.stop_signal);
    same(&mut body.healthcheck, &image.healthcheck);
    same(&mut body.shell, &image.shell);
    if let (Some(env), Some(from_image)) = (body.env.as_mut(), image.env.as_ref()) {
        env.retain(|e| !from_image.contains(e));
    }
    if let (Some(labels), Some(from_image)) = (body.labels.as_mut(), image.labels.as_ref()) {
        labels.retain(|k, v| from_image.get(k) != Some(v));
    }
    if let (Some(ports), Some(from_image)) =
        (body.exposed_ports.as_mut(), image.exposed_ports.as_ref())
    {
        ports.retain(|p| !from_image.contains(p));
    }
    if let (Some(volumes), Some(from_image)) = (body.volumes.as_mut(), image.volumes.as_ref()) {
        volumes.retain(|v| !from_image.contains(v));
    }
}

/// Reads container `id` and prepares a copy of it on `image` (a reference or an id), with
/// `labels` set over its own.
pub async fn prepare(
    engine: &Engine,
    id: &str,
    project: &str,
    service: &str,
    image: &str,
    labels: Vec<(String, String)>,
) -> Result<Replacement, EngineError> {
    let template = Template::read(engine, id).await?;
    let inspected = &template.inspected;
    let name = inspected
        .name
        .clone()
        .unwrap_or_default()
        .trim_start_matches('/')
        .to_owned();
    let config = inspected.config.clone().unwrap_or_default();
    let short_id: String = id.chars().take(12).collect();
    // A host name of its own (compose's `hostname:`) is kept; the engine's default is not.
    let hostname = config
        .hostname
        .clone()
        .filter(|h| !h.is_empty() && !short_id.starts_with(h.as_str()));
    let number = config
        .labels
        .as_ref()
        .and_then(|l| l.get(NUMBER))
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let host = inspected.host_config.clone().unwrap_or_default();
    let fixed_ports = host.port_bindings.as_ref().is_some_and(|b| {
        b.values().flatten().flatten().any(|p| {
            p.host_port
                .as_deref()
                .is_some_and(|h| !h.is_empty() && h != "0")
        })
    });
    let old = Old {
        id: inspected.id.clone().unwrap_or_default(),
        name,
        running: inspected
            .state
            .as_ref()
            .and_then(|s| s.running)
            .unwrap_or(false),
        image_id: inspected.image.clone().unwrap_or_default(),
        reference: config.image.clone().unwrap_or_default(),
        fixed_ports,
        health_budget: config.healthcheck.as_ref().and_then(budget),
    };
    let volumes = anonymous_volumes(inspected);
    let old_image = engine
        .client()?
        .inspect_image(&old.image_id)
        .await?
        .config
        .unwrap_or_default();
    let mut blueprint = Blueprint::new(template.inspected, project, service, image.to_owned());
    without_image_defaults(&mut blueprint.body, &old_image);
    if let Some(host) = blueprint.body.host_config.as_mut() {
        host.binds.get_or_insert_with(Vec::new).extend(volumes);
    }
    Ok(Replacement {
        old,
        blueprint,
        number,
        hostname,
        labels,
    })
}

impl Replacement {
    /// Creates and starts the new container under the old one's name (which must be free by
    /// now); it is removed again when anything after the create fails. `hidden`: on its
    /// networks without the service's aliases, so no request reaches it before [`expose`].
    pub async fn launch(&self, engine: &Engine, hidden: bool) -> Result<String, String> {
        let mut body = self.blueprint.body(self.number);
        body.hostname = self.hostname.clone();
        let labels = body.labels.get_or_insert_with(Default::default);
        for (k, v) in &self.labels {
            labels.insert(k.clone(), v.clone());
        }
        let mut others = self.blueprint.others.clone();
        if hidden {
            if let Some(endpoints) = body
                .networking_config
                .as_mut()
                .and_then(|n| n.endpoints_config.as_mut())
            {
                endpoints.values_mut().for_each(|e| e.aliases = None);
            }
            others.iter_mut().for_each(|(_, e)| e.aliases = None);
        }
        self.blueprint
            .launch_as(engine, self.old.name.clone(), body, &others)
            .await
    }

    /// The service's named networks with their aliases.
    pub fn networks(&self) -> Vec<(String, Vec<String>)> {
        self.blueprint
            .primary
            .iter()
            .chain(self.blueprint.others.iter())
            .map(|(net, e)| (net.clone(), e.aliases.clone().unwrap_or_default()))
            .collect()
    }
}

/// Connects container `id` to `net` under `aliases`; already connected counts as done.
pub async fn connect(
    engine: &Engine,
    id: &str,
    net: &str,
    aliases: &[String],
) -> Result<(), EngineError> {
    let request = NetworkConnectRequest {
        container: id.to_owned(),
        endpoint_config: Some(EndpointSettings {
            aliases: Some(aliases.to_vec()),
            ..Default::default()
        }),
    };
    match engine.client()?.connect_network(net, request).await {
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 403,
            message,
        }) if message.contains("already exists") => Ok(()),
        other => Ok(other?),
    }
}

/// Disconnects container `id` from `net`; not connected counts as done.
pub async fn disconnect(engine: &Engine, id: &str, net: &str) -> Result<(), EngineError> {
    let request = NetworkDisconnectRequest {
        container: id.to_owned(),
        force: Some(false),
    };
    match engine.client()?.disconnect_network(net, request).await {
        Err(bollard::errors::Error::DockerResponseServerError { message, .. })
            if message.contains("is not connected") =>
        {
            Ok(())
        }
        other => Ok(other?),
    }
}

/// Gives the new container `id` the service's aliases on every network (it was started
/// without them): from now on requests for the service reach it.
pub async fn expose(
    engine: &Engine,
    id: &str,
    networks: &[(String, Vec<String>)],
) -> Result<(), EngineError> {
    for (net, aliases) in networks {
        disconnect(engine, id, net).await?;
        connect(engine, id, net, aliases).await?;
    }
    Ok(())
}

pub async fn rename(engine: &Engine, id: &str, to: &str) -> Result<(), EngineError> {
    let options = RenameContainerOptions {
        name: to.to_owned(),
    };
    Ok(engine.client()?.rename_container(id, options).await?)
}

/// The container named exactly `name` now: its id and whether it runs.
pub async fn named(engine: &Engine, name: &str) -> Result<Option<(String, bool)>, EngineError> {
    let filters =
        std::collections::HashMap::from([("name".to_owned(), vec![format!("^/{name}$")])]);
    let list = engine
        .client()?
        .list_containers(Some(ListContainersOptions {
            all: true,
            filters: Some(filters),
            ..Default::default()
        }))
        .await?;
    Ok(list.into_iter().find_map(|c| {
        let running = c.state == Some(bollard::models::ContainerSummaryStateEnum::RUNNING);
        c.id.map(|id| (id, running))
    }))
}

/// The last `lines` lines the container wrote (stdout and stderr), as text; empty when
/// there is none or it cannot be read.
pub async fn last_lines(engine: &Engine, id: &str, lines: u32) -> String {
    let request = LogRequest {
        follow: false,
        since: 0,
        until: None,
        tail: Some(lines),
        timestamps: false,
    };
    let Ok(mut frames) = read(engine, id, &request) else {
        return String::new();
    };
    let mut text = Vec::new();
    let read_all = async {
        while let Some(Ok(frame)) = frames.next().await {
            match frame {
                Frame::Stdout(b) | Frame::Stderr(b) => text.extend_from_slice(&b),
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(5), read_all).await;
    String::from_utf8_lossy(&text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::HealthConfig;

    #[test]
    fn the_gate_waits_as_long_as_the_health_check_may_take() {
        let check = HealthConfig {
            test: Some(vec!["CMD".into(), "true".into()]),
            interval: Some(1_000_000_000),
            timeout: Some(2_000_000_000),
            retries: Some(2),
            start_period: Some(5_000_000_000),
            ..Default::default()
        };
        assert_eq!(budget(&check), Some(Duration::from_secs(5 + 3 * 3)));
        // The engine's defaults where the service leaves them out.
        let defaults = HealthConfig {
            test: Some(vec!["CMD-SHELL".into(), "true".into()]),
            ..Default::default()
        };
        assert_eq!(budget(&defaults), Some(Duration::from_secs(60 * 4)));
        let none = HealthConfig {
            test: Some(vec!["NONE".into()]),
            ..Default::default()
        };
        assert_eq!(budget(&none), None);
    }
}
