//! Container operations by id: start, stop, restart, remove, inspect, and listing a compose
//! service's containers, with bosun's types in and out.

use std::collections::HashMap;

use bollard::models::{ContainerSummary, ContainerSummaryStateEnum};
use bollard::query_parameters::{
    ListContainersOptions, RemoveContainerOptions, RestartContainerOptions, StopContainerOptions,
};

use super::Engine;
use super::error::EngineError;
use super::record::{PROJECT, Record, SERVICE};

/// A container that is already in the wanted state (304) counts as done.
fn done_if_unchanged(result: Result<(), bollard::errors::Error>) -> Result<(), EngineError> {
    match result.map_err(EngineError::from) {
        Err(e) if e.is_not_modified() => Ok(()),
        other => other,
    }
}

pub async fn start(engine: &Engine, id: &str) -> Result<(), EngineError> {
    done_if_unchanged(engine.client()?.start_container(id, None).await)
}

/// Stops with the container's own stop timeout (compose's stop_grace_period, 10 s default).
pub async fn stop(engine: &Engine, id: &str) -> Result<(), EngineError> {
    let docker = engine.client()?;
    done_if_unchanged(
        docker
            .stop_container(id, None::<StopContainerOptions>)
            .await,
    )
}

/// Restarts with the container's own stop timeout.
pub async fn restart(engine: &Engine, id: &str) -> Result<(), EngineError> {
    let docker = engine.client()?;
    done_if_unchanged(
        docker
            .restart_container(id, None::<RestartContainerOptions>)
            .await,
    )
}

/// How much goes with a removed container.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Removal {
    /// A stopped container only; its volumes stay, as with compose: nothing is lost.
    Stopped,
    /// Even a running one, with the anonymous volumes it created (a half-made replica).
    Discard,
}

pub async fn remove(engine: &Engine, id: &str, how: Removal) -> Result<(), EngineError> {
    let discard = how == Removal::Discard;
    let options = RemoveContainerOptions {
        force: discard,
        v: discard,
        ..Default::default()
    };
    Ok(engine.client()?.remove_container(id, Some(options)).await?)
}

/// The container as bosun keeps it.
pub async fn inspect(engine: &Engine, id: &str) -> Result<Record, EngineError> {
    let found = engine.client()?.inspect_container(id, None).await?;
    Ok(Record::from(found))
}

/// The value of one variable in the container's environment (None when unset). It may be a
/// secret: use it, never log or keep it.
pub async fn variable(
    engine: &Engine,
    id: &str,
    name: &str,
) -> Result<Option<String>, EngineError> {
    let found = engine.client()?.inspect_container(id, None).await?;
    let env = found.config.and_then(|c| c.env).unwrap_or_default();
    Ok(lookup(&env, name))
}

fn lookup(env: &[String], name: &str) -> Option<String> {
    env.iter().find_map(|kv| {
        kv.split_once('=')
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| v.to_owned())
    })
}

/// A container as the engine lists it (a cheaper read than an inspect).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    pub id: String,
    pub labels: HashMap<String, String>,
    /// Running or restarting.
    pub running: bool,
    /// Creation time, in seconds.
    pub created: i64,
    /// The id of the image it runs.
    pub image_id: String,
}

fn listed(c: ContainerSummary) -> Option<Listed> {
    Some(Listed {
        id: c.id?,
        labels: c.labels.unwrap_or_default(),
        running: matches!(
            c.state,
            Some(ContainerSummaryStateEnum::RUNNING | ContainerSummaryStateEnum::RESTARTING)
        ),
        created: c.created.unwrap_or(0),
        image_id: c.image_id.unwrap_or_default(),
    })
}

/// Every container of a compose service now, stopped ones too, straight from the engine (not
/// the inventory, which may trail its events).
pub async fn of_service(
    engine: &Engine,
    project: &str,
    service: &str,
) -> Result<Vec<Listed>, EngineError> {
    let filters = HashMap::from([(
        "label".to_owned(),
        vec![
            format!("{PROJECT}={project}"),
            format!("{SERVICE}={service}"),
        ],
    )]);
    let list = engine
        .client()?
        .list_containers(Some(ListContainersOptions {
            all: true,
            filters: Some(filters),
            ..Default::default()
        }))
        .await?;
    Ok(list.into_iter().filter_map(listed).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_variable_is_found_by_its_whole_name() {
        let env = [
            "POSTGRES_PASSWORD_FILE=/run/secrets/db".to_owned(),
            "POSTGRES_PASSWORD=s3cr=t".to_owned(),
            "EMPTY=".to_owned(),
        ];
        assert_eq!(lookup(&env, "POSTGRES_PASSWORD").as_deref(), Some("s3cr=t"));
        assert_eq!(lookup(&env, "EMPTY").as_deref(), Some(""));
        assert_eq!(lookup(&env, "POSTGRES"), None);
    }

    #[test]
    fn restarting_counts_as_running_and_an_id_is_needed() {
        let summary = |state| ContainerSummary {
            id: Some("abc".into()),
            state: Some(state),
            created: Some(7),
            ..Default::default()
        };
        let up = listed(summary(ContainerSummaryStateEnum::RESTARTING));
        assert_eq!(up.as_ref().map(|l| (l.running, l.created)), Some((true, 7)));
        let down = listed(summary(ContainerSummaryStateEnum::EXITED));
        assert_eq!(down.map(|l| l.running), Some(false));
        let nameless = ContainerSummary::default();
        assert_eq!(listed(nameless), None);
    }
}
