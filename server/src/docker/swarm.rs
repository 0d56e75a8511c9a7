//! Swarm services and their tasks on a manager engine, as bosun's types, and a replicated
//! service's replica count changed by a service update.

use bollard::models::{Service as EngineService, ServiceSpec, ServiceSpecMode, Task as EngineTask};
use bollard::query_parameters::{
    InspectServiceOptions, ListServicesOptions, ListTasksOptions, UpdateServiceOptions,
};
use bosun_frontend::model::SwarmTaskDto;

use super::Engine;
use super::error::EngineError;

/// How Swarm runs a service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// This many tasks, wherever they fit.
    Replicated(u64),
    /// One task per node.
    Global,
    /// Tasks that run to completion.
    ReplicatedJob,
    GlobalJob,
}

impl Mode {
    fn of(mode: Option<&ServiceSpecMode>) -> Mode {
        match mode {
            Some(m) if m.global.is_some() => Mode::Global,
            Some(m) if m.replicated_job.is_some() => Mode::ReplicatedJob,
            Some(m) if m.global_job.is_some() => Mode::GlobalJob,
            // The engine's default for a service without a count is one replica.
            Some(m) => Mode::Replicated(
                m.replicated
                    .as_ref()
                    .and_then(|r| r.replicas)
                    .unwrap_or(1)
                    .max(0) as u64,
            ),
            None => Mode::Replicated(1),
        }
    }

    /// `replicated`, `global`, `replicated-job` or `global-job`.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Replicated(_) => "replicated",
            Mode::Global => "global",
            Mode::ReplicatedJob => "replicated-job",
            Mode::GlobalJob => "global-job",
        }
    }

    /// The wanted replicas of a replicated service.
    pub fn replicas(self) -> Option<u64> {
        match self {
            Mode::Replicated(n) => Some(n),
            _ => None,
        }
    }
}

/// A service as its spec describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    pub id: String,
    /// Its name, or its id when it has none.
    pub name: String,
    pub labels: std::collections::HashMap<String, String>,
    /// As Swarm pinned it: `image:tag@sha256:…`.
    pub image: Option<String>,
    pub mode: Mode,
}

impl From<EngineService> for Service {
    fn from(s: EngineService) -> Self {
        let id = s.id.unwrap_or_default();
        let spec = s.spec.unwrap_or_default();
        Service {
            name: spec.name.clone().unwrap_or_else(|| id.clone()),
            id,
            labels: spec.labels.unwrap_or_default(),
            image: spec
                .task_template
                .and_then(|t| t.container_spec)
                .and_then(|c| c.image),
            mode: Mode::of(spec.mode.as_ref()),
        }
    }
}

/// A task, as shown, with the service it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Task {
    pub service_id: Option<String>,
    pub shown: SwarmTaskDto,
}

fn state(s: Option<impl ToString>) -> String {
    s.map(|s| s.to_string()).unwrap_or_else(|| "unknown".into())
}

impl From<EngineTask> for Task {
    fn from(t: EngineTask) -> Self {
        let status = t.status.unwrap_or_default();
        Task {
            service_id: t.service_id,
            shown: SwarmTaskDto {
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
            },
        }
    }
}

/// Whether the engine is a Swarm manager (only managers list services). Fails only
/// without a connection.
pub async fn is_manager(engine: &Engine) -> Result<bool, EngineError> {
    Ok(engine.client()?.inspect_swarm().await.is_ok())
}

pub async fn services(engine: &Engine) -> Result<Vec<Service>, EngineError> {
    let list = engine
        .client()?
        .list_services(Some(ListServicesOptions {
            status: Some(true),
            ..Default::default()
        }))
        .await?;
    Ok(list.into_iter().map(Service::from).collect())
}

/// Every task of every service, ended ones too.
pub async fn tasks(engine: &Engine) -> Result<Vec<Task>, EngineError> {
    let list = engine
        .client()?
        .list_tasks(None::<ListTasksOptions>)
        .await?;
    Ok(list.into_iter().map(Task::from).collect())
}

/// A service read for a change: the change is made against this version of its spec.
pub struct Found {
    pub id: String,
    pub name: String,
    pub mode: Mode,
    spec: ServiceSpec,
    version: i32,
}

/// The service by name or id (404 kept when there is none).
pub async fn inspect(engine: &Engine, service: &str) -> Result<Found, EngineError> {
    let found = engine
        .client()?
        .inspect_service(service, None::<InspectServiceOptions>)
        .await?;
    let id = found.id.unwrap_or_default();
    let spec = found.spec.unwrap_or_default();
    Ok(Found {
        name: spec.name.clone().unwrap_or_else(|| id.clone()),
        mode: Mode::of(spec.mode.as_ref()),
        version: found
            .version
            .and_then(|v| v.index)
            .and_then(|i| i32::try_from(i).ok())
            .unwrap_or_default(),
        id,
        spec,
    })
}

/// The spec with only its replica count changed.
fn with_replicas(mut spec: ServiceSpec, replicas: u32) -> ServiceSpec {
    spec.mode
        .get_or_insert_with(Default::default)
        .replicated
        .get_or_insert_with(Default::default)
        .replicas = Some(i64::from(replicas));
    spec
}

/// Asks Swarm for `replicas` tasks of a replicated service; it converges by itself. Fails
/// if the service changed since it was read.
pub async fn set_replicas(engine: &Engine, found: Found, replicas: u32) -> Result<(), EngineError> {
    engine
        .client()?
        .update_service(
            &found.id,
            with_replicas(found.spec, replicas),
            UpdateServiceOptions {
                version: found.version,
                ..Default::default()
            },
            None,
        )
        .await?;
    Ok(())
}

/// Where a service's last update stands, as Swarm reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UpdateState {
    /// `updating`, `paused`, `completed`, `rollback_started`, `rollback_paused`,
    /// `rollback_completed`; None before any update.
    pub state: Option<String>,
    pub started_at: Option<String>,
    pub message: Option<String>,
    /// The image the spec names now (`ref:tag@sha256:…`).
    pub image: Option<String>,
}

pub async fn update_state(engine: &Engine, service: &str) -> Result<UpdateState, EngineError> {
    let found = engine
        .client()?
        .inspect_service(service, None::<InspectServiceOptions>)
        .await?;
    let status = found.update_status.unwrap_or_default();
    Ok(UpdateState {
        state: status
            .state
            .map(|s| s.to_string())
            .filter(|s| !s.is_empty()),
        started_at: status.started_at,
        message: status.message,
        image: found
            .spec
            .and_then(|s| s.task_template)
            .and_then(|t| t.container_spec)
            .and_then(|c| c.image),
    })
}

/// Asks Swarm to move the service to `image`; a task that fails within `monitor` makes Swarm
/// roll the whole service back (its own failure action, set here when the service has none).
pub async fn update_image(
    engine: &Engine,
    found: Found,
    image: &str,
    monitor: std::time::Duration,
) -> Result<(), EngineError> {
    let mut spec = found.spec;
    spec.task_template
        .get_or_insert_with(Default::default)
        .container_spec
        .get_or_insert_with(Default::default)
        .image = Some(image.to_owned());
    let update = spec.update_config.get_or_insert_with(Default::default);
    if update.failure_action.is_none() {
        update.failure_action =
            Some(bollard::models::ServiceSpecUpdateConfigFailureActionEnum::ROLLBACK);
    }
    let nanos = i64::try_from(monitor.as_nanos()).unwrap_or(i64::MAX);
    if update.monitor.is_none_or(|m| m < nanos) {
        update.monitor = Some(nanos);
    }
    engine
        .client()?
        .update_service(
            &found.id,
            spec,
            UpdateServiceOptions {
                version: found.version,
                ..Default::default()
            },
            None,
        )
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use bollard::models::{
        ServiceSpecModeReplicated, TaskSpec, TaskSpecContainerSpec, TaskState, TaskStatus,
    };

    use super::*;

    fn replicated(replicas: Option<i64>) -> ServiceSpecMode {
        ServiceSpecMode {
            replicated: Some(ServiceSpecModeReplicated { replicas }),
            ..Default::default()
        }
    }

    #[test]
    fn modes_and_their_replica_counts() {
        assert_eq!(Mode::of(None), Mode::Replicated(1));
        assert_eq!(Mode::of(Some(&replicated(None))), Mode::Replicated(1));
        assert_eq!(Mode::of(Some(&replicated(Some(3)))), Mode::Replicated(3));
        assert_eq!(Mode::of(Some(&replicated(Some(-2)))), Mode::Replicated(0));
        let global = ServiceSpecMode {
            global: Some(Default::default()),
            ..Default::default()
        };
        assert_eq!(Mode::of(Some(&global)), Mode::Global);
        assert_eq!(Mode::Global.replicas(), None);
        assert_eq!(Mode::Global.name(), "global");
        let job = ServiceSpecMode {
            replicated_job: Some(Default::default()),
            ..Default::default()
        };
        assert_eq!(Mode::of(Some(&job)).name(), "replicated-job");
        assert_eq!(Mode::Replicated(4).replicas(), Some(4));
    }

    #[test]
    fn a_service_without_a_name_goes_by_its_id() {
        let s = Service::from(EngineService {
            id: Some("k3x".into()),
            spec: Some(ServiceSpec {
                task_template: Some(TaskSpec {
                    container_spec: Some(TaskSpecContainerSpec {
                        image: Some("nginx:1@sha256:ab".into()),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                mode: Some(replicated(Some(2))),
                ..Default::default()
            }),
            ..Default::default()
        });
        assert_eq!((s.id.as_str(), s.name.as_str()), ("k3x", "k3x"));
        assert_eq!(s.image.as_deref(), Some("nginx:1@sha256:ab"));
        assert_eq!(s.mode, Mode::Replicated(2));
    }

    #[test]
    fn a_task_shows_its_states_and_only_messages_that_say_something() {
        let t = Task::from(EngineTask {
            id: Some("t1".into()),
            service_id: Some("k3x".into()),
            slot: Some(2),
            desired_state: Some(TaskState::RUNNING),
            status: Some(TaskStatus {
                state: Some(TaskState::FAILED),
                message: Some(String::new()),
                err: Some("task: non-zero exit (1)".into()),
                ..Default::default()
            }),
            ..Default::default()
        });
        assert_eq!(t.service_id.as_deref(), Some("k3x"));
        assert_eq!(t.shown.state, "failed");
        assert_eq!(t.shown.desired_state, "running");
        assert_eq!(t.shown.message, None);
        assert_eq!(t.shown.error.as_deref(), Some("task: non-zero exit (1)"));
        assert_eq!(t.shown.container_id, None);
        let blank = Task::from(EngineTask::default());
        assert_eq!(blank.shown.state, "unknown");
    }

    #[test]
    fn scaling_changes_the_count_and_nothing_else() {
        let spec = ServiceSpec {
            name: Some("web".into()),
            mode: Some(replicated(Some(1))),
            ..Default::default()
        };
        let scaled = with_replicas(spec.clone(), 5);
        assert_eq!(Mode::of(scaled.mode.as_ref()), Mode::Replicated(5));
        assert_eq!(
            ServiceSpec {
                mode: spec.mode.clone(),
                ..scaled
            },
            spec
        );
        // A spec without a mode becomes replicated.
        let bare = with_replicas(ServiceSpec::default(), 0);
        assert_eq!(Mode::of(bare.mode.as_ref()), Mode::Replicated(0));
    }
}
