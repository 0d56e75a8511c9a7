//! Start, stop and restart through the engine, all containers of a target at once.

use std::sync::Arc;
use std::time::Instant;

use bosun_frontend::error::AppError;
use bosun_frontend::model::{ActionReport, ContainerAction, ContainerOutcome};

use crate::docker::Engine;
use crate::docker::containers;
use crate::docker::error::EngineError;
use crate::docker::record::Record;

/// How a container is named in messages and the audit log: `demo/web #2 (demo_web_2)`.
pub fn label(r: &Record) -> String {
    match (r.project(), r.service(), r.number()) {
        (Some(p), Some(s), Some(n)) => format!("{p}/{s} #{n} ({})", r.name),
        _ => r.name.clone(),
    }
}

/// Already in the wanted state counts as done. No timeout is given: the engine uses the
/// container's own stop timeout (compose's stop_grace_period), 10 s by default.
async fn one(engine: &Engine, id: &str, action: ContainerAction) -> Result<(), EngineError> {
    match action {
        ContainerAction::Start => containers::start(engine, id).await,
        ContainerAction::Stop => containers::stop(engine, id).await,
        ContainerAction::Restart => containers::restart(engine, id).await,
    }
}

/// Runs `action` on every member concurrently; fails (502) naming each container that failed.
pub async fn run(
    engine: &Engine,
    target: &str,
    members: &[Arc<Record>],
    action: ContainerAction,
) -> Result<ActionReport, AppError> {
    engine.ready()?;
    let started = Instant::now();
    let results =
        futures::future::join_all(members.iter().map(|r| one(engine, &r.id, action))).await;
    let failures: Vec<String> = members
        .iter()
        .zip(&results)
        .filter_map(|(r, res)| res.as_ref().err().map(|e| format!("{}: {e}", label(r))))
        .collect();
    if !failures.is_empty() {
        return Err(AppError::engine_failed(format!(
            "Could not {action} {target}. {}. Check the container's logs for the cause, then try again.",
            failures.join("; ")
        )));
    }
    let mut outcomes = Vec::new();
    for r in members {
        // The answer and the inventory agree: a read right after this one sees the outcome
        // even if the engine's events are still on their way.
        let state = match containers::inspect(engine, &r.id).await {
            Ok(record) => {
                let state = record.state;
                engine.inventory().upsert(record);
                Some(state)
            }
            Err(_) => None,
        };
        outcomes.push(ContainerOutcome {
            id: r.id.clone(),
            name: r.name.clone(),
            number: r.number(),
            state,
        });
    }
    Ok(ActionReport {
        action,
        target: target.to_owned(),
        containers: outcomes,
        took_ms: started.elapsed().as_millis() as u64,
    })
}
