//! Backups for the Backups page; the page then follows `/api/v1/backups/events`. Downloads
//! are plain links to `/api/v1/backups/{id}/download` (streamed by the REST API).

use leptos::prelude::*;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::parse_field;
use crate::model::{BackupDto, BackupStarted, BackupsView, RestoreReport, ScheduleDto};

#[cfg(feature = "ssr")]
use super::ctx;

/// A count typed into a retention field: empty is 0.
#[cfg(feature = "ssr")]
fn count(field: &str, value: &str) -> Result<u32, AppError> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(0);
    }
    v.parse().map_err(|_| {
        AppError::bad_request(
            field,
            "Enter a whole number of backups to keep, or leave it empty.",
        )
    })
}

#[server(prefix = "/sfn", endpoint = "viewer/backups")]
pub async fn load_backups() -> Result<BackupsView, AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::ViewerRole>()?;
        ctx::ports()?.backups.view(&actor).await
    })
    .await
}

/// "Back up now".
#[server(prefix = "/sfn", endpoint = "operator/start_backup")]
pub async fn start_backup(
    project: String,
    service: String,
    compression: String,
    #[server(default)] kind: String,
) -> Result<BackupStarted, AppError> {
    ctx::run(async move {
        let compression: crate::model::Compression = parse_field("compression", &compression)?;
        let kind = match kind.as_str() {
            "" => None,
            k => Some(crate::model::BackupContent::parse(k).ok_or_else(|| {
                AppError::bad_request("kind", "Back up the database or the files.")
            })?),
        };
        let actor = ctx::actor::<crate::authz::OperatorRole>()?;
        ctx::ports()?
            .backups
            .start(
                &actor,
                crate::model::BackupRequest {
                    project,
                    service,
                    compression: Some(compression),
                    kind,
                },
            )
            .await
    })
    .await
}

#[server(prefix = "/sfn", endpoint = "admin/delete_backup")]
pub async fn delete_backup(id: String) -> Result<(), AppError> {
    ctx::run(async move {
        let crate::model::BackupId(id) = parse_field("id", &id)?;
        let actor = ctx::actor::<crate::authz::AdminRole>()?;
        ctx::ports()?.backups.delete(&actor, id).await
    })
    .await
}

#[server(prefix = "/sfn", endpoint = "admin/restore_backup")]
pub async fn restore_backup(
    id: String,
    confirm: String,
    #[server(default)] from: String,
    #[server(default)] identity: String,
    #[server(default)] path: String,
) -> Result<RestoreReport, AppError> {
    ctx::run(async move {
        let crate::model::BackupId(id) = parse_field("id", &id)?;
        let from = crate::model::RestoreFrom::parse(&from).ok_or_else(|| {
            AppError::bad_request("from", "Restore from this host or from the off-site copy.")
        })?;
        let actor = ctx::actor::<crate::authz::AdminRole>()?;
        let request = crate::model::RestoreRequest {
            confirm,
            from,
            identity: Some(identity).filter(|i| !i.trim().is_empty()),
            path: Some(path).filter(|p| !p.trim().is_empty()),
        };
        ctx::ports()?.backups.restore(&actor, id, request).await
    })
    .await
}

/// The schedule form as typed: every field is checked on the server.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ScheduleForm {
    pub project: String,
    pub service: String,
    pub cron: String,
    pub compression: String,
    pub keep_last: String,
    pub keep_daily: String,
    pub keep_weekly: String,
    pub keep_monthly: String,
    /// Empty: the default policy.
    #[serde(default)]
    pub verify: String,
}

#[server(prefix = "/sfn", endpoint = "admin/set_schedule")]
pub async fn set_schedule(form: ScheduleForm) -> Result<ScheduleDto, AppError> {
    ctx::run(async move {
        let compression: crate::model::Compression = parse_field("compression", &form.compression)?;
        let retention = crate::model::Retention {
            keep_last: count("keep_last", &form.keep_last)?,
            keep_daily: count("keep_daily", &form.keep_daily)?,
            keep_weekly: count("keep_weekly", &form.keep_weekly)?,
            keep_monthly: count("keep_monthly", &form.keep_monthly)?,
        };
        let verify = match form.verify.trim() {
            "" => None,
            v => Some(parse_field::<crate::model::backup_verify::VerifyPolicy>(
                "verify", v,
            )?),
        };
        let actor = ctx::actor::<crate::authz::AdminRole>()?;
        ctx::ports()?
            .backups
            .set_schedule(
                &actor,
                crate::model::NewSchedule {
                    project: form.project,
                    service: form.service,
                    cron: form.cron,
                    compression: Some(compression),
                    retention,
                    verify,
                },
            )
            .await
    })
    .await
}

#[server(prefix = "/sfn", endpoint = "admin/delete_schedule")]
pub async fn delete_schedule(project: String, service: String) -> Result<(), AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::AdminRole>()?;
        ctx::ports()?
            .backups
            .delete_schedule(&actor, crate::model::ScheduleKey { project, service })
            .await
    })
    .await
}

/// Proves a good backup by restoring it into a throwaway server (operators; in the
/// background, one at a time).
#[server(prefix = "/sfn", endpoint = "operator/verify_backup")]
pub async fn verify_backup(id: String) -> Result<BackupDto, AppError> {
    ctx::run(async move {
        let crate::model::BackupId(id) = parse_field("id", &id)?;
        let actor = ctx::actor::<crate::authz::OperatorRole>()?;
        ctx::ports()?.backup_verify.verify(&actor, id).await
    })
    .await
}
