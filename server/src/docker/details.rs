//! One container in full, from the engine's own description of it and of its image, as
//! bosun shows it: secret-looking variables without their values, labels by whose they are.

use bosun_frontend::model::details::{
    ContainerDetails, EnvVar, HealthDetail, HealthProbe, LabelGroups, MountDetail, NetworkDetail,
    is_secret,
};

use super::Engine;
use super::error::EngineError;

/// `NAME=value` → the variable, its value left out when it looks like a secret.
fn variable(entry: &str) -> EnvVar {
    let (name, value) = entry.split_once('=').unwrap_or((entry, ""));
    let secret = is_secret(name);
    EnvVar {
        name: name.to_owned(),
        value: (!secret).then(|| value.to_owned()),
        secret,
    }
}

/// Container `id` (a name or id), read now.
pub async fn read(engine: &Engine, id: &str) -> Result<ContainerDetails, EngineError> {
    let docker = engine.client()?;
    let c = docker.inspect_container(id, None).await?;
    let image_id = c.image.clone().unwrap_or_default();
    let repo_digests = match docker.inspect_image(&image_id).await {
        Ok(image) => image.repo_digests.unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    let config = c.config.unwrap_or_default();
    let host = c.host_config.unwrap_or_default();
    let state = c.state.unwrap_or_default();
    let mut labels = LabelGroups::default();
    let mut pairs: Vec<(String, String)> = config
        .labels
        .clone()
        .unwrap_or_default()
        .into_iter()
        .collect();
    pairs.sort();
    for (k, v) in pairs {
        labels.add(k, v);
    }
    let mut networks: Vec<NetworkDetail> = c
        .network_settings
        .as_ref()
        .and_then(|n| n.networks.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|(name, e)| NetworkDetail {
            name,
            address: e.ip_address.filter(|a| !a.is_empty()),
            aliases: e.aliases.unwrap_or_default(),
        })
        .collect();
    networks.sort_by(|a, b| a.name.cmp(&b.name));
    let mut ports: Vec<String> = c
        .network_settings
        .and_then(|n| n.ports)
        .unwrap_or_default()
        .into_iter()
        .flat_map(|(port, bindings)| match bindings {
            Some(b) if !b.is_empty() => b
                .into_iter()
                .map(|b| {
                    format!(
                        "{}:{} → {port}",
                        b.host_ip.unwrap_or_default(),
                        b.host_port.unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>(),
            _ => vec![port],
        })
        .collect();
    ports.sort();
    ports.dedup();
    let health = config.healthcheck.as_ref().map(|check| {
        let h = state.health.clone().unwrap_or_default();
        HealthDetail {
            test: check.test.clone().unwrap_or_default(),
            status: h.status.map(|s| s.to_string()),
            failing_streak: h.failing_streak,
            log: h
                .log
                .unwrap_or_default()
                .into_iter()
                .map(|r| HealthProbe {
                    exit_code: r.exit_code,
                    output: r.output.unwrap_or_default(),
                    at: r.start.map(|s| s.to_string()),
                })
                .collect(),
        }
    });
    let limit = |v: Option<i64>| v.filter(|v| *v > 0);
    Ok(ContainerDetails {
        id: c.id.unwrap_or_default(),
        name: c
            .name
            .unwrap_or_default()
            .trim_start_matches('/')
            .to_owned(),
        project: config
            .labels
            .as_ref()
            .and_then(|l| l.get(super::record::PROJECT).cloned()),
        service: config
            .labels
            .as_ref()
            .and_then(|l| l.get(super::record::SERVICE).cloned()),
        state: state.status.map(|s| s.to_string()).unwrap_or_default(),
        image: config.image.unwrap_or_default(),
        image_id,
        repo_digests,
        command: config.cmd.unwrap_or_default(),
        entrypoint: config.entrypoint.unwrap_or_default(),
        working_dir: config.working_dir.filter(|w| !w.is_empty()),
        user: config.user.filter(|u| !u.is_empty()),
        env: config
            .env
            .unwrap_or_default()
            .iter()
            .map(|e| variable(e))
            .collect(),
        mounts: c
            .mounts
            .unwrap_or_default()
            .into_iter()
            .map(|m| MountDetail {
                kind: m.typ.map(|t| t.to_string()).unwrap_or_default(),
                source: m.name.or(m.source).unwrap_or_default(),
                target: m.destination.unwrap_or_default(),
                read_only: m.rw == Some(false),
            })
            .collect(),
        networks,
        ports,
        labels,
        restart_policy: host
            .restart_policy
            .and_then(|p| p.name)
            .map(|n| n.to_string())
            .filter(|n| !n.is_empty() && n != "no"),
        memory_limit: limit(host.memory),
        cpus: limit(host.nano_cpus).map(|n| n as f64 / 1e9),
        pids_limit: limit(host.pids_limit),
        health,
        created: c.created.map(|t| t.to_string()),
        started_at: state.started_at.filter(|t| !t.starts_with("0001")),
        finished_at: state.finished_at.filter(|t| !t.starts_with("0001")),
        restart_count: c.restart_count.unwrap_or_default(),
        exit_code: state.exit_code,
        oom_killed: state.oom_killed.unwrap_or(false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_variable_keeps_its_name_but_not_its_value() {
        let v = variable("POSTGRES_PASSWORD=hunter2=x");
        assert_eq!(
            (v.name.as_str(), v.value, v.secret),
            ("POSTGRES_PASSWORD", None, true)
        );
        let plain = variable("MODE=a=b");
        assert_eq!(plain.value.as_deref(), Some("a=b"));
    }
}
