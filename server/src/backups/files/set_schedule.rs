//! Stack sets on a schedule: one cron (UTC) per project, fired by the backup scheduler's
//! loop, and pruning that keeps a project's newest N good scheduled sets, whole: a set's
//! parts go with it, never one by one. Manual sets stay until an admin deletes them.

use bosun_frontend::authz::Admin;
use bosun_frontend::error::{AppError, parse_field};
use bosun_frontend::model::{AuditOutcome, NewSetSchedule, ProjectName, SetScheduleDto};

use super::super::schedule::{next_after, parse};
use super::super::{BackupService, Owner};
use crate::error::OrInternal;
use crate::store::rfc3339;

impl BackupService {
    pub(in crate::backups) async fn set_schedules_now(
        &self,
    ) -> Result<Vec<SetScheduleDto>, AppError> {
        let now = self.inner.clock.now_ms();
        Ok(self
            .inner
            .store
            .set_schedules()
            .await
            .or_internal("reading schedules")?
            .into_iter()
            .map(|r| SetScheduleDto {
                next_run: parse(&r.cron)
                    .ok()
                    .and_then(|c| next_after(&c, now))
                    .map(rfc3339),
                last_run: r.last_run.map(rfc3339),
                keep_last: u32::try_from(r.keep_last).unwrap_or(0),
                cron: r.cron,
                project: r.project,
            })
            .collect())
    }

    /// Starts the sets whose schedule fell due in (`last_tick`, `now`].
    pub(in crate::backups) async fn fire_set_schedules(&self, last_tick: i64, now: i64) {
        let Ok(rows) = self.inner.store.set_schedules().await else {
            return;
        };
        for r in rows {
            let Ok(cron) = parse(&r.cron) else { continue };
            if next_after(&cron, last_tick).is_none_or(|due| due > now) {
                continue;
            }
            if let Err(e) = self.inner.store.record_set_run(&r.project, now).await {
                tracing::error!(error = %e, "could not record a scheduled set's run");
            }
            let owner = Owner::scheduler();
            let started = match r.project.parse::<ProjectName>() {
                Ok(project) => self
                    .start_set_as(owner.clone(), &project, true)
                    .await
                    .map(drop),
                Err(e) => Err(AppError::bad_request("project", e.to_string())),
            };
            if let Err(e) = started {
                self.inner
                    .audit
                    .record(
                        owner.who(),
                        "backup.set",
                        &r.project,
                        AuditOutcome::Failed,
                        Some(format!("scheduled set skipped: {}", e.message)),
                    )
                    .await;
            }
        }
    }

    /// After a good scheduled set of `project`: keeps its newest `keep_last` good scheduled
    /// sets (0 keeps all) and removes the older ones with their files.
    pub(in crate::backups) async fn prune_sets(&self, project: &str) {
        let keep = match self.inner.store.set_schedules().await {
            Ok(rows) => rows
                .into_iter()
                .find(|r| r.project == project)
                .map_or(0, |r| usize::try_from(r.keep_last).unwrap_or(0)),
            Err(_) => return,
        };
        if keep == 0 {
            return;
        }
        let Ok(sets) = self.inner.store.scheduled_sets(project).await else {
            return;
        };
        let mut removed = Vec::new();
        for set in sets.iter().skip(keep) {
            if self.remove_set(set.id).await.is_ok() {
                removed.push(format!("#{}", set.id));
            }
        }
        if !removed.is_empty() {
            self.inner
                .audit
                .record(
                    Owner::scheduler().who(),
                    "backup.set.prune",
                    project,
                    AuditOutcome::Ok,
                    Some(format!(
                        "removed sets {} (keep last {keep})",
                        removed.join(", ")
                    )),
                )
                .await;
            self.changed();
        }
    }

    /// Removes a set: its parts' files and rows, then the set.
    pub(in crate::backups) async fn remove_set(&self, id: i64) -> Result<(), AppError> {
        let store = &self.inner.store;
        if let Ok(Some(set)) = store.backup_set(id).await {
            let _ = tokio::fs::remove_file(self.set_manifest_path(&set.project, id)).await;
        }
        for part in store
            .set_parts(id)
            .await
            .or_internal("reading the backup catalogue")?
        {
            self.remove_files(&part.file_name).await;
            store
                .delete_backup(part.id)
                .await
                .or_internal("deleting a backup")?;
        }
        store.delete_set(id).await.or_internal("deleting the set")
    }

    pub(in crate::backups) async fn put_set_schedule_now(
        &self,
        actor: &Admin,
        project: &str,
        schedule: NewSetSchedule,
    ) -> Result<SetScheduleDto, AppError> {
        let project: ProjectName = parse_field("project", project)?;
        parse(&schedule.cron).map_err(|e| AppError::bad_request("cron", e))?;
        let has_parts = self.found().iter().any(|f| f.project == project)
            || self.file_sources().iter().any(|f| f.project == project);
        if !has_parts {
            return Err(AppError::not_found(format!(
                "Project {project} has no database or files bosun backs up, so there is nothing to schedule. Bring it up first."
            )));
        }
        if schedule.keep_last > 10_000 {
            return Err(AppError::bad_request(
                "keep_last",
                "Keep at most 10000 sets (0 keeps all).",
            ));
        }
        self.inner
            .store
            .put_set_schedule(
                project.as_str(),
                schedule.cron.trim(),
                schedule.keep_last,
                actor.username(),
                self.inner.clock.now_ms(),
            )
            .await
            .or_internal("saving the schedule")?;
        self.changed();
        self.set_schedules_now()
            .await?
            .into_iter()
            .find(|s| s.project == project.as_str())
            .ok_or_else(AppError::internal)
    }
}
