//! Swarm services on a manager engine: listed with their tasks, scaled by a service update,
//! and followed live (local task containers' events, plus a slow refresh for other nodes).

pub mod view;

use std::time::{Duration, Instant};

use async_trait::async_trait;
use bosun_frontend::authz::{Operator, Viewer};
use bosun_frontend::error::AppError;
use bosun_frontend::model::{
    AuditOutcome, SwarmDto, SwarmScaleReport, SwarmScaleRequest, SwarmServiceDto, SwarmServiceRef,
};
use bosun_frontend::ports::SwarmPort;
use futures::Stream;

use crate::audit::AuditService;
use crate::busy::{Busy, Resource, Work};
use crate::docker::Engine;
use crate::docker::error::{EngineError, Failure};
use crate::docker::swarm::{self, Mode};

/// How long a scale waits for the tasks to run before answering anyway.
const CONVERGE: Duration = Duration::from_secs(60);
/// Tasks on other nodes send no local events; the live view re-reads this often.
const REFRESH: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub struct SwarmService {
    engine: Engine,
    busy: Busy,
    audit: AuditService,
    max_replicas: u32,
    /// What the updates room found for each service (Swarm services are keyed by name alone).
    updates: crate::updates::Board,
}

fn failed(what: &str, e: &EngineError) -> AppError {
    if e.failure() == Failure::Disconnected {
        return AppError::from(e.clone());
    }
    AppError::engine_failed(format!(
        "Could not {what}: {e}. Check `docker service ls` on the manager, then try again."
    ))
}

impl SwarmService {
    pub fn new(
        engine: Engine,
        busy: Busy,
        audit: AuditService,
        max_replicas: u32,
        updates: crate::updates::Board,
    ) -> Self {
        SwarmService {
            engine,
            busy,
            audit,
            max_replicas,
            updates,
        }
    }

    /// Whether the engine is a Swarm manager (503 without a connection).
    async fn manager(&self) -> Result<bool, AppError> {
        Ok(swarm::is_manager(&self.engine).await?)
    }

    async fn read(&self) -> Result<Vec<SwarmServiceDto>, AppError> {
        let list = swarm::services(&self.engine)
            .await
            .map_err(|e| failed("list the Swarm services", &e))?;
        let tasks = swarm::tasks(&self.engine)
            .await
            .map_err(|e| failed("list the Swarm tasks", &e))?;
        let busy = |name: &str| {
            self.busy
                .on(&Resource::SwarmService(name.to_owned()))
                .into_iter()
                .next()
                .map(|b| b.what)
        };
        let update = |name: &str| self.updates.get("", name);
        Ok(view::services(list, tasks, &busy, &update))
    }

    pub async fn snapshot(&self) -> Result<SwarmDto, AppError> {
        let services = if self.manager().await? {
            Some(self.read().await?)
        } else {
            None
        };
        Ok(SwarmDto {
            manager: services.is_some(),
            services: services.unwrap_or_default(),
            max_replicas: self.max_replicas,
        })
    }

    /// A new picture after every change seen (and every few seconds), identical ones skipped.
    pub fn follow(&self) -> impl Stream<Item = SwarmDto> + Send + use<> {
        let this = self.clone();
        crate::live::snapshots(
            vec![self.engine.inventory().watch(), self.busy.watch()],
            || REFRESH,
            move || {
                let this = this.clone();
                async move { this.snapshot().await }
            },
        )
    }

    async fn scale_inner(
        &self,
        actor: &Operator,
        service: &SwarmServiceRef,
        replicas: u32,
    ) -> Result<SwarmScaleReport, AppError> {
        if replicas > self.max_replicas {
            return Err(AppError::bad_request(
                "replicas",
                format!(
                    "Choose between 0 and {} replicas (the configured maximum, --max-replicas).",
                    self.max_replicas
                ),
            ));
        }
        if !self.manager().await? {
            return Err(AppError::conflict(
                "This Docker engine is not a Swarm manager, so it has no Swarm services. Point bosun at a manager (DOCKER_HOST) or run `docker swarm init`.",
            ));
        };
        let found = swarm::inspect(&self.engine, service.as_str())
            .await
            .map_err(|e| {
                if e.is_not_found() {
                    AppError::not_found(format!(
                        "There is no Swarm service “{service}”. Open Services to see the Swarm services there are."
                    ))
                } else {
                    failed("read the service", &e)
                }
            })?;
        let (id, name) = (found.id.clone(), found.name.clone());
        if !matches!(found.mode, Mode::Replicated(_)) {
            return Err(AppError::conflict(format!(
                "{name} is a global or job service: Swarm runs it once per node (or to completion), so it has no replica count. Change its mode with `docker service update` if you need replicas."
            )));
        }
        let claim = self.busy.claim(
            Resource::SwarmService(name.clone()),
            Work::Scale,
            actor.username(),
        )?;
        claim.step(&format!("scaling to {replicas}"), None);
        let started = Instant::now();
        swarm::set_replicas(&self.engine, found, replicas)
            .await
            .map_err(|e| failed(&format!("update {name}"), &e))?;

        // Wait for the tasks, woken by their containers' events (or a short tick).
        let mut changes = self.engine.inventory().watch();
        let deadline = tokio::time::Instant::now() + CONVERGE;
        loop {
            let now = self.read().await?;
            let current = now.into_iter().find(|s| s.id == id);
            let converged = current.as_ref().is_some_and(|s| {
                s.running == u64::from(replicas)
                    && s.tasks
                        .iter()
                        .filter(|t| t.desired_state == "running")
                        .count() as u32
                        == replicas
            });
            if converged || tokio::time::Instant::now() >= deadline {
                let service = current.ok_or_else(|| {
                    AppError::not_found(format!("{name} disappeared while it was being scaled."))
                })?;
                return Ok(SwarmScaleReport {
                    service,
                    converged,
                    took_ms: started.elapsed().as_millis() as u64,
                });
            }
            tokio::select! {
                _ = changes.changed() => {}
                () = tokio::time::sleep(Duration::from_millis(500)) => {}
                () = tokio::time::sleep_until(deadline) => {}
            }
        }
    }
}

#[async_trait]
impl SwarmPort for SwarmService {
    async fn overview(&self, _actor: &Viewer) -> Result<SwarmDto, AppError> {
        self.snapshot().await
    }

    async fn scale(
        &self,
        actor: &Operator,
        service: &SwarmServiceRef,
        request: SwarmScaleRequest,
    ) -> Result<SwarmScaleReport, AppError> {
        let result = self.scale_inner(actor, service, request.replicas).await;
        let (outcome, detail) = match &result {
            Ok(r) if r.converged => (
                AuditOutcome::Ok,
                format!("to {}: {} running", request.replicas, r.service.running),
            ),
            Ok(r) => (
                AuditOutcome::Ok,
                format!(
                    "to {}: updated; {} running after {} s",
                    request.replicas,
                    r.service.running,
                    CONVERGE.as_secs()
                ),
            ),
            Err(e) => (AuditOutcome::Failed, e.message.clone()),
        };
        self.audit
            .record(
                actor.into(),
                "swarm.scale",
                &format!("swarm/{service}"),
                outcome,
                Some(detail),
            )
            .await;
        result
    }
}
