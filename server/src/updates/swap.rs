//! Replacing a service's containers one by one, each behind the health gate, and putting the
//! old ones back when a new one fails. A service with a fixed host port stops its old
//! container first (the new one needs the port); any other is rolled: the new replica passes
//! its gate beside the old one, so the service never drops to zero.

use std::time::Instant;

use crate::docker::Engine;
use crate::docker::containers::{self, Removal};
use crate::docker::replace::{self, Replacement};
use crate::store::updates::PlanEntry;

use super::gate::{self, Gate};

/// How long an old container that has left the service's networks may finish what it had.
const DRAIN: std::time::Duration = std::time::Duration::from_secs(1);

/// How the replacement went.
pub struct Swapped {
    /// Time with no container of the service running (fixed host ports), in ms.
    pub downtime_ms: Option<u64>,
}

/// Why it did not go, after every container was put back.
pub struct Failed {
    pub reason: String,
    pub logs: Option<String>,
}

/// What the swap tells the run as it goes.
pub trait Steps {
    fn step(&mut self, what: String);
}

/// Replaces every container of `slots` (whose plan is already stored). On failure every
/// container touched is back under its own name, started if it ran.
pub async fn swap(
    engine: &Engine,
    slots: &[Replacement],
    plan: &[PlanEntry],
    wait: std::time::Duration,
    steps: &mut (dyn Steps + Send),
) -> Result<Swapped, Failed> {
    let fixed = slots.iter().any(|s| s.old.fixed_ports);
    let mut downtime: Option<u64> = fixed.then_some(0);
    for (i, (slot, entry)) in slots.iter().zip(plan).enumerate() {
        let attempt = async {
            replace::rename(engine, &entry.old_id, &entry.kept_as)
                .await
                .map_err(|e| (format!("renaming {} failed: {e}", entry.name), None))?;
            let mut down_since = None;
            if fixed {
                containers::stop(engine, &entry.old_id)
                    .await
                    .map_err(|e| (format!("stopping {} failed: {e}", entry.name), None))?;
                down_since = Some(Instant::now());
                steps.step(format!(
                    "{}: stopped (it publishes a fixed host port)",
                    entry.name
                ));
            }
            let new_id = slot.launch(engine, !fixed).await.map_err(|e| (e, None))?;
            if let (Some(since), Some(total)) = (down_since, downtime.as_mut()) {
                *total += since.elapsed().as_millis() as u64;
            }
            steps.step(format!("{}: new container started", entry.name));
            let gate = Gate::of(slot.old.health_budget, wait);
            match gate::pass(engine, &new_id, gate).await {
                Ok(how) => steps.step(format!("{}: new container {how}", entry.name)),
                Err(why) => {
                    let logs = replace::last_lines(engine, &new_id, 20).await;
                    return Err((format!("{}: {why}", entry.name), Some(logs)));
                }
            }
            if !fixed {
                // In: the new one takes requests for the service. Out: the old one takes no
                // new ones, finishes those it has, and stops.
                replace::expose(engine, &new_id, &entry.networks)
                    .await
                    .map_err(|e| {
                        (
                            format!("{}: joining the service's networks failed: {e}", entry.name),
                            None,
                        )
                    })?;
                for (net, _) in &entry.networks {
                    let _ = replace::disconnect(engine, &entry.old_id, net).await;
                }
                tokio::time::sleep(DRAIN).await;
                containers::stop(engine, &entry.old_id)
                    .await
                    .map_err(|e| (format!("stopping the old {} failed: {e}", entry.name), None))?;
                steps.step(format!(
                    "{}: the old container left the service and stopped",
                    entry.name
                ));
            }
            Ok::<(), (String, Option<String>)>(())
        }
        .await;
        if let Err((reason, logs)) = attempt {
            for back in plan[..=i].iter().rev() {
                match put_back(engine, back).await {
                    Ok(()) => steps.step(format!("{}: the old container is back", back.name)),
                    Err(e) => steps.step(format!("{}: could not be put back: {e}", back.name)),
                }
            }
            return Err(Failed {
                reason,
                logs: logs.filter(|l| !l.trim().is_empty()),
            });
        }
    }
    for entry in plan {
        if let Err(e) = containers::remove(engine, &entry.old_id, Removal::Stopped).await {
            steps.step(format!(
                "{}: the old container could not be removed: {e}",
                entry.kept_as
            ));
        }
    }
    steps.step("removed the old containers".into());
    Ok(Swapped {
        downtime_ms: downtime,
    })
}

/// Puts one old container back: whatever else has its name is removed, the old one gets
/// its name back and starts if it ran. Safe to repeat (a restart after a crash does).
pub async fn put_back(engine: &Engine, entry: &PlanEntry) -> Result<(), String> {
    let exists = containers::inspect(engine, &entry.old_id).await;
    let old = match exists {
        Ok(r) => r,
        Err(e) if e.is_not_found() => return Err("the old container is gone".into()),
        Err(e) => return Err(e.to_string()),
    };
    if old.name != entry.name {
        if let Some((id, _)) = replace::named(engine, &entry.name)
            .await
            .map_err(|e| e.to_string())?
            && id != entry.old_id
        {
            containers::remove(engine, &id, Removal::Discard)
                .await
                .map_err(|e| format!("removing the new container failed: {e}"))?;
        }
        replace::rename(engine, &entry.old_id, &entry.name)
            .await
            .map_err(|e| format!("renaming it back failed: {e}"))?;
    }
    for (net, aliases) in &entry.networks {
        replace::connect(engine, &entry.old_id, net, aliases)
            .await
            .map_err(|e| format!("rejoining network {net} failed: {e}"))?;
    }
    if entry.running && !old.is_running() {
        containers::start(engine, &entry.old_id)
            .await
            .map_err(|e| format!("starting it failed: {e}"))?;
    }
    Ok(())
}
