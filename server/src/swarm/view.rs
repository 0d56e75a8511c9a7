//! bollard's Swarm services and tasks as bosun presents them.

use std::collections::HashMap;

use bollard::models::{Service, Task, TaskState};
use bosun_frontend::model::{SwarmServiceDto, SwarmTaskDto};

pub const STACK_LABEL: &str = "com.docker.stack.namespace";

/// Ended tasks kept per service, after the current ones.
const HISTORY: usize = 5;

fn state(s: Option<TaskState>) -> String {
    s.map(|s| s.to_string()).unwrap_or_else(|| "unknown".into())
}

fn task(t: Task) -> SwarmTaskDto {
    let status = t.status.unwrap_or_default();
    SwarmTaskDto {
        id: t.id.unwrap_or_default(),
        slot: t.slot,
        node_id: t.node_id,
        state: state(status.state),
        desired_state: state(t.desired_state),
        message: status.message.filter(|m| !m.is_empty()),
        error: status.err.filter(|m| !m.is_empty()),
        container_id: status
            .container_status
            .and_then(|c| c.container_id)
            .filter(|c| !c.is_empty()),
        updated_at: t.updated_at.map(|d| d.to_string()),
    }
}

fn mode(s: &Service) -> (String, Option<u64>) {
    let m = s.spec.as_ref().and_then(|spec| spec.mode.as_ref());
    match m {
        Some(m) if m.global.is_some() => ("global".into(), None),
        Some(m) if m.replicated_job.is_some() => ("replicated-job".into(), None),
        Some(m) if m.global_job.is_some() => ("global-job".into(), None),
        Some(m) => (
            "replicated".into(),
            Some(
                m.replicated
                    .as_ref()
                    .and_then(|r| r.replicas)
                    .unwrap_or(1)
                    .max(0) as u64,
            ),
        ),
        None => ("replicated".into(), Some(1)),
    }
}

/// Services sorted by stack and name, each with its tasks: current first (by slot), then
/// the latest few that ended, newest first.
pub fn services(
    list: Vec<Service>,
    tasks: Vec<Task>,
    busy: &dyn Fn(&str) -> Option<String>,
) -> Vec<SwarmServiceDto> {
    let mut by_service: HashMap<String, Vec<Task>> = HashMap::new();
    for t in tasks {
        if let Some(id) = t.service_id.clone() {
            by_service.entry(id).or_default().push(t);
        }
    }
    let mut out: Vec<SwarmServiceDto> = list
        .into_iter()
        .map(|s| {
            let id = s.id.clone().unwrap_or_default();
            let spec = s.spec.clone().unwrap_or_default();
            let name = spec.name.clone().unwrap_or_else(|| id.clone());
            let (mode, replicas) = mode(&s);
            let mut tasks = by_service.remove(&id).unwrap_or_default();
            tasks.sort_by(|a, b| b.updated_at.cmp(&a.updated_at));
            let (mut current, ended): (Vec<Task>, Vec<Task>) = tasks
                .into_iter()
                .partition(|t| t.desired_state != Some(TaskState::SHUTDOWN));
            current.sort_by_key(|t| t.slot);
            let running = current
                .iter()
                .filter(|t| t.status.as_ref().and_then(|st| st.state) == Some(TaskState::RUNNING))
                .count() as u64;
            let tasks = current
                .into_iter()
                .chain(ended.into_iter().take(HISTORY))
                .map(task)
                .collect();
            SwarmServiceDto {
                busy: busy(&name),
                id,
                stack: spec
                    .labels
                    .as_ref()
                    .and_then(|l| l.get(STACK_LABEL).cloned()),
                image: spec
                    .task_template
                    .and_then(|t| t.container_spec)
                    .and_then(|c| c.image)
                    // Swarm pins the digest: image:tag@sha256:… → image:tag.
                    .map(|i| i.split('@').next().unwrap_or_default().to_owned())
                    .unwrap_or_default(),
                name,
                mode,
                replicas,
                running,
                tasks,
            }
        })
        .collect();
    out.sort_by(|a, b| (&a.stack, &a.name).cmp(&(&b.stack, &b.name)));
    out
}
