//! Start, stop and restart through the engine, all containers of a target at once.

use std::sync::Arc;
use std::time::Instant;

use bollard::Docker;
use bollard::query_parameters::{RestartContainerOptions, StopContainerOptions};
use bosun_frontend::error::AppError;
use bosun_frontend::model::{ActionReport, ContainerAction, ContainerOutcome};

use crate::docker::Engine;
use crate::docker::client::{engine_message, is_not_modified};
use crate::docker::record::Record;

/// How a container is named in messages and the audit log: `demo/web #2 (demo_web_2)`.
pub fn label(r: &Record) -> String {
    match (r.project(), r.service(), r.number()) {
        (Some(p), Some(s), Some(n)) => format!("{p}/{s} #{n} ({})", r.name),
        _ => r.name.clone(),
    }
}

async fn one(
    docker: &Docker,
    id: &str,
    action: ContainerAction,
) -> Result<(), bollard::errors::Error> {
    // No timeout given: the engine uses the container's own stop timeout
    // (compose's stop_grace_period), 10 s by default.
    let result = match action {
        ContainerAction::Start => docker.start_container(id, None).await,
        ContainerAction::Stop => {
            docker
                .stop_container(id, None::<StopContainerOptions>)
                .await
        }
        ContainerAction::Restart => {
            docker
                .restart_container(id, None::<RestartContainerOptions>)
                .await
        }
    };
    match result {
        // Already in the wanted state.
        Err(e) if is_not_modified(&e) => Ok(()),
        other => other,
    }
}

/// Runs `action` on every member concurrently; fails (502) naming each container that failed.
pub async fn run(
    engine: &Engine,
    target: &str,
    members: &[Arc<Record>],
    action: ContainerAction,
) -> Result<ActionReport, AppError> {
    let docker = engine.docker()?;
    let started = Instant::now();
    let results =
        futures::future::join_all(members.iter().map(|r| one(&docker, &r.id, action))).await;
    let failures: Vec<String> = members
        .iter()
        .zip(&results)
        .filter_map(|(r, res)| {
            res.as_ref()
                .err()
                .map(|e| format!("{}: {}", label(r), engine_message(e)))
        })
        .collect();
    if !failures.is_empty() {
        return Err(AppError::engine_failed(format!(
            "Could not {action} {target}. {}. Check the container's logs for the cause, then try again.",
            failures.join("; ")
        )));
    }
    let mut containers = Vec::new();
    for r in members {
        // The answer and the inventory agree: a read right after this one sees the outcome
        // even if the engine's events are still on their way.
        let state = match docker.inspect_container(&r.id, None).await {
            Ok(c) => {
                let record = Record::from(c);
                let state = record.state;
                engine.inventory().upsert(record);
                Some(state)
            }
            Err(_) => None,
        };
        containers.push(ContainerOutcome {
            id: r.id.clone(),
            name: r.name.clone(),
            number: r.number(),
            state,
        });
    }
    Ok(ActionReport {
        action,
        target: target.to_owned(),
        containers,
        took_ms: started.elapsed().as_millis() as u64,
    })
}
