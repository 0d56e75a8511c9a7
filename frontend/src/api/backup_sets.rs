//! "Back up project" and restoring a stack set, for the Backups page.

use leptos::prelude::*;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::parse_field;
use crate::model::{BackupSetDto, SetRestoreReport, SetScheduleDto};

#[cfg(feature = "ssr")]
use super::ctx;

#[server(prefix = "/sfn", endpoint = "operator/start_backup_set")]
pub async fn start_backup_set(project: String) -> Result<BackupSetDto, AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::OperatorRole>()?;
        ctx::ports()?.backup_sets.start_set(&actor, &project).await
    })
    .await
}

#[server(prefix = "/sfn", endpoint = "admin/restore_backup_set")]
pub async fn restore_backup_set(id: String, confirm: String) -> Result<SetRestoreReport, AppError> {
    ctx::run(async move {
        let crate::model::BackupId(id) = parse_field("id", &id)?;
        let actor = ctx::actor::<crate::authz::AdminRole>()?;
        ctx::ports()?
            .backup_sets
            .restore_set(&actor, id, crate::model::SetRestoreRequest { confirm })
            .await
    })
    .await
}

#[server(prefix = "/sfn", endpoint = "admin/delete_backup_set")]
pub async fn delete_backup_set(id: String) -> Result<(), AppError> {
    ctx::run(async move {
        let crate::model::BackupId(id) = parse_field("id", &id)?;
        let actor = ctx::actor::<crate::authz::AdminRole>()?;
        ctx::ports()?.backup_sets.delete_set(&actor, id).await
    })
    .await
}

/// The project's set schedule as typed: an empty cron removes it.
#[server(prefix = "/sfn", endpoint = "admin/set_set_schedule")]
pub async fn set_set_schedule(
    project: String,
    cron: String,
    #[server(default)] keep_last: String,
) -> Result<Option<SetScheduleDto>, AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::AdminRole>()?;
        let ports = ctx::ports()?;
        if cron.trim().is_empty() {
            ports
                .backup_sets
                .delete_set_schedule(&actor, &project)
                .await?;
            return Ok(None);
        }
        let keep = keep_last.trim();
        let keep_last = if keep.is_empty() {
            0
        } else {
            keep.parse().map_err(|_| {
                AppError::bad_request(
                    "keep_last",
                    "Enter a whole number of sets to keep, or leave it empty to keep all.",
                )
            })?
        };
        let schedule = crate::model::NewSetSchedule { cron, keep_last };
        ports
            .backup_sets
            .put_set_schedule(&actor, &project, schedule)
            .await
            .map(Some)
    })
    .await
}
