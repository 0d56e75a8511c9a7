//! Setting a compose service's replica count through the engine API alone.
//! The engine is asked what exists (not the inventory, which may trail its events), the plan
//! is checked before anything changes, and progress is pushed to viewers step by step.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Instant;

use bosun_frontend::error::AppError;
use bosun_frontend::model::{
    ContainerOutcome, Progress, ProjectName, Replica, ScalePlan, ScaleReport, ServiceName,
};
use futures::StreamExt;

use super::view::single_replica;
use crate::busy::Claim;
use crate::docker::Engine;
use crate::docker::containers::{self, Listed, Removal};
use crate::docker::error::EngineError;
use crate::docker::record::{NUMBER, ONEOFF};
use crate::docker::template::Template;

/// Container operations run this many at a time.
const PARALLEL: usize = 16;

/// One container of the service as the engine lists it.
struct Member {
    id: String,
    number: u32,
    running: bool,
    created: i64,
}

/// A numbered container of the service; one-off `run` containers are not replicas.
fn member(c: Listed) -> Option<Member> {
    if c.labels
        .get(ONEOFF)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return None;
    }
    Some(Member {
        number: c.labels.get(NUMBER)?.parse().ok()?,
        id: c.id,
        running: c.running,
        created: c.created,
    })
}

/// The service's containers now, from the engine.
async fn members(engine: &Engine, project: &str, service: &str) -> Result<Vec<Member>, AppError> {
    let list = containers::of_service(engine, project, service)
        .await
        .map_err(|e| {
            AppError::engine_failed(format!(
                "Could not list the containers of {project}/{service}: {e}. Try again."
            ))
        })?;
    let mut members: Vec<Member> = list.into_iter().filter_map(member).collect();
    members.sort_by_key(|m| m.number);
    Ok(members)
}

/// What is checked before anything changes.
pub struct Checked {
    pub plan: ScalePlan,
    members: Vec<Member>,
    template: Template,
}

/// Reads the service from the engine and refuses (409) what cannot or should not be done.
pub async fn check(
    engine: &Engine,
    project: &ProjectName,
    service: &ServiceName,
    replicas: u32,
    allow_database: bool,
) -> Result<Checked, AppError> {
    let target = format!("{project}/{service}");
    let members = members(engine, project.as_str(), service.as_str()).await?;
    let newest = members.iter().max_by_key(|m| (m.created, m.number));
    let Some(newest) = newest else {
        return Err(AppError::not_found(format!(
            "{target} has no containers to copy a configuration from. Create it once with `docker-compose up -d {service}` (or `docker compose`), then scale it here."
        )));
    };
    let template = Template::read(engine, &newest.id).await.map_err(|e| {
        AppError::engine_failed(format!(
            "Could not read {target}'s configuration: {e}. Try again."
        ))
    })?;
    let record = template.record();
    let replicas_now: Vec<Replica> = members
        .iter()
        .map(|m| Replica {
            number: m.number,
            running: m.running,
        })
        .collect();
    let plan = ScalePlan::new(&replicas_now, replicas);
    if replicas > 1
        && let Some(why) = single_replica(&record)
    {
        return Err(AppError::conflict(format!(
            "{target} cannot run {replicas} replicas. {why}"
        )));
    }
    if let Some(db) = record.database
        && !plan.is_empty()
        && !allow_database
    {
        return Err(AppError::conflict(format!(
            "{target} looks like a {} database. Replicas of one database would share or split its data, and removing one can lose writes. If you really mean it, confirm the override (\"override\": true in the API).",
            db.title()
        )));
    }
    Ok(Checked {
        plan,
        members,
        template,
    })
}

/// Counts finished steps and shows them to every viewer of the service.
struct Reporter<'a> {
    guard: &'a Claim,
    replicas: u32,
    done: AtomicU32,
    total: u32,
}

impl Reporter<'_> {
    fn step(&self, what: String) {
        let done = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        self.guard.report(
            format!(
                "scaling to {}: {what} ({done} of {})",
                self.replicas, self.total
            ),
            Progress {
                done,
                total: self.total,
            },
        );
    }
}

/// Stops (if running) and removes; named and anonymous volumes stay, as with compose.
async fn stop_and_remove(engine: &Engine, id: &str) -> Result<(), EngineError> {
    containers::stop(engine, id).await?;
    containers::remove(engine, id, Removal::Stopped).await
}

/// Runs the plan. Removals, stops and starts run together; new replicas are created
/// `PARALLEL` at a time and none is begun after one has failed.
pub async fn run(
    engine: &Engine,
    guard: &Claim,
    project: &ProjectName,
    service: &ServiceName,
    replicas: u32,
    checked: Checked,
) -> Result<ScaleReport, AppError> {
    let started = Instant::now();
    let target = format!("{project}/{service}");
    let Checked {
        plan,
        members,
        template,
    } = checked;
    let reporter = Reporter {
        guard,
        replicas,
        done: AtomicU32::new(0),
        total: plan.steps(),
    };
    if !plan.is_empty() {
        guard.report(
            format!("scaling to {replicas}: {plan}"),
            Progress {
                done: 0,
                total: reporter.total,
            },
        );
    }
    let by_number: HashMap<u32, &Member> = members.iter().map(|m| (m.number, m)).collect();
    let mut failures: Vec<String> = Vec::new();

    #[derive(Clone, Copy)]
    enum Op {
        Remove,
        Stop,
        Start,
    }
    let mut ops: Vec<(u32, String, Op)> = Vec::new();
    for (list, op) in [
        (&plan.remove, Op::Remove),
        (&plan.stop, Op::Stop),
        (&plan.start, Op::Start),
    ] {
        for n in list {
            if let Some(m) = by_number.get(n) {
                ops.push((*n, m.id.clone(), op));
            }
        }
    }
    let results: Vec<Result<(), String>> = futures::stream::iter(ops)
        .map(|(n, id, op)| {
            let reporter = &reporter;
            async move {
                let (result, did) = match op {
                    Op::Remove => (stop_and_remove(engine, &id).await, "removed"),
                    Op::Stop => (containers::stop(engine, &id).await, "stopped"),
                    Op::Start => (containers::start(engine, &id).await, "started"),
                };
                match result {
                    Ok(()) => {
                        reporter.step(format!("{did} #{n}"));
                        Ok(())
                    }
                    Err(e) => Err(format!("#{n}: {e}")),
                }
            }
        })
        .buffer_unordered(PARALLEL)
        .collect()
        .await;
    failures.extend(results.into_iter().filter_map(Result::err));

    if !plan.create.is_empty() && failures.is_empty() {
        let blueprint = Arc::new(
            template
                .blueprint(engine, project.as_str(), service.as_str())
                .await,
        );
        let failed = AtomicBool::new(false);
        let numbers: Vec<u32> = plan.create.clone();
        let results: Vec<Result<(), String>> = futures::stream::iter(numbers)
            .map(|n| {
                let (blueprint, reporter, failed) = (&blueprint, &reporter, &failed);
                async move {
                    if failed.load(Ordering::SeqCst) {
                        return Ok(());
                    }
                    match blueprint.launch(engine, n).await {
                        Ok(_) => {
                            reporter.step(format!("created #{n}"));
                            Ok(())
                        }
                        Err(why) => {
                            failed.store(true, Ordering::SeqCst);
                            Err(why)
                        }
                    }
                }
            })
            .buffer_unordered(PARALLEL)
            .collect()
            .await;
        failures.extend(results.into_iter().filter_map(Result::err));
    }

    let now = outcomes(engine, project.as_str(), service.as_str()).await;
    if !failures.is_empty() {
        let list: Vec<String> = now.iter().map(|c| c.summary()).collect();
        return Err(AppError::engine_failed(format!(
            "Scaling {target} to {replicas} stopped part-way: {}. It now has {} container(s): {}; nothing half-created was left behind. Fix the cause (see the engine's message) and scale again.",
            failures.join("; "),
            now.len(),
            if list.is_empty() {
                "none".to_owned()
            } else {
                list.join(", ")
            }
        )));
    }
    Ok(ScaleReport {
        target,
        replicas,
        plan,
        containers: now,
        took_ms: started.elapsed().as_millis() as u64,
    })
}

/// Every container of the service afterwards, by number, with its state; the inventory is
/// brought up to date with them so the next read agrees with this answer.
async fn outcomes(engine: &Engine, project: &str, service: &str) -> Vec<ContainerOutcome> {
    let inventory = engine.inventory();
    let Ok(list) = members(engine, project, service).await else {
        return Vec::new();
    };
    let kept: std::collections::HashSet<&str> = list.iter().map(|m| m.id.as_str()).collect();
    for gone in inventory.records().iter().filter(|r| {
        r.project() == Some(project)
            && r.service() == Some(service)
            && !r.oneoff()
            && !kept.contains(r.id.as_str())
    }) {
        inventory.remove(&gone.id);
    }
    let inspected =
        futures::future::join_all(list.iter().map(|m| containers::inspect(engine, &m.id))).await;
    let mut out = Vec::new();
    for r in inspected.into_iter().flatten() {
        out.push(ContainerOutcome {
            id: r.id.clone(),
            name: r.name.clone(),
            number: r.number(),
            state: Some(r.state),
        });
        inventory.upsert(r);
    }
    out
}
