//! "Back up project" and restoring a stack set, for the Backups page.

use leptos::prelude::*;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::parse_field;
use crate::model::{BackupSetDto, SetRestoreReport};

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
