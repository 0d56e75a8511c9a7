//! Swarm services: checked like compose services (Swarm pins the digest it resolved in the
//! service's image, `ref:tag@sha256:…`), and updated by Swarm itself: bosun moves the spec to
//! the registry's new digest, with Swarm's own failure action set to roll back, and follows
//! the service's update status to its end. Keyed by name, with an empty project.

use std::time::Duration;

use bosun_frontend::authz::Operator;
use bosun_frontend::error::AppError;
use bosun_frontend::model::{
    CheckState, ImageRef, ImageUpdateDto, SwarmServiceRef, UpdateKind, UpdateStarted, UpdateStatus,
    short_digest,
};

use super::UpdatesService;
use super::launch::Start;
use super::reference::Reference;
use super::run::Job;
use super::swap::Steps;
use crate::audit::Owner;
use crate::busy::{Resource, Work};
use crate::docker::images;
use crate::docker::swarm;
use crate::error::OrInternal;
use crate::store::rfc3339;
use crate::store::updates::NewUpdate;

/// How long a Swarm update may take before bosun stops waiting for it.
const LIMIT: Duration = Duration::from_secs(600);

/// `ref:tag@sha256:…` → (`ref:tag`, the digest).
pub(super) fn split(image: &str) -> (String, Option<String>) {
    match image.split_once('@') {
        Some((reference, digest)) => (reference.to_owned(), Some(digest.to_owned())),
        None => (image.to_owned(), None),
    }
}

impl UpdatesService {
    /// Every Swarm service's image, when the engine is a manager.
    pub(super) async fn check_swarm(&self) -> Vec<ImageUpdateDto> {
        let engine = &self.inner.engine;
        if !swarm::is_manager(engine).await.unwrap_or(false) {
            return Vec::new();
        }
        let Ok(services) = swarm::services(engine).await else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for s in services {
            let (reference, current) = split(s.image.as_deref().unwrap_or_default());
            let mut dto = ImageUpdateDto {
                project: String::new(),
                service: s.name.clone(),
                image: reference.clone(),
                state: CheckState::Unchecked,
                current_digest: current.clone(),
                available_digest: None,
                built_at: None,
                checked_at: Some(rfc3339(self.inner.clock.now_ms())),
                reason: None,
                rollback_to: None,
                swarm: true,
            };
            let left_out = s.labels.get(super::UPDATE_LABEL).is_some_and(|v| {
                matches!(
                    v.trim().to_ascii_lowercase().as_str(),
                    "false" | "no" | "off" | "0"
                )
            });
            let parsed = Reference::parse(&reference);
            dto.state = if left_out {
                CheckState::Excluded
            } else if parsed.pinned {
                CheckState::Pinned
            } else if current.is_none() {
                dto.reason = Some("Swarm could not resolve it in a registry when the service was made: a local build.".into());
                CheckState::LocalBuild
            } else {
                let login = self.login(&parsed.registry);
                match images::remote_digest(engine, &reference, login.as_ref()).await {
                    Ok(remote) => {
                        let state = if Some(&remote) == current.as_ref() {
                            CheckState::Current
                        } else {
                            if let Some(http) = &self.inner.http {
                                dto.built_at =
                                    super::registry::built_at(http, &reference, login.as_ref())
                                        .await
                                        .ok()
                                        .flatten();
                            }
                            CheckState::Available
                        };
                        dto.available_digest = Some(remote);
                        state
                    }
                    Err(e) => {
                        dto.reason = Some(format!(
                            "Could not ask {} about {reference}: {e}.",
                            parsed.registry
                        ));
                        CheckState::Failed
                    }
                }
            };
            out.push(dto);
        }
        out
    }
}

impl UpdatesService {
    /// Checks, claims and starts an update of a Swarm service (Swarm does the replacing).
    pub(super) async fn start_swarm_run(
        &self,
        actor: &Operator,
        service: &SwarmServiceRef,
        kind: UpdateKind,
    ) -> Result<UpdateStarted, AppError> {
        let engine = &self.inner.engine;
        if !swarm::is_manager(engine).await? {
            return Err(AppError::conflict(
                "This Docker engine is not a Swarm manager, so it has no Swarm services.",
            ));
        }
        let found = swarm::inspect(engine, service.as_str())
            .await
            .map_err(|e| {
                if e.is_not_found() {
                    AppError::not_found(format!("There is no Swarm service “{service}”."))
                } else {
                    AppError::from(e)
                }
            })?;
        let name = found.name.clone();
        let state = swarm::update_state(engine, &name).await?;
        let (reference, current) = super::swarm::split(state.image.as_deref().unwrap_or_default());
        let current = current.ok_or_else(|| {
            AppError::conflict(format!(
                "{name} runs {reference}, which Swarm could not resolve in a registry (a local build): there is nothing to pull."
            ))
        })?;
        let claim = self.inner.busy.claim(
            Resource::SwarmService(name.clone()),
            Work::Update,
            actor.username(),
        )?;
        let target = match kind {
            UpdateKind::Update => {
                let parsed = Reference::parse(&reference);
                let login = self.login(&parsed.registry);
                let remote = images::remote_digest(engine, &reference, login.as_ref())
                    .await
                    .map_err(|e| {
                        AppError::engine_failed(format!(
                            "Could not ask {} about {reference}: {e}. Nothing was changed.",
                            parsed.registry
                        ))
                    })?;
                if remote == current {
                    return Err(AppError::conflict(format!(
                        "{name} already runs the registry's newest build of {reference}."
                    )));
                }
                remote
            }
            UpdateKind::Rollback => {
                let rows = self
                    .inner
                    .store
                    .rollback_targets()
                    .await
                    .or_internal("reading the rollback targets")?;
                rows.into_iter()
                    .find(|r| r.project.is_empty() && r.service == name)
                    .map(|r| r.from_id)
                    .ok_or_else(|| {
                        AppError::conflict(format!(
                            "{name} has no earlier image to roll back to: bosun has not updated it yet."
                        ))
                    })?
            }
        };
        let from = ImageRef {
            id: current.clone(),
            digest: Some(current),
        };
        let to = ImageRef {
            id: target.clone(),
            digest: Some(target),
        };
        let row = self
            .inner
            .store
            .insert_update(&NewUpdate {
                project: "",
                service: &name,
                kind,
                image: &reference,
                from: &from,
                to: Some(&to),
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
                members: Vec::new(),
                wait: super::DEFAULT_WAIT,
                swarm: true,
                to: Some(to),
            },
        ))
    }
}

impl Job {
    /// Moves the Swarm service to `to` and follows Swarm's update to its end.
    pub(super) async fn swarm(&mut self, to: ImageRef) -> (UpdateStatus, Option<String>) {
        let engine = self.service.inner.engine.clone();
        let name = self.dto.service.clone();
        let before = swarm::update_state(&engine, &name)
            .await
            .unwrap_or_default();
        let found = match swarm::inspect(&engine, &name).await {
            Ok(found) => found,
            Err(e) => {
                return (
                    UpdateStatus::Failed,
                    Some(format!(
                        "Could not read the service: {e}. Nothing was changed."
                    )),
                );
            }
        };
        let target = format!("{}@{}", self.dto.image, to.id);
        if let Err(e) = swarm::update_image(&engine, found, &target, self.wait).await {
            return (
                UpdateStatus::Failed,
                Some(format!(
                    "Swarm refused the update: {e}. Nothing was changed."
                )),
            );
        }
        self.step(format!(
            "asked Swarm to move {name} to {}",
            short_digest(&to.id)
        ));
        let deadline = tokio::time::Instant::now() + LIMIT;
        let mut said = None;
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let now = match swarm::update_state(&engine, &name).await {
                Ok(now) => now,
                Err(e) => {
                    return (
                        UpdateStatus::Failed,
                        Some(format!("The service could not be read any more: {e}")),
                    );
                }
            };
            // The status of an earlier update until Swarm begins this one.
            let ours = now.started_at != before.started_at;
            if ours && now.message != said {
                if let Some(m) = &now.message {
                    self.step(format!("Swarm: {m}"));
                }
                said = now.message.clone();
            }
            match (ours, now.state.as_deref()) {
                (true, Some("completed")) => return (UpdateStatus::Succeeded, None),
                (true, Some("rollback_completed")) => {
                    let why = now.message.unwrap_or_else(|| "a task failed".into());
                    return (
                        UpdateStatus::RolledBack,
                        Some(format!("Swarm rolled the service back: {why}")),
                    );
                }
                (true, Some(s @ ("paused" | "rollback_paused"))) => {
                    return (
                        UpdateStatus::Failed,
                        Some(format!(
                            "Swarm {s} the update: {}. Resume or roll it back with `docker service update`.",
                            now.message.unwrap_or_default()
                        )),
                    );
                }
                _ => {}
            }
            if tokio::time::Instant::now() > deadline {
                return (
                    UpdateStatus::Failed,
                    Some(format!(
                        "Swarm had not finished after {} s; it goes on by itself (`docker service ps {name}`).",
                        LIMIT.as_secs()
                    )),
                );
            }
        }
    }
}
