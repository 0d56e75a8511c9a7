//! The stack sets port: starting, reading, restoring and deleting sets, and their
//! schedules; every change and refusal is audited with who, what and how it ended.

use async_trait::async_trait;
use bosun_frontend::authz::{Admin, Operator, Viewer};
use bosun_frontend::error::{AppError, parse_field};
use bosun_frontend::model::{
    AuditOutcome, BackupSetDto, BackupStatus, NewSetSchedule, ProjectName, SetRestoreReport,
    SetRestoreRequest, SetScheduleDto,
};
use bosun_frontend::ports::BackupSetsPort;

use super::super::{BackupService, Owner};
use crate::error::OrInternal;
use crate::store::backup_sets::SetRow;

impl BackupService {
    pub(super) async fn set_row(&self, id: i64) -> Result<SetRow, AppError> {
        self.inner
            .store
            .backup_set(id)
            .await
            .or_internal("reading the backup catalogue")?
            .ok_or_else(|| AppError::not_found(format!("There is no backup set #{id}.")))
    }
}

#[async_trait]
impl BackupSetsPort for BackupService {
    async fn start_set(&self, actor: &Operator, project: &str) -> Result<BackupSetDto, AppError> {
        let result = async {
            let project: ProjectName = parse_field("project", project)?;
            self.start_set_as(Owner::from(actor), &project, false).await
        }
        .await;
        // A started set is audited when it ends; a refusal is audited now.
        if result.is_err() {
            self.inner
                .audit
                .outcome(actor.into(), "backup.set", project, &result)
                .await;
        }
        self.set_dto(&result?).await
    }

    async fn get_set(&self, _actor: &Viewer, id: i64) -> Result<BackupSetDto, AppError> {
        let row = self.set_row(id).await?;
        self.set_dto(&row).await
    }

    async fn restore_set(
        &self,
        actor: &Admin,
        id: i64,
        request: SetRestoreRequest,
    ) -> Result<SetRestoreReport, AppError> {
        let owner = Owner::from(actor);
        let result = self.restore_set_inner(&owner, id, &request.confirm).await;
        let detail = match &result {
            Ok(r) => format!("restored {} part(s)", r.restored.len()),
            Err(e) => e.message.clone(),
        };
        let outcome = if result.is_ok() {
            AuditOutcome::Ok
        } else {
            AuditOutcome::Failed
        };
        self.inner
            .audit
            .record(
                actor.into(),
                "backup.set.restore",
                &format!("set #{id}"),
                outcome,
                Some(detail),
            )
            .await;
        self.changed();
        result
    }

    async fn delete_set(&self, actor: &Admin, id: i64) -> Result<(), AppError> {
        let result = async {
            let set = self.set_row(id).await?;
            if set.status() == BackupStatus::Running {
                return Err(AppError::conflict(format!(
                    "Set #{id} is still running. Wait until it ends, then delete it."
                )));
            }
            self.remove_set(id).await?;
            self.changed();
            Ok(set)
        }
        .await;
        self.inner
            .audit
            .outcome(
                actor.into(),
                "backup.set.delete",
                &format!("set #{id}"),
                &result,
            )
            .await;
        result.map(drop)
    }

    async fn set_schedules(&self, _actor: &Viewer) -> Result<Vec<SetScheduleDto>, AppError> {
        self.set_schedules_now().await
    }

    async fn put_set_schedule(
        &self,
        actor: &Admin,
        project: &str,
        schedule: NewSetSchedule,
    ) -> Result<SetScheduleDto, AppError> {
        let detail = format!(
            "cron {}, keep last {}",
            schedule.cron.trim(),
            schedule.keep_last
        );
        let result = self.put_set_schedule_now(actor, project, schedule).await;
        let outcome = if result.is_ok() {
            AuditOutcome::Ok
        } else {
            AuditOutcome::Failed
        };
        self.inner
            .audit
            .record(
                actor.into(),
                "schedule.set",
                &format!("{project} (sets)"),
                outcome,
                Some(detail),
            )
            .await;
        result
    }

    async fn delete_set_schedule(&self, actor: &Admin, project: &str) -> Result<(), AppError> {
        let result = async {
            let project: ProjectName = parse_field("project", project)?;
            let gone = self
                .inner
                .store
                .delete_set_schedule(project.as_str())
                .await
                .or_internal("deleting the schedule")?;
            if !gone {
                return Err(AppError::not_found(format!(
                    "{project} has no set schedule."
                )));
            }
            self.changed();
            Ok(())
        }
        .await;
        self.inner
            .audit
            .outcome(
                actor.into(),
                "schedule.delete",
                &format!("{project} (sets)"),
                &result,
            )
            .await;
        result
    }
}
