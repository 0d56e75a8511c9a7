//! Setting a compose service's replica count through the engine API alone.
//! The engine is asked what exists (not the inventory, which may trail its events), the plan
//! is checked before anything changes, and progress is pushed to viewers step by step.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Instant;

use bollard::Docker;
use bollard::models::{ContainerSummary, ContainerSummaryStateEnum};
use bollard::query_parameters::{
    ListContainersOptions, RemoveContainerOptions, StopContainerOptions,
};
use bosun_frontend::error::AppError;
use bosun_frontend::model::{
    ContainerOutcome, Progress, ProjectName, Replica, ScalePlan, ScaleReport, ServiceName,
};
use futures::StreamExt;

use super::replica::Blueprint;
use super::view::single_replica;
use crate::busy::Claim;
use crate::docker::client::{engine_message, is_not_modified};
use crate::docker::inventory::Inventory;
use crate::docker::record::{NUMBER, ONEOFF, PROJECT, Record, SERVICE};

/// Container operations run this many at a time.
const PARALLEL: usize = 16;

/// One container of the service as the engine lists it.
struct Member {
    id: String,
    number: u32,
    running: bool,
    created: i64,
}

fn member(c: ContainerSummary) -> Option<Member> {
    let labels = c.labels.unwrap_or_default();
    if labels
        .get(ONEOFF)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return None;
    }
    Some(Member {
        id: c.id?,
        number: labels.get(NUMBER)?.parse().ok()?,
        running: matches!(
            c.state,
            Some(ContainerSummaryStateEnum::RUNNING | ContainerSummaryStateEnum::RESTARTING)
        ),
        created: c.created.unwrap_or(0),
    })
}

/// The service's containers now, from the engine.
async fn members(docker: &Docker, project: &str, service: &str) -> Result<Vec<Member>, AppError> {
    let filters = HashMap::from([(
        "label".to_owned(),
        vec![
            format!("{PROJECT}={project}"),
            format!("{SERVICE}={service}"),
        ],
    )]);
    let list = docker
        .list_containers(Some(ListContainersOptions {
            all: true,
            filters: Some(filters),
            ..Default::default()
        }))
        .await
        .map_err(|e| {
            AppError::engine_failed(format!(
                "Could not list the containers of {project}/{service}: {}. Try again.",
                engine_message(&e)
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
    template: bollard::models::ContainerInspectResponse,
}

/// Reads the service from the engine and refuses (409) what cannot or should not be done.
pub async fn check(
    docker: &Docker,
    project: &ProjectName,
    service: &ServiceName,
    replicas: u32,
    allow_database: bool,
) -> Result<Checked, AppError> {
    let target = format!("{project}/{service}");
    let members = members(docker, project.as_str(), service.as_str()).await?;
    let newest = members.iter().max_by_key(|m| (m.created, m.number));
    let Some(newest) = newest else {
        return Err(AppError::not_found(format!(
            "{target} has no containers to copy a configuration from. Create it once with `docker-compose up -d {service}` (or `docker compose`), then scale it here."
        )));
    };
    let template = docker
        .inspect_container(&newest.id, None)
        .await
        .map_err(|e| {
            AppError::engine_failed(format!(
                "Could not read {target}'s configuration: {}. Try again.",
                engine_message(&e)
            ))
        })?;
    let record = Record::from(template.clone());
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

async fn stop(docker: &Docker, id: &str) -> Result<(), bollard::errors::Error> {
    // No timeout given: the container's own stop timeout (stop_grace_period), 10 s default.
    match docker
        .stop_container(id, None::<StopContainerOptions>)
        .await
    {
        Err(e) if is_not_modified(&e) => Ok(()),
        other => other,
    }
}

async fn stop_and_remove(docker: &Docker, id: &str) -> Result<(), bollard::errors::Error> {
    stop(docker, id).await?;
    // Named volumes and anonymous ones stay, as with compose: nothing is lost.
    docker
        .remove_container(id, None::<RemoveContainerOptions>)
        .await
}

/// Runs the plan. Removals, stops and starts run together; new replicas are created
/// `PARALLEL` at a time and none is begun after one has failed.
pub async fn run(
    docker: &Docker,
    inventory: &Inventory,
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
                    Op::Remove => (stop_and_remove(docker, &id).await, "removed"),
                    Op::Stop => (stop(docker, &id).await, "stopped"),
                    Op::Start => (docker.start_container(&id, None).await, "started"),
                };
                match result {
                    Ok(()) => {
                        reporter.step(format!("{did} #{n}"));
                        Ok(())
                    }
                    Err(e) => Err(format!("#{n}: {}", engine_message(&e))),
                }
            }
        })
        .buffer_unordered(PARALLEL)
        .collect()
        .await;
    failures.extend(results.into_iter().filter_map(Result::err));

    if !plan.create.is_empty() && failures.is_empty() {
        let image = same_image(docker, &template).await;
        let blueprint = Arc::new(Blueprint::new(
            template,
            project.as_str(),
            service.as_str(),
            image,
        ));
        let failed = AtomicBool::new(false);
        let numbers: Vec<u32> = plan.create.clone();
        let results: Vec<Result<(), String>> = futures::stream::iter(numbers)
            .map(|n| {
                let (blueprint, reporter, failed) = (&blueprint, &reporter, &failed);
                async move {
                    if failed.load(Ordering::SeqCst) {
                        return Ok(());
                    }
                    match blueprint.launch(docker, n).await {
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

    let now = outcomes(docker, inventory, project.as_str(), service.as_str()).await;
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

/// The template's image by name if the name still means that image, else by id.
async fn same_image(
    docker: &Docker,
    template: &bollard::models::ContainerInspectResponse,
) -> String {
    let id = template.image.clone().unwrap_or_default();
    let name = template
        .config
        .as_ref()
        .and_then(|c| c.image.clone())
        .unwrap_or_default();
    match docker.inspect_image(&name).await {
        Ok(image) if image.id.as_deref() == Some(id.as_str()) => name,
        _ if id.is_empty() => name,
        _ => id,
    }
}

/// Every container of the service afterwards, by number, with its state; the inventory is
/// brought up to date with them so the next read agrees with this answer.
async fn outcomes(
    docker: &Docker,
    inventory: &Inventory,
    project: &str,
    service: &str,
) -> Vec<ContainerOutcome> {
    let Ok(list) = members(docker, project, service).await else {
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
        futures::future::join_all(list.iter().map(|m| docker.inspect_container(&m.id, None))).await;
    let mut out = Vec::new();
    for c in inspected.into_iter().flatten() {
        let r = Record::from(c);
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
