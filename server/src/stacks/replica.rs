//! A new replica of a compose service, cloned from its newest container the way compose
//! itself would create it: same image, command, environment, labels (with the next
//! container number), mounts, restart policy, health check, limits, and every network with
//! the service's aliases, so DNS round-robin on the service name reaches it.

use std::collections::HashMap;

use bollard::Docker;
use bollard::models::{
    ContainerCreateBody, ContainerInspectResponse, EndpointSettings, NetworkConnectRequest,
    NetworkingConfig,
};
use bollard::query_parameters::{CreateContainerOptions, RemoveContainerOptions};

use crate::docker::client::engine_message;
use crate::docker::record::NUMBER;

/// Everything needed to create replicas; built once per scale request.
pub struct Blueprint {
    body: ContainerCreateBody,
    /// The network given at create time (engines before API 1.44 take only one).
    primary: Option<(String, EndpointSettings)>,
    /// Networks connected after create, before start.
    others: Vec<(String, EndpointSettings)>,
    /// Name before the number: `demo_web_` (compose v1) or `demo-web-` (v2).
    name_prefix: String,
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
    pub fn new(
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

    fn body(&self, number: u32) -> ContainerCreateBody {
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
    pub async fn launch(&self, docker: &Docker, number: u32) -> Result<String, String> {
        let name = self.name(number);
        let created = docker
            .create_container(
                Some(CreateContainerOptions {
                    name: Some(name.clone()),
                    ..Default::default()
                }),
                self.body(number),
            )
            .await
            .map_err(|e| format!("creating {name}: {}", engine_message(&e)))?;
        let id = created.id;
        let finish = async {
            for (net, endpoint) in &self.others {
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
            let removed = docker
                .remove_container(
                    &id,
                    Some(RemoveContainerOptions {
                        force: true,
                        v: true,
                        ..Default::default()
                    }),
                )
                .await;
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
}
