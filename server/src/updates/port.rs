//! The updates port: what the pages and the REST API call. Starting a run checks everything
//! it can before anything changes (the service, its label, its image, the engine, the claim)
//! and answers 202 with the run's id; the run goes on in the background.

use async_trait::async_trait;
use bosun_frontend::authz::{Operator, Viewer};
use bosun_frontend::error::AppError;
use bosun_frontend::model::{
    CheckState, ImageRef, ImageUpdateDto, ProjectName, ServiceName, SwarmServiceRef, UpdateKind,
    UpdateRunDto, UpdateStarted, UpdateStatus,
};
use bosun_frontend::ports::UpdatesPort;

use super::UpdatesService;
use super::check::{excluded, services};
use super::gate::wait_of;
use super::launch::Start;
use super::reference::Reference;
use super::run::Job;
use crate::audit::Owner;
use crate::busy::{Resource, Work};
use crate::docker::containers::{self, Listed};
use crate::docker::images;
use crate::docker::record::ONEOFF;
use crate::error::OrInternal;
use crate::store::updates::NewUpdate;

impl UpdatesService {
    /// Checks, claims and starts a run in the background.
    async fn start_run(
        &self,
        actor: &Operator,
        project: &ProjectName,
        service: &ServiceName,
        kind: UpdateKind,
    ) -> Result<UpdateStarted, AppError> {
        let target = format!("{project}/{service}");
        let records = self.inner.engine.inventory().records();
        let all = services(&records);
        let record = all
            .get(&(project.to_string(), service.to_string()))
            .ok_or_else(|| {
                AppError::not_found(format!(
                    "There is no compose service {target} with containers on this host. Open Services to see the services there are."
                ))
            })?
            .clone();
        if excluded(&record) {
            return Err(AppError::conflict(format!(
                "{target} is left out of updates by its label bosun.update=false. Remove the label (and recreate the service) to update it from bosun."
            )));
        }
        let reference = Reference::parse(&record.image);
        if reference.pinned {
            return Err(AppError::conflict(format!(
                "{target} runs {}, pinned by digest: it cannot change. Change the digest in the compose file to move it.",
                record.image
            )));
        }
        let wait = wait_of(&record)
            .map_err(|why| AppError::conflict(format!("{target} cannot be updated: {why}.")))?;
        self.inner.engine.ready()?;
        let claim = self.inner.busy.claim(
            Resource::service(project.as_str(), service.as_str()),
            Work::Update,
            actor.username(),
        )?;
        let members = self.members(project.as_str(), service.as_str()).await?;
        let engine = &self.inner.engine;
        let current = images::local(engine, &record.image_id).await?;
        let from = ImageRef {
            id: record.image_id.clone(),
            digest: current
                .as_ref()
                .and_then(|l| reference.digest_in(&l.repo_digests)),
        };
        let to = match kind {
            UpdateKind::Update => {
                if from.digest.is_none() {
                    return Err(AppError::conflict(format!(
                        "{target} runs {}, a build made on this host that no registry has: there is nothing to pull. Rebuild it with compose instead.",
                        record.image
                    )));
                }
                None
            }
            UpdateKind::Rollback => Some(self.rollback_target(&target, project, service).await?),
        };
        let row = self
            .inner
            .store
            .insert_update(&NewUpdate {
                project: project.as_str(),
                service: service.as_str(),
                kind,
                image: &record.image,
                from: &from,
                to: to.as_ref(),
                actor: actor.username(),
                at_ms: self.inner.clock.now_ms(),
            })
            .await
            .or_internal("recording an update run")?;
        Ok(Job::launch(
            self,
            &row,
            Start {
                claim,
                owner: Owner::from(actor),
                members,
                wait,
                swarm: false,
                to,
            },
        ))
    }

    /// A run refused before it started is audited here; one that started is audited at its end.
    async fn audit_refusal(
        &self,
        actor: &Operator,
        action: &str,
        target: &str,
        result: &Result<UpdateStarted, AppError>,
    ) {
        if let Err(e) = result {
            self.inner
                .audit
                .outcome(actor.into(), action, target, &Err::<(), _>(e.clone()))
                .await;
        }
    }

    /// The running containers of the service; 409 when any is stopped.
    async fn members(&self, project: &str, service: &str) -> Result<Vec<Listed>, AppError> {
        let target = format!("{project}/{service}");
        let mut members: Vec<Listed> = containers::of_service(&self.inner.engine, project, service)
            .await?
            .into_iter()
            .filter(|c| {
                !c.labels
                    .get(ONEOFF)
                    .is_some_and(|v| v.eq_ignore_ascii_case("true"))
            })
            .collect();
        members.sort_by_key(|c| c.created);
        if members.is_empty() {
            return Err(AppError::not_found(format!("{target} has no containers.")));
        }
        let stopped = members.iter().filter(|m| !m.running).count();
        if stopped > 0 {
            return Err(AppError::conflict(format!(
                "{stopped} of {} containers of {target} are stopped. Start the service first: a new build is only put in after it has proven itself running.",
                members.len()
            )));
        }
        Ok(members)
    }

    /// The image the service ran before its last update; 409 when there is none or it is gone.
    async fn rollback_target(
        &self,
        target: &str,
        project: &ProjectName,
        service: &ServiceName,
    ) -> Result<ImageRef, AppError> {
        let rows = self
            .inner
            .store
            .rollback_targets()
            .await
            .or_internal("reading the rollback targets")?;
        let last = rows
            .into_iter()
            .find(|r| r.project == project.as_str() && r.service == service.as_str())
            .ok_or_else(|| {
                AppError::conflict(format!(
                    "{target} has no earlier image to roll back to: bosun has not updated it yet."
                ))
            })?;
        let found = images::local(&self.inner.engine, &last.from_id).await?;
        if found.is_none() {
            return Err(AppError::conflict(format!(
                "The image {target} ran before ({}) is no longer on this host (removed by hand or by a prune). Pull or build it again to roll back.",
                bosun_frontend::model::short_digest(&last.from_id)
            )));
        }
        Ok(ImageRef {
            id: last.from_id,
            digest: last.from_digest,
        })
    }

    async fn row(&self, id: i64) -> Result<UpdateRunDto, AppError> {
        if let Some(tx) = self.live_runs().get(&id) {
            return Ok(tx.borrow().clone());
        }
        let row = self
            .inner
            .store
            .update_run(id)
            .await
            .or_internal("reading the update runs")?
            .ok_or_else(|| AppError::not_found(format!("There is no update run #{id}.")))?;
        Ok(row.dto())
    }

    /// The run's state now and, while it runs, every change until it ends.
    pub async fn follow(
        &self,
        _actor: &Viewer,
        id: i64,
    ) -> Result<impl futures::Stream<Item = UpdateRunDto> + Send + use<>, AppError> {
        let first = self.row(id).await?;
        let rx = self.live_runs().get(&id).map(|tx| tx.subscribe());
        Ok(super::events::stream(first, rx))
    }
}

#[async_trait]
impl UpdatesPort for UpdatesService {
    async fn list(&self, _actor: &Viewer) -> Result<Vec<ImageUpdateDto>, AppError> {
        let records = self.inner.engine.inventory().records();
        let mut out = self.inner.board.checks();
        // Services never checked yet are listed too.
        for ((p, s), r) in services(&records) {
            if !out.iter().any(|c| c.project == p && c.service == s) {
                out.push(ImageUpdateDto {
                    project: p,
                    service: s,
                    image: r.image.clone(),
                    state: CheckState::Unchecked,
                    current_digest: None,
                    available_digest: None,
                    built_at: None,
                    checked_at: None,
                    reason: None,
                    rollback_to: None,
                    swarm: false,
                });
            }
        }
        out.sort_by(|a, b| (&a.project, &a.service).cmp(&(&b.project, &b.service)));
        Ok(out)
    }

    async fn check(&self, actor: &Operator) -> Result<Vec<ImageUpdateDto>, AppError> {
        self.inner.engine.ready()?;
        self.check_all().await;
        self.inner
            .audit
            .record(
                actor.into(),
                "updates.check",
                "all services",
                bosun_frontend::model::AuditOutcome::Ok,
                None,
            )
            .await;
        self.list(&actor.also()?).await
    }

    async fn update(
        &self,
        actor: &Operator,
        project: &ProjectName,
        service: &ServiceName,
    ) -> Result<UpdateStarted, AppError> {
        let result = self
            .start_run(actor, project, service, UpdateKind::Update)
            .await;
        self.audit_refusal(
            actor,
            "service.update",
            &format!("{project}/{service}"),
            &result,
        )
        .await;
        result
    }

    async fn rollback(
        &self,
        actor: &Operator,
        project: &ProjectName,
        service: &ServiceName,
    ) -> Result<UpdateStarted, AppError> {
        let result = self
            .start_run(actor, project, service, UpdateKind::Rollback)
            .await;
        self.audit_refusal(
            actor,
            "service.rollback",
            &format!("{project}/{service}"),
            &result,
        )
        .await;
        result
    }

    async fn update_swarm(
        &self,
        actor: &Operator,
        service: &SwarmServiceRef,
        kind: UpdateKind,
    ) -> Result<UpdateStarted, AppError> {
        let result = self.start_swarm_run(actor, service, kind).await;
        let action = format!("swarm.{}", kind.as_str());
        self.audit_refusal(actor, &action, service.as_str(), &result)
            .await;
        result
    }

    async fn run(&self, _actor: &Viewer, id: i64) -> Result<UpdateRunDto, AppError> {
        self.row(id).await
    }

    async fn history(
        &self,
        _actor: &Viewer,
        project: &ProjectName,
        service: &ServiceName,
    ) -> Result<Vec<UpdateRunDto>, AppError> {
        let rows = self
            .inner
            .store
            .update_history(project.as_str(), service.as_str())
            .await
            .or_internal("reading the update history")?;
        let mut runs: Vec<UpdateRunDto> = rows.iter().map(|r| r.dto()).collect();
        // A run going on shows as it stands now.
        for run in runs
            .iter_mut()
            .filter(|r| r.status == UpdateStatus::Running)
        {
            if let Some(tx) = self.live_runs().get(&run.id) {
                *run = tx.borrow().clone();
            }
        }
        Ok(runs)
    }
}
