//! Swarm services and tasks as bosun presents them: grouped, ordered, with a short history.

use std::collections::HashMap;

use bosun_frontend::model::{SwarmServiceDto, SwarmTaskDto};

use crate::docker::swarm::{Service, Task};

pub const STACK_LABEL: &str = "com.docker.stack.namespace";

/// Ended tasks kept per service, after the current ones.
const HISTORY: usize = 5;

/// Services sorted by stack and name, each with its tasks: current first (by slot), then
/// the latest few that ended, newest first.
pub fn services(
    list: Vec<Service>,
    tasks: Vec<Task>,
    busy: &dyn Fn(&str) -> Option<String>,
    update: &dyn Fn(&str) -> Option<bosun_frontend::model::ServiceUpdate>,
) -> Vec<SwarmServiceDto> {
    let mut by_service: HashMap<String, Vec<SwarmTaskDto>> = HashMap::new();
    for t in tasks {
        if let Some(id) = t.service_id {
            by_service.entry(id).or_default().push(t.shown);
        }
    }
    let mut out: Vec<SwarmServiceDto> = list
        .into_iter()
        .map(|s| {
            let mut tasks = by_service.remove(&s.id).unwrap_or_default();
            tasks.sort_by(|a, b| b.updated_at.cmp(&a.updated_at));
            let (mut current, ended): (Vec<SwarmTaskDto>, Vec<SwarmTaskDto>) = tasks
                .into_iter()
                .partition(|t| t.desired_state != "shutdown");
            current.sort_by_key(|t| t.slot);
            let running = current.iter().filter(|t| t.state == "running").count() as u64;
            let tasks = current
                .into_iter()
                .chain(ended.into_iter().take(HISTORY))
                .collect();
            SwarmServiceDto {
                busy: busy(&s.name),
                update: update(&s.name),
                stack: s.labels.get(STACK_LABEL).cloned(),
                image: s
                    .image
                    // Swarm pins the digest: image:tag@sha256:… → image:tag.
                    .map(|i| i.split('@').next().unwrap_or_default().to_owned())
                    .unwrap_or_default(),
                mode: s.mode.name().to_owned(),
                replicas: s.mode.replicas(),
                id: s.id,
                name: s.name,
                running,
                tasks,
            }
        })
        .collect();
    out.sort_by(|a, b| (&a.stack, &a.name).cmp(&(&b.stack, &b.name)));
    out
}
