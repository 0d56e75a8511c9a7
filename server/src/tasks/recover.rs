//! At start-up: runs a previous bosun left running (it was killed, or the host went down) are
//! marked interrupted, audited and notified, and their one-off containers removed once the
//! engine answers, so no orphan is left.

use std::time::Duration;

use bosun_frontend::model::{AuditOutcome, NotifyEvent, TaskMode};

use super::{RUN_LABEL, TasksService};
use crate::audit::Owner;
use crate::docker::oneoff;
use crate::notify::{Notification, Severity};
use crate::store::tasks::RunRow;

impl TasksService {
    pub(super) async fn recover(&self) {
        let now = self.inner.clock.now_ms();
        let rows = match self.inner.store.interrupt_running_runs(now).await {
            Ok(rows) => rows,
            Err(e) => {
                tracing::error!(error = %e, "could not mark interrupted task runs");
                return;
            }
        };
        let mut one_offs = Vec::new();
        for row in rows {
            let reason = match row.mode() {
                TaskMode::Run => {
                    "bosun stopped while this task ran; its one-off container is removed."
                        .to_owned()
                }
                TaskMode::Exec => format!(
                    "bosun stopped while this task ran; the command may have gone on in {} until it ended.",
                    row.container.as_deref().unwrap_or("its container")
                ),
            };
            if let Err(e) = self.inner.store.set_run_reason(row.id, &reason).await {
                tracing::error!(error = %e, id = row.id, "could not record why a task run was interrupted");
            }
            let owner = Owner {
                username: row.actor.clone(),
                ..Owner::system("startup")
            };
            self.inner
                .audit
                .record(
                    owner.who(),
                    "task.run",
                    &row.target(),
                    AuditOutcome::Failed,
                    Some(format!("interrupted: {reason} argv {}", row.argv)),
                )
                .await;
            self.inner.notifier.send(Notification::new(
                NotifyEvent::TaskFailed,
                Severity::Critical,
                format!("Task {} on {}/{} was interrupted", row.task, row.project, row.service),
                format!("Run #{} of {} on {}/{} (started by {}) did not finish: {reason}", row.id, row.task, row.project, row.service, row.actor),
                serde_json::json!({"run_id": row.id, "task": row.task, "project": row.project, "service": row.service, "status": "interrupted", "reason": reason}),
            ));
            if row.mode() == TaskMode::Run {
                one_offs.push(row);
            }
        }
        if !one_offs.is_empty() {
            tokio::spawn(self.clone().remove_one_offs(one_offs));
        }
    }

    /// Removes the one-off containers of interrupted runs, waiting for the engine if needed.
    async fn remove_one_offs(self, rows: Vec<RunRow>) {
        let mut status = self.inner.engine.subscribe();
        let mut left = rows;
        for attempt in 0..60u32 {
            if status.wait_for(|s| s.connected).await.is_err() {
                return;
            }
            let mut failed = Vec::new();
            for row in left {
                match oneoff::remove_labelled(&self.inner.engine, RUN_LABEL, &row.token).await {
                    Ok(names) => {
                        for name in names {
                            tracing::info!(container = %name, run = row.id, "removed the one-off container of an interrupted task run");
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, run = row.id, attempt, "could not remove the one-off container of an interrupted task run yet");
                        failed.push(row);
                    }
                }
            }
            if failed.is_empty() {
                return;
            }
            left = failed;
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
        for row in left {
            tracing::error!(run = row.id, label = %format!("{RUN_LABEL}={}", row.token), "gave up removing the one-off container of an interrupted task run; remove it by hand");
        }
    }
}
