//! Containers a file job stops (`bosun.backup.stop: true`, and every restore) are written to
//! the job's catalogue row before they stop, and cleared once they run again. So they are
//! started again however the job ends: after a success, after a failure, and, when bosun
//! itself stopped mid-job, at its next start as soon as the engine answers.

use std::net::{IpAddr, Ipv4Addr};

use bosun_frontend::model::AuditOutcome;

use super::super::{BackupService, Owner};
use crate::docker::containers;

impl BackupService {
    /// Stops `ids` for the job of backup `row_id`. If one fails to stop, those already
    /// stopped are started again and the error says which.
    pub(super) async fn hold(&self, row_id: i64, ids: &[String]) -> Result<(), String> {
        if ids.is_empty() {
            return Ok(());
        }
        let json = serde_json::to_string(ids).map_err(|e| e.to_string())?;
        self.inner
            .store
            .set_backup_held(row_id, Some(&json))
            .await
            .map_err(|e| format!("could not record the containers to stop: {e}"))?;
        for (i, id) in ids.iter().enumerate() {
            if let Err(e) = containers::stop(&self.inner.engine, id).await {
                let _ = self.release(row_id, &ids[..i]).await;
                return Err(format!(
                    "could not stop the service for the copy: {}",
                    e.message()
                ));
            }
        }
        self.inner.engine.inventory().touch();
        Ok(())
    }

    /// Starts `ids` again and clears the record; the error names those that did not start
    /// (the record then stays, so the next bosun start tries again).
    pub(super) async fn release(&self, row_id: i64, ids: &[String]) -> Result<(), String> {
        let mut failed = Vec::new();
        for id in ids {
            match containers::start(&self.inner.engine, id).await {
                Ok(()) => {}
                Err(e) if e.is_not_found() => {}
                Err(e) => failed.push(format!("{}: {}", short(id), e.message())),
            }
        }
        self.inner.engine.inventory().touch();
        if !failed.is_empty() {
            return Err(format!(
                "the service was stopped for the job and did not start again ({}). Start it from the Services page.",
                failed.join("; ")
            ));
        }
        self.inner
            .store
            .set_backup_held(row_id, None)
            .await
            .map_err(|e| format!("could not record that the service runs again: {e}"))
    }

    /// At start: containers a stopped bosun left stopped for a file job are started again
    /// once the engine answers (audited as the job's owner).
    pub(in crate::backups) fn release_leftovers(&self) {
        let this = self.clone();
        tokio::spawn(async move {
            let Ok(rows) = this.inner.store.held_backups().await else {
                return;
            };
            if rows.is_empty() {
                return;
            }
            let mut status = this.inner.engine.subscribe();
            while !this.inner.engine.connected() {
                if status.changed().await.is_err() {
                    return;
                }
            }
            let _ = crate::docker::archive::remove_leftovers(&this.inner.engine).await;
            for row in rows {
                let ids: Vec<String> = row
                    .held
                    .as_deref()
                    .and_then(|h| serde_json::from_str(h).ok())
                    .unwrap_or_default();
                let result = this.release(row.id, &ids).await;
                let owner = Owner {
                    username: row.actor.clone(),
                    client: IpAddr::V4(Ipv4Addr::LOCALHOST),
                    request_id: "startup".into(),
                };
                let (outcome, detail) = match &result {
                    Ok(()) => (
                        AuditOutcome::Ok,
                        format!(
                            "started {} container(s) that backup #{} had stopped when bosun stopped",
                            ids.len(),
                            row.id
                        ),
                    ),
                    Err(e) => (AuditOutcome::Failed, e.clone()),
                };
                this.inner
                    .audit
                    .record(
                        owner.who(),
                        "service.start",
                        &format!("{}/{}", row.project, row.service),
                        outcome,
                        Some(detail),
                    )
                    .await;
            }
        });
    }
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}
