//! A new replica of a compose service, cloned from one of its containers the way compose
//! itself would create it: same image, command, environment, labels (with the next
//! container number), mounts, restart policy, health check, limits, and every network with
//! the service's aliases, so DNS round-robin on the service name reaches it.

use std::collections::HashMap;

use bollard::models::{
    ContainerCreateBody, ContainerInspectResponse, EndpointSettings, NetworkConnectRequest,
    NetworkingConfig,
};
use bollard::query_parameters::CreateContainerOptions;

use super::Engine;
use super::client::engine_message;
use super::containers::{self, Removal};
use super::error::EngineError;
use super::record::{NUMBER, Record};

/// The container new replicas are copied from, as the engine describes it.
pub struct Template {
    pub(super) inspected: ContainerInspectResponse,
}

impl Template {
    /// Reads container `id` whole, as the model for new replicas.
    pub async fn read(engine: &Engine, id: &str) -> Result<Template, EngineError> {
        let inspected = engine.client()?.inspect_container(id, None).await?;
        Ok(Template { inspected })
    }

    /// The template as bosun keeps it, for the checks made before scaling.
    pub fn record(&self) -> Record {
        Record::from(self.inspected.clone())
    }

    /// What replicas of `project`/`service` are created from.
    pub async fn blueprint(self, engine: &Engine, project: &str, service: &str) -> Blueprint {
        let image = same_image(engine, &self.inspected).await;
        Blueprint::new(self.inspected, project, service, image)
    }
}

/// The template's image by name if the name still means that image, else by id.
async fn same_image(engine: &Engine, template: &ContainerInspectResponse) -> String {
    let id = template.image.clone().unwrap_or_default();
    let name = template
        .config
        .as_ref()
        .and_then(|c| c.image.clone())
        .unwrap_or_default();
    let named = match engine.client() {
        Ok(docker) => docker.inspect_image(&name).await.ok(),
        Err(_) => None,
    };
    match named {
        Some(image) if image.id.as_deref() == Some(id.as_str()) => name,
        _ if id.is_empty() => name,
        _ => id,
    }
}

/// Everything needed to create replicas; built once per scale request.
pub struct Blueprint {
    pub(super) body: ContainerCreateBody,
    /// The network given at create time (engines before API 1.44 take only one).
    pub(super) primary: Option<(String, EndpointSettings)>,
    /// Networks connected after create, before start.
    pub(super) others: Vec<(String, EndpointSettings)>,
    /// Name before the number: `demo_web_` (compose v1) or `demo-web-` (v2).
    pub(super) name_prefix: String,
}

/// A network mode that is a network with a name, where aliases work.
fn user_network(mode: &str) -> bool {
    !matches!(mode, "" | "default" | "bridge" | "host" | "none")
        && !mode.starts_with("container:")
        && !mode.starts_with("service:")
}

/// The name prefix, from the template's own name when it ends in its number.
fn name_prefix(name: &str, number: Option<u32>, project: &str, service: &str) -> String {
    if let Some(n) = number {
        let suffix = n.to_string();
        if let Some(head) = name.strip_suffix(suffix.as_str())
            && (head.ends_with('_') || head.ends_with('-'))
        {
            return head.to_owned();
        }
    }
    format!("{project}_{service}_")
}

impl Blueprint {
    /// `image` is what to create from: the template's image name when it still points at
    /// the image the template runs, otherwise the template's image id (so every replica
    /// runs the same thing).
    pub(super) fn new(
        template: ContainerInspectResponse,
        project: &str,
        service: &str,
        image: String,
    ) -> Blueprint {
        let id = template.id.unwrap_or_default();
        let short_id: String = id.chars().take(12).collect();
        let name = template
            .name
            .unwrap_or_default()
            .trim_start_matches('/')
            .to_owned();
        let config = template.config.unwrap_or_default();
        let number = config
            .labels
            .as_ref()
            .and_then(|l| l.get(NUMBER))
            .and_then(|n| n.parse().ok());
        let host_config = template.host_config.unwrap_or_default();
        let mode = host_config.network_mode.clone().unwrap_or_default();

        let endpoint = |settings: EndpointSettings| {
            let mut aliases: Vec<String> = settings
                .aliases
                .unwrap_or_default()
                .into_iter()
                .filter(|a| *a != short_id && *a != name && *a != id)
                .collect();
            if !aliases.iter().any(|a| a == service) {
                aliases.insert(0, service.to_owned());
            }
            EndpointSettings {
                aliases: Some(aliases),
                links: settings.links,
                driver_opts: settings.driver_opts,
                // A fixed address (ipv4_address) cannot be given twice, so none is copied.
                ..EndpointSettings::default()
            }
        };
        let mut networks: Vec<(String, EndpointSettings)> = template
            .network_settings
            .and_then(|n| n.networks)
            .unwrap_or_default()
            .into_iter()
            .filter(|(net, _)| user_network(net))
            .map(|(net, settings)| (net, endpoint(settings)))
            .collect();
        networks.sort_by(|a, b| a.0.cmp(&b.0));
        let primary = if user_network(&mode) {
            let at = networks.iter().position(|(n, _)| *n == mode);
            Some(at.map_or_else(
                || (mode.clone(), endpoint(EndpointSettings::default())),
                |i| networks.remove(i),
            ))
        } else {
            None
        };

        let body = ContainerCreateBody {
            // The engine names the host after the new container.
            hostname: None,
            domainname: config.domainname,
            user: config.user,
            exposed_ports: config.exposed_ports,
            tty: config.tty,
            open_stdin: config.open_stdin,
            stdin_once: config.stdin_once,
            env: config.env,
            cmd: config.cmd,
            healthcheck: config.healthcheck,
            args_escaped: config.args_escaped,
            image: Some(image),
            volumes: config.volumes,
            working_dir: config.working_dir,
            entrypoint: config.entrypoint,
            network_disabled: config.network_disabled,
            labels: config.labels,
            stop_signal: config.stop_signal,
            stop_timeout: config.stop_timeout,
            shell: config.shell,
            host_config: Some(host_config),
            ..ContainerCreateBody::default()
        };
        Blueprint {
            body,
            primary,
            others: networks,
            name_prefix: name_prefix(&name, number, project, service),
        }
    }

    pub fn name(&self, number: u32) -> String {
        format!("{}{number}", self.name_prefix)
    }

    pub(super) fn body(&self, number: u32) -> ContainerCreateBody {
        let mut body = self.body.clone();
        let labels = body.labels.get_or_insert_with(HashMap::new);
        labels.insert(NUMBER.to_owned(), number.to_string());
        body.networking_config = self.primary.as_ref().map(|(net, e)| NetworkingConfig {
            endpoints_config: Some(HashMap::from([(net.clone(), e.clone())])),
        });
        body
    }

    /// Creates, connects and starts replica `number`. Whatever fails after the create
    /// removes the container again (with its new anonymous volumes): nothing half-made stays.
    pub async fn launch(&self, engine: &Engine, number: u32) -> Result<String, String> {
        self.launch_as(engine, self.name(number), self.body(number), &self.others)
            .await
    }

    /// Creates `body` as container `name`, connects it to the other networks and starts it;
    /// removed again when anything after the create fails.
    pub(super) async fn launch_as(
        &self,
        engine: &Engine,
        name: String,
        body: ContainerCreateBody,
        others: &[(String, EndpointSettings)],
    ) -> Result<String, String> {
        let docker = engine
            .client()
            .map_err(|e| format!("creating {name}: {e}"))?;
        let created = docker
            .create_container(
                Some(CreateContainerOptions {
                    name: Some(name.clone()),
                    ..Default::default()
                }),
                body,
            )
            .await
            .map_err(|e| format!("creating {name}: {}", engine_message(&e)))?;
        let id = created.id;
        let finish = async {
            for (net, endpoint) in others {
                docker
                    .connect_network(
                        net,
                        NetworkConnectRequest {
                            container: id.clone(),
                            endpoint_config: Some(endpoint.clone()),
                        },
                    )
                    .await
                    .map_err(|e| {
                        format!("connecting {name} to network {net}: {}", engine_message(&e))
                    })?;
            }
            docker
                .start_container(&id, None)
                .await
                .map_err(|e| format!("starting {name}: {}", engine_message(&e)))
        };
        if let Err(why) = finish.await {
            let removed = containers::remove(engine, &id, Removal::Discard).await;
            if let Err(e) = removed {
                tracing::error!(container = %name, error = %e, "could not remove a replica that failed to start");
                return Err(format!(
                    "{why} (and removing it failed: {e}; remove {name} by hand)"
                ));
            }
            return Err(why);
        }
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_follows_the_template() {
        assert_eq!(
            name_prefix("demo_web_1", Some(1), "demo", "web"),
            "demo_web_"
        );
        assert_eq!(
            name_prefix("demo-web-12", Some(12), "demo", "web"),
            "demo-web-"
        );
        // A custom container_name does not carry a number: compose v1's pattern.
        assert_eq!(name_prefix("my-web", Some(1), "demo", "web"), "demo_web_");
        assert_eq!(name_prefix("web", None, "demo", "web"), "demo_web_");
    }

    #[test]
    fn only_named_networks_take_aliases() {
        assert!(user_network("demo_default"));
        assert!(!user_network("bridge"));
        assert!(!user_network("host"));
        assert!(!user_network("container:abc"));
    }

    fn endpoint(aliases: &[&str]) -> EndpointSettings {
        EndpointSettings {
            aliases: Some(aliases.iter().map(|a| (*a).to_owned()).collect()),
            ip_address: Some("172.30.0.9".into()),
            ipam_config: Some(bollard::models::EndpointIpamConfig {
                ipv4_address: Some("172.30.0.9".into()),
                ..Default::default()
            }),
            ..EndpointSettings::default()
        }
    }

    /// `demo_web_2`, on its project network (with compose's aliases) and one more network.
    fn web_2() -> ContainerInspectResponse {
        let id = "0123456789abcdef0123456789abcdef";
        ContainerInspectResponse {
            id: Some(id.into()),
            name: Some("/demo_web_2".into()),
            image: Some("sha256:feed".into()),
            config: Some(bollard::models::ContainerConfig {
                hostname: Some("0123456789ab".into()),
                image: Some("nginx:1".into()),
                env: Some(vec!["MODE=prod".into()]),
                labels: Some(HashMap::from([
                    (NUMBER.to_owned(), "2".to_owned()),
                    ("com.docker.compose.service".to_owned(), "web".to_owned()),
                ])),
                ..Default::default()
            }),
            host_config: Some(bollard::models::HostConfig {
                network_mode: Some("demo_default".into()),
                ..Default::default()
            }),
            network_settings: Some(bollard::models::NetworkSettings {
                networks: Some(HashMap::from([
                    (
                        "demo_default".to_owned(),
                        endpoint(&["demo_web_2", "web", "0123456789ab"]),
                    ),
                    ("demo_back".to_owned(), endpoint(&["api", id])),
                    ("bridge".to_owned(), endpoint(&[])),
                ])),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn a_replica_takes_the_next_number_in_its_name_and_label() {
        let blueprint = Blueprint::new(web_2(), "demo", "web", "nginx:1".into());
        assert_eq!(blueprint.name(3), "demo_web_3");
        let body = blueprint.body(3);
        let labels = body.labels.clone().unwrap_or_default();
        assert_eq!(labels.get(NUMBER).map(String::as_str), Some("3"));
        assert_eq!(
            labels.get("com.docker.compose.service").map(String::as_str),
            Some("web")
        );
        // Its own host name, the image asked for, the template's environment.
        assert_eq!(body.hostname, None);
        assert_eq!(body.image.as_deref(), Some("nginx:1"));
        assert_eq!(body.env, Some(vec!["MODE=prod".to_owned()]));
        // The blueprint itself is unchanged: replica 4 is numbered 4, not 3.
        let next = blueprint.body(4).labels.unwrap_or_default();
        assert_eq!(next.get(NUMBER).map(String::as_str), Some("4"));
    }

    #[test]
    fn every_named_network_keeps_the_service_alias_but_not_the_templates_own_names() {
        let blueprint = Blueprint::new(web_2(), "demo", "web", "nginx:1".into());
        // The network mode's network is given at create time.
        let primary = blueprint
            .body(3)
            .networking_config
            .and_then(|n| n.endpoints_config);
        let primary = primary.unwrap_or_default();
        assert_eq!(primary.keys().collect::<Vec<_>>(), ["demo_default"]);
        let main = &primary["demo_default"];
        assert_eq!(main.aliases, Some(vec!["web".to_owned()]));
        // A fixed address cannot be taken twice.
        assert_eq!((&main.ip_address, &main.ipam_config), (&None, &None));
        // The others are connected after; the default bridge takes no aliases and is left out.
        let others: Vec<(&str, Option<Vec<String>>)> = blueprint
            .others
            .iter()
            .map(|(n, e)| (n.as_str(), e.aliases.clone()))
            .collect();
        assert_eq!(
            others,
            [("demo_back", Some(vec!["web".to_owned(), "api".to_owned()]))]
        );
    }

    #[test]
    fn a_one_off_is_the_service_without_its_number_ports_or_restarts() {
        let mut template = web_2();
        if let Some(h) = template.host_config.as_mut() {
            h.restart_policy = Some(bollard::models::RestartPolicy {
                name: Some(bollard::models::RestartPolicyNameEnum::ALWAYS),
                maximum_retry_count: None,
            });
            h.port_bindings = Some(HashMap::from([("8080/tcp".to_owned(), None)]));
        }
        let blueprint = Blueprint::new(template, "demo", "web", "nginx:1".into());
        let body = blueprint.one_off_body(&super::super::oneoff::OneOffSpec {
            argv: vec!["echo".into(), "a b".into()],
            user: Some("0".into()),
            workdir: None,
            labels: vec![("bosun.task-run".into(), "t1".into())],
        });
        let labels = body.labels.clone().unwrap_or_default();
        assert_eq!(labels.get(NUMBER), None);
        assert_eq!(
            labels.get(super::super::record::ONEOFF).map(String::as_str),
            Some("True")
        );
        assert_eq!(labels.get("bosun.task-run").map(String::as_str), Some("t1"));
        assert_eq!(
            labels.get("com.docker.compose.service").map(String::as_str),
            Some("web")
        );
        assert_eq!(body.cmd, Some(vec!["echo".to_owned(), "a b".to_owned()]));
        assert_eq!(body.user.as_deref(), Some("0"));
        assert_eq!(body.env, Some(vec!["MODE=prod".to_owned()]));
        let host = body.host_config.unwrap_or_default();
        assert_eq!((host.port_bindings, host.restart_policy), (None, None));
        // Its networks, with the service's alias, as a replica gets them.
        let primary = body
            .networking_config
            .and_then(|n| n.endpoints_config)
            .unwrap_or_default();
        assert_eq!(
            primary["demo_default"].aliases,
            Some(vec!["web".to_owned()])
        );
    }
}
