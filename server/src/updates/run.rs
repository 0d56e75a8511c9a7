//! One update or rollback run, from the claim to its end: the pull (or the retag to the
//! previous image), the plan stored before anything changes, the swap behind the gate, and
//! the outcome kept, shown, audited and, when it failed, notified.

use std::time::{Duration, Instant};

use bosun_frontend::model::{
    AuditOutcome, ImageRef, NotifyEvent, Progress, PullProgress, UpdateKind, UpdateRunDto,
    UpdateStatus, short_digest,
};
use tokio::sync::watch;

use super::UpdatesService;
use super::compose;
use super::reference::Reference;
use super::swap::{self, Steps};
use crate::audit::Owner;
use crate::busy::Claim;
use crate::docker::containers::Listed;
use crate::docker::replace::{self, Replacement};
use crate::docker::{containers, images};
use crate::notify::{Notification, Severity};
use crate::store::updates::{PlanEntry, UpdateEnd};

/// Makes `image` (a reference with a tag) name image `id` on this host.
pub(super) async fn point(
    engine: &crate::docker::Engine,
    image: &str,
    id: &str,
) -> Result<(), String> {
    let reference = Reference::parse(image);
    let tag = image
        .strip_prefix(&reference.repository)
        .and_then(|t| t.strip_prefix(':'))
        .unwrap_or("latest");
    images::tag(engine, id, &reference.repository, tag)
        .await
        .map_err(|e| format!("tagging {} as {image} failed: {e}", short_digest(id)))
}

/// A run going on: what it has done, shown to its followers as it goes.
pub(super) struct Job {
    pub service: UpdatesService,
    pub claim: Claim,
    pub owner: Owner,
    pub members: Vec<Listed>,
    pub wait: Duration,
    pub dto: UpdateRunDto,
    pub tx: watch::Sender<UpdateRunDto>,
    pub plan: Vec<PlanEntry>,
    /// A Swarm service: Swarm replaces the tasks and rolls back by itself.
    pub swarm: bool,
}

impl Steps for Job {
    fn step(&mut self, what: String) {
        self.dto.steps.push(what.clone());
        let done = self.dto.steps.len() as u32;
        let total = (self.members.len() as u32) * 3 + 2;
        self.claim.report(
            format!("{}: {what}", self.dto.kind.as_str()),
            Progress {
                done: done.min(total),
                total,
            },
        );
        self.tx.send_replace(self.dto.clone());
    }
}

/// The end of a run: its status, why, and the new container's last lines.
struct End {
    status: UpdateStatus,
    reason: Option<String>,
    logs: Option<String>,
    downtime_ms: Option<u64>,
}

impl End {
    fn failed(reason: String) -> End {
        End {
            status: UpdateStatus::Failed,
            reason: Some(reason),
            logs: None,
            downtime_ms: None,
        }
    }
}

impl Job {
    async fn save(&self) {
        let store = &self.service.inner.store;
        if let Err(e) = store
            .save_update_progress(
                self.dto.id,
                &self.dto.steps,
                &self.plan,
                self.dto.to.as_ref(),
            )
            .await
        {
            tracing::error!(error = %e, run = self.dto.id, "could not keep an update run's progress");
        }
    }

    /// Pulls the reference, showing layers and bytes; the new image once pulled.
    async fn pull(&mut self) -> Result<ImageRef, String> {
        let engine = self.service.inner.engine.clone();
        let reference = Reference::parse(&self.dto.image);
        let login = self.service.login(&reference.registry);
        let started = Instant::now();
        let mut last_shown = Instant::now() - Duration::from_secs(1);
        let image = self.dto.image.clone();
        self.step(format!("pulling {image}"));
        let (claim, tx, dto) = (&self.claim, &self.tx, &mut self.dto);
        images::pull(&engine, &image, login.as_ref(), |state| {
            let (layers, layers_done, bytes, total_bytes) = state.figures();
            claim
                .bytes()
                .store(bytes, std::sync::atomic::Ordering::Relaxed);
            if last_shown.elapsed() < Duration::from_millis(200) && layers_done < layers {
                return;
            }
            last_shown = Instant::now();
            let secs = started.elapsed().as_secs_f64();
            let rate = if secs > 0.2 {
                (bytes as f64 / secs) as u64
            } else {
                0
            };
            dto.pull = Some(PullProgress {
                layers,
                layers_done,
                bytes,
                total_bytes,
                rate,
            });
            claim.report(
                format!(
                    "update: pulling {image}: {layers_done} of {layers} layers, {} of {} at {}/s",
                    bosun_frontend::model::human_bytes(bytes),
                    bosun_frontend::model::human_bytes(total_bytes),
                    bosun_frontend::model::human_bytes(rate)
                ),
                Progress {
                    done: layers_done,
                    total: layers.max(1),
                },
            );
            tx.send_replace(dto.clone());
        })
        .await
        .map_err(|e| format!("The pull of {image} failed: {e}. Nothing was changed."))?;
        let local = images::local(&engine, &image)
            .await
            .map_err(|e| format!("The pulled image could not be read: {e}. Nothing was changed."))?
            .ok_or_else(|| {
                format!("{image} is not on this host after the pull. Nothing was changed.")
            })?;
        let digest = reference.digest_in(&local.repo_digests);
        self.step(format!(
            "pulled {image} ({})",
            digest
                .as_deref()
                .map_or_else(|| short_digest(&local.id), short_digest)
        ));
        Ok(ImageRef {
            id: local.id,
            digest,
        })
    }

    /// Makes the reference name `id` on this host, as compose will read it.
    async fn point(&mut self, id: &str) -> Result<(), String> {
        point(&self.service.inner.engine, &self.dto.image, id).await
    }

    /// Prepares a replacement of every container, and stores the plan.
    async fn prepare(&mut self, to: &ImageRef) -> Result<(Vec<Replacement>, Vec<String>), String> {
        let engine = self.service.inner.engine.clone();
        let (project, service) = (self.dto.project.clone(), self.dto.service.clone());
        let first = containers::inspect(&engine, &self.members[0].id)
            .await
            .map_err(|e| format!("reading {project}/{service} failed: {e}"))?;
        let (labels, note) = compose::labels(&first, &project, &service, &to.id).await;
        let mut slots = Vec::new();
        for m in &self.members {
            let slot = replace::prepare(
                &engine,
                &m.id,
                &project,
                &service,
                &self.dto.image,
                labels.clone(),
            )
            .await
            .map_err(|e| format!("reading container {} failed: {e}", m.id))?;
            self.plan.push(PlanEntry {
                name: slot.old.name.clone(),
                old_id: slot.old.id.clone(),
                running: slot.old.running,
                kept_as: format!("{}_bosun-old-{}", slot.old.name, self.dto.id),
                networks: slot.networks(),
            });
            slots.push(slot);
        }
        self.save().await;
        Ok((slots, note.into_iter().collect()))
    }

    async fn execute(&mut self, target: Option<ImageRef>) -> End {
        if self.swarm {
            let Some(to) = target else {
                return End::failed("There was no image to move to. Nothing was changed.".into());
            };
            self.dto.to = Some(to.clone());
            self.save().await;
            let (status, reason) = self.swarm(to).await;
            return End {
                status,
                reason,
                logs: None,
                downtime_ms: None,
            };
        }
        let engine = self.service.inner.engine.clone();
        // On failure the reference names what the service runs again, so a later
        // `docker-compose up -d` does not bring in the build that failed.
        let before = Some(self.dto.from.id.clone());
        let to = match (self.dto.kind, target) {
            (UpdateKind::Rollback, Some(to)) => {
                if let Err(e) = self.point(&to.id).await {
                    return End::failed(format!("{e}. Nothing was changed."));
                }
                self.step(format!(
                    "{} names {} again",
                    self.dto.image,
                    short_digest(&to.id)
                ));
                to
            }
            _ => match self.pull().await {
                Ok(to) => to,
                Err(e) => return End::failed(e),
            },
        };
        self.dto.to = Some(to.clone());
        self.save().await;
        if self.members.iter().all(|m| m.image_id == to.id) {
            self.step("every container already runs this build; nothing to recreate".into());
            return End {
                status: UpdateStatus::Succeeded,
                reason: None,
                logs: None,
                downtime_ms: None,
            };
        }
        let (slots, notes) = match self.prepare(&to).await {
            Ok(prepared) => prepared,
            Err(e) => {
                self.point_back(before.as_deref()).await;
                return End::failed(format!("{e}. Nothing was changed."));
            }
        };
        notes.into_iter().for_each(|n| self.step(n));
        let plan = self.plan.clone();
        let wait = self.wait;
        match swap::swap(&engine, &slots, &plan, wait, self).await {
            Ok(done) => End {
                status: UpdateStatus::Succeeded,
                reason: None,
                logs: None,
                downtime_ms: done.downtime_ms,
            },
            Err(failed) => {
                self.point_back(before.as_deref()).await;
                End {
                    status: UpdateStatus::RolledBack,
                    reason: Some(format!(
                        "{}; every container is back on the image it ran before.",
                        failed.reason
                    )),
                    logs: failed.logs,
                    downtime_ms: None,
                }
            }
        }
    }

    async fn point_back(&mut self, before: Option<&str>) {
        if let Some(id) = before {
            match self.point(id).await {
                Ok(()) => self.step(format!(
                    "{} names {} again",
                    self.dto.image,
                    short_digest(id)
                )),
                Err(e) => self.step(e),
            }
        }
    }

    /// Runs to the end and records it.
    pub async fn run(mut self, target: Option<ImageRef>) {
        let end = self.execute(target).await;
        let inner = self.service.inner.clone();
        self.dto.status = end.status;
        self.dto.reason = end.reason.clone();
        self.dto.logs = end.logs.clone();
        self.dto.downtime_ms = end.downtime_ms;
        self.dto.pull = None;
        let at = inner.clock.now_ms();
        self.dto.finished_at = Some(crate::store::rfc3339(at));
        let finish = UpdateEnd {
            status: end.status,
            reason: end.reason.as_deref(),
            logs: end.logs.as_deref(),
            downtime_ms: end.downtime_ms,
            at_ms: at,
        };
        self.save().await;
        if let Err(e) = inner.store.finish_update(self.dto.id, &finish).await {
            tracing::error!(error = %e, run = self.dto.id, "could not record how an update ended");
        }
        let (p, s, image) = (&self.dto.project, &self.dto.service, &self.dto.image);
        if end.status == UpdateStatus::Succeeded
            && let Some(to) = &self.dto.to
            && to.id != self.dto.from.id
        {
            inner
                .board
                .set_rollback_to(p, s, image, Some(self.dto.from.id.clone()));
            inner.board.now_runs(p, s, image, to.digest.clone());
        }
        inner.board.set_run(self.dto.clone());
        let describe = |r: &ImageRef| {
            r.digest
                .as_deref()
                .map_or_else(|| short_digest(&r.id), short_digest)
        };
        let detail = format!(
            "{} from {} to {}: {}{}",
            image,
            describe(&self.dto.from),
            self.dto
                .to
                .as_ref()
                .map_or_else(|| "?".to_owned(), describe),
            end.status.as_str(),
            end.reason
                .as_deref()
                .map(|r| format!(" — {r}"))
                .unwrap_or_default()
        );
        let outcome = if end.status == UpdateStatus::Succeeded {
            AuditOutcome::Ok
        } else {
            AuditOutcome::Failed
        };
        let action = format!("service.{}", self.dto.kind.as_str());
        inner
            .audit
            .record(
                self.owner.who(),
                &action,
                &format!("{p}/{s}"),
                outcome,
                Some(detail.clone()),
            )
            .await;
        if end.status != UpdateStatus::Succeeded {
            inner.notifier.send(Notification::new(
                NotifyEvent::UpdateFailed,
                Severity::Critical,
                format!("{} of {p}/{s} {}", self.dto.kind.as_str(), end.status.title()),
                detail,
                serde_json::json!({"run_id": self.dto.id, "project": p, "service": s, "image": image, "status": end.status.as_str(), "reason": end.reason}),
            ));
        }
        self.tx.send_replace(self.dto.clone());
        self.service.live_runs().remove(&self.dto.id);
    }
}
