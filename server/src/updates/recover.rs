//! At start-up: runs a previous bosun left running (it was killed, or the host went down).
//! Once the engine answers, every old container still kept aside is put back under its name
//! (its replacement removed) and started if it ran, so the service runs one known image; the
//! run is marked interrupted, audited and notified. The service stays claimed until then.

use bosun_frontend::model::{AuditOutcome, NotifyEvent, UpdateStatus, short_digest};

use super::UpdatesService;
use super::run::point;
use super::swap::put_back;
use crate::audit::Owner;
use crate::busy::{Claim, Resource, Work};
use crate::notify::{Notification, Severity};
use crate::store::updates::{UpdateEnd, UpdateRow};

impl UpdatesService {
    pub(super) async fn recover(&self) {
        let rows = match self.inner.store.running_updates().await {
            Ok(rows) => rows,
            Err(e) => {
                tracing::error!(error = %e, "could not read the update runs left running");
                return;
            }
        };
        for row in rows {
            let claim = self.inner.busy.claim(
                Resource::service(&row.project, &row.service),
                Work::Update,
                "bosun (start-up)",
            );
            match claim {
                Ok(claim) => {
                    claim.step("putting back an update interrupted by a restart", None);
                    tokio::spawn(self.clone().put_back_run(row, claim));
                }
                Err(e) => {
                    tracing::error!(error = %e.message, run = row.id, "could not claim a service to finish an interrupted update")
                }
            }
        }
    }

    async fn put_back_run(self, row: UpdateRow, _claim: Claim) {
        let engine = &self.inner.engine;
        let mut status = engine.subscribe();
        if status.wait_for(|s| s.connected).await.is_err() {
            return;
        }
        let mut back = Vec::new();
        let mut problems = Vec::new();
        for entry in row.plan().iter().rev() {
            match put_back(engine, entry).await {
                Ok(()) => back.push(entry.name.clone()),
                // Removed at the very end of a swap that went through: nothing to put back.
                Err(e) if e.contains("gone") => {}
                Err(e) => problems.push(format!("{}: {e}", entry.name)),
            }
        }
        let mut reason = if row.project.is_empty() {
            "bosun stopped while Swarm updated the service; Swarm goes on by itself and rolls back when a task fails (`docker service ps` shows how it ended).".to_owned()
        } else if back.is_empty() {
            match &row.to_id {
                Some(to) if !row.plan().is_empty() => format!(
                    "bosun stopped as the update ended; the service runs the new image {}.",
                    short_digest(to)
                ),
                _ => "bosun stopped before any container was changed; nothing was changed."
                    .to_owned(),
            }
        } else {
            if let Err(e) = point(engine, &row.image, &row.from_id).await {
                problems.push(e);
            }
            format!(
                "bosun stopped during the update; at start-up {} went back on the image it ran before ({}).",
                back.join(", "),
                short_digest(&row.from_id)
            )
        };
        if !problems.is_empty() {
            reason.push_str(&format!(
                " Could not put everything back: {}.",
                problems.join("; ")
            ));
        }
        let end = UpdateEnd {
            status: UpdateStatus::Interrupted,
            reason: Some(&reason),
            logs: None,
            downtime_ms: None,
            at_ms: self.inner.clock.now_ms(),
        };
        if let Err(e) = self.inner.store.finish_update(row.id, &end).await {
            tracing::error!(error = %e, run = row.id, "could not mark an update run interrupted");
        }
        if let Ok(Some(done)) = self.inner.store.update_run(row.id).await {
            self.inner.board.set_run(done.dto());
        }
        let owner = Owner {
            username: row.actor.clone(),
            ..Owner::system("startup")
        };
        let action = format!("service.{}", row.kind().as_str());
        self.inner
            .audit
            .record(
                owner.who(),
                &action,
                &format!("{}/{}", row.project, row.service),
                AuditOutcome::Failed,
                Some(format!("interrupted: {reason}")),
            )
            .await;
        self.inner.notifier.send(Notification::new(
            NotifyEvent::UpdateFailed,
            Severity::Critical,
            format!("Update of {}/{} was interrupted", row.project, row.service),
            format!("Run #{} (started by {}): {reason}", row.id, row.actor),
            serde_json::json!({"run_id": row.id, "project": row.project, "service": row.service, "status": "interrupted", "reason": reason}),
        ));
    }
}
