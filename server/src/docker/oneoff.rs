//! One-off containers, made the way `compose run --rm` makes them: cloned from one of the
//! service's containers (image, entrypoint, environment, mounts, networks with the service's
//! aliases, user, working dir, labels) with `com.docker.compose.oneoff=True`, a command of
//! bosun's, no published ports and no restart policy. Its output is attached before it starts
//! (stdout and stderr apart), its exit code waited for, and it is removed afterwards.

use std::collections::HashMap;
use std::time::Duration;

use bollard::models::{ContainerCreateBody, NetworkConnectRequest, NetworkingConfig};
use bollard::query_parameters::{
    AttachContainerOptions, CreateContainerOptions, ListContainersOptions, StopContainerOptions,
    WaitContainerOptions,
};
use futures::StreamExt;

use super::Engine;
use super::client::engine_message;
use super::containers::{self, Removal};
use super::output::{Frames, frames};
use super::record::{NUMBER, ONEOFF};
use super::template::Blueprint;

/// What runs in the one-off container, and how it is marked.
pub struct OneOffSpec {
    /// The command (the image's entrypoint, if any, stays, as with `compose run`).
    pub argv: Vec<String>,
    pub user: Option<String>,
    pub workdir: Option<String>,
    /// Extra labels, for finding the container again (say after bosun was killed).
    pub labels: Vec<(String, String)>,
}

/// A one-off container that exists (created and started).
#[derive(Clone)]
pub struct OneOff {
    engine: Engine,
    pub id: String,
    pub name: String,
}

/// `demo_web_run_1a2b3c4d5e6f` (compose v1) or `demo-web-run-1a2b3c4d5e6f` (v2).
fn one_off_name(prefix: &str) -> String {
    let sep = if prefix.ends_with('-') { '-' } else { '_' };
    let slug = format!("{:016x}", rand::random::<u64>());
    format!("{prefix}run{sep}{}", &slug[..12])
}

impl Blueprint {
    pub(super) fn one_off_body(&self, spec: &OneOffSpec) -> ContainerCreateBody {
        let mut body = self.body.clone();
        let labels = body.labels.get_or_insert_with(HashMap::new);
        labels.remove(NUMBER);
        labels.insert(ONEOFF.to_owned(), "True".to_owned());
        for (k, v) in &spec.labels {
            labels.insert(k.clone(), v.clone());
        }
        body.cmd = Some(spec.argv.clone());
        if let Some(user) = &spec.user {
            body.user = Some(user.clone());
        }
        if let Some(dir) = &spec.workdir {
            body.working_dir = Some(dir.clone());
        }
        body.tty = Some(false);
        body.open_stdin = Some(false);
        body.stdin_once = Some(false);
        body.attach_stdin = Some(false);
        body.attach_stdout = Some(true);
        body.attach_stderr = Some(true);
        if let Some(host) = body.host_config.as_mut() {
            // Like `compose run`: the service's ports stay with the service, and a one-off is
            // never restarted; bosun removes it itself once it has read the exit code.
            host.port_bindings = None;
            host.publish_all_ports = Some(false);
            host.restart_policy = None;
            host.auto_remove = Some(false);
        }
        body.networking_config = self.primary.as_ref().map(|(net, e)| NetworkingConfig {
            endpoints_config: Some(HashMap::from([(net.clone(), e.clone())])),
        });
        body
    }
}

/// Creates the one-off container, connects its networks, attaches to its output and starts
/// it. Whatever fails after the create removes it again: nothing half-made stays.
pub async fn launch(
    engine: &Engine,
    blueprint: &Blueprint,
    spec: OneOffSpec,
) -> Result<(OneOff, Frames), String> {
    let name = one_off_name(&blueprint.name_prefix);
    let docker = engine
        .client()
        .map_err(|e| format!("creating {name}: {e}"))?;
    let created = docker
        .create_container(
            Some(CreateContainerOptions {
                name: Some(name.clone()),
                ..Default::default()
            }),
            blueprint.one_off_body(&spec),
        )
        .await
        .map_err(|e| format!("creating {name}: {}", engine_message(&e)))?;
    let one = OneOff {
        engine: engine.clone(),
        id: created.id,
        name,
    };
    let started = async {
        for (net, endpoint) in &blueprint.others {
            docker
                .connect_network(
                    net,
                    NetworkConnectRequest {
                        container: one.id.clone(),
                        endpoint_config: Some(endpoint.clone()),
                    },
                )
                .await
                .map_err(|e| format!("connecting to network {net}: {}", engine_message(&e)))?;
        }
        let attached = docker
            .attach_container(
                &one.id,
                Some(AttachContainerOptions {
                    stdout: true,
                    stderr: true,
                    stream: true,
                    logs: true,
                    ..Default::default()
                }),
            )
            .await
            .map_err(|e| format!("attaching to its output: {}", engine_message(&e)))?;
        docker
            .start_container(&one.id, None)
            .await
            .map_err(|e| format!("starting it: {}", engine_message(&e)))?;
        Ok::<_, String>(frames(attached.output))
    }
    .await;
    match started {
        Ok(output) => Ok((one, output)),
        Err(why) => {
            let why = format!("{}: {why}", one.name);
            match one.remove().await {
                Ok(()) => Err(why),
                Err(e) => Err(format!("{why} (and removing it failed: {e})")),
            }
        }
    }
}

impl OneOff {
    /// Waits until the container has stopped and gives its exit code.
    pub async fn wait(&self) -> Result<i64, String> {
        let docker = self.engine.client().map_err(|e| e.message().to_owned())?;
        let mut waits = docker.wait_container(
            &self.id,
            Some(WaitContainerOptions {
                condition: "not-running".into(),
            }),
        );
        match waits.next().await {
            Some(Ok(r)) => Ok(r.status_code),
            Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => Ok(code),
            Some(Err(e)) => Err(format!(
                "the engine lost track of {}: {}",
                self.name,
                engine_message(&e)
            )),
            None => Err(format!(
                "the engine said nothing about how {} ended",
                self.name
            )),
        }
    }

    /// Stops it: SIGTERM (or the image's stop signal), then SIGKILL after `grace`.
    pub async fn stop(&self, grace: Duration) -> Result<(), String> {
        let docker = self.engine.client().map_err(|e| e.message().to_owned())?;
        let t = i32::try_from(grace.as_secs()).unwrap_or(i32::MAX);
        match docker
            .stop_container(
                &self.id,
                Some(StopContainerOptions {
                    t: Some(t),
                    signal: None,
                }),
            )
            .await
        {
            Ok(()) => Ok(()),
            Err(e) if super::client::is_not_modified(&e) || super::client::is_not_found(&e) => {
                Ok(())
            }
            Err(e) => Err(engine_message(&e)),
        }
    }

    /// Removes it, running or not, with the anonymous volumes it made (`compose run --rm`).
    pub async fn remove(&self) -> Result<(), String> {
        match containers::remove(&self.engine, &self.id, Removal::Discard).await {
            Ok(()) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e.message().to_owned()),
        }
    }
}

/// Removes every container labelled `key=value` (running or not); returns their names.
pub async fn remove_labelled(
    engine: &Engine,
    key: &str,
    value: &str,
) -> Result<Vec<String>, String> {
    let docker = engine.client().map_err(|e| e.message().to_owned())?;
    let filters = HashMap::from([("label".to_owned(), vec![format!("{key}={value}")])]);
    let found = docker
        .list_containers(Some(ListContainersOptions {
            all: true,
            filters: Some(filters),
            ..Default::default()
        }))
        .await
        .map_err(|e| engine_message(&e))?;
    let mut removed = Vec::new();
    for c in found {
        let Some(id) = c.id else { continue };
        let name = c
            .names
            .and_then(|n| n.into_iter().next())
            .map(|n| n.trim_start_matches('/').to_owned())
            .unwrap_or_else(|| id.chars().take(12).collect());
        match containers::remove(engine, &id, Removal::Discard).await {
            Ok(()) => removed.push(name),
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(format!("removing {name}: {}", e.message())),
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_one_off_is_named_like_compose_names_it() {
        let v1 = one_off_name("demo_web_");
        assert!(v1.starts_with("demo_web_run_") && v1.len() == "demo_web_run_".len() + 12);
        assert!(one_off_name("demo-web-").starts_with("demo-web-run-"));
        assert_ne!(one_off_name("a_"), one_off_name("a_"));
    }
}
