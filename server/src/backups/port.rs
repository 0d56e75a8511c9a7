//! The backups port: every request parameter is parsed into a checked type here, and every
//! change is audited with who did it and how it ended.

use async_trait::async_trait;
use bosun_frontend::authz::{Admin, Operator, Viewer};
use bosun_frontend::error::{AppError, parse_field};
use bosun_frontend::model::{
    BackupContent, BackupDto, BackupKind, BackupQuery, BackupRequest, BackupStarted, BackupStatus,
    BackupsView, DatabaseDto, NewSchedule, ProjectName, RestoreReport, RestoreRequest, ScheduleDto,
    ScheduleKey, ServiceName,
};
use bosun_frontend::ports::BackupsPort;

use super::{BackupService, Owner, schedule};
use crate::error::OrInternal;
use crate::store::backups::BackupRow;
use crate::store::schedules::NewScheduleRow;

/// Project and service names, checked.
fn names(project: &str, service: &str) -> Result<(ProjectName, ServiceName), AppError> {
    Ok((
        parse_field("project", project)?,
        parse_field("service", service)?,
    ))
}

impl BackupService {
    pub(super) async fn row(&self, id: i64) -> Result<BackupRow, AppError> {
        self.inner
            .store
            .backup(id)
            .await
            .or_internal("reading the backup catalogue")?
            .ok_or_else(|| AppError::not_found(format!("There is no backup #{id}.")))
    }

    /// Opens a good backup's file for download (operator+), audited.
    pub async fn open_download(
        &self,
        actor: &Operator,
        id: i64,
    ) -> Result<(BackupRow, tokio::fs::File, u64), AppError> {
        let result = async {
            let row = self.row(id).await?;
            if row.status() != BackupStatus::Ok {
                return Err(AppError::conflict(format!(
                    "Backup #{id} is {}: it has no file to download.",
                    row.status().as_str()
                )));
            }
            // The name comes from the catalogue, which only holds names bosun made; check
            // anyway that it cannot leave the backup directory.
            if row.file_name.contains(['/', '\\']) || row.file_name.starts_with('.') {
                return Err(AppError::internal());
            }
            self.ensure_local(&row, None).await.map_err(AppError::conflict)?;
            let path = self.inner.dir.join(&row.file_name);
            let file = tokio::fs::File::open(&path).await.map_err(|e| {
                AppError::conflict(format!(
                    "Backup #{id}'s file is missing from the backup directory ({e}). It may have been removed by hand."
                ))
            })?;
            let len = file
                .metadata()
                .await
                .or_internal("reading the backup file")?
                .len();
            Ok((row, file, len))
        }
        .await;
        let target = format!("backup #{id}");
        self.inner
            .audit
            .outcome(actor.into(), "backup.download", &target, &result)
            .await;
        result
    }
}

#[async_trait]
impl BackupsPort for BackupService {
    async fn view(&self, _actor: &Viewer) -> Result<BackupsView, AppError> {
        self.view_now().await
    }

    async fn databases(&self, _actor: &Viewer) -> Result<Vec<DatabaseDto>, AppError> {
        self.databases_now().await
    }

    async fn list(&self, _actor: &Viewer, query: BackupQuery) -> Result<Vec<BackupDto>, AppError> {
        let f = super::query::filter(query)?;
        let rows = self
            .inner
            .store
            .list_backups(&f)
            .await
            .or_internal("reading the backup catalogue")?;
        Ok(self.shown(&rows).await)
    }

    async fn get(&self, _actor: &Viewer, id: i64) -> Result<BackupDto, AppError> {
        let row = self.row(id).await?;
        let shown = self.shown(std::slice::from_ref(&row)).await;
        Ok(shown.into_iter().next().unwrap_or_else(|| row.dto()))
    }

    async fn start(
        &self,
        actor: &Operator,
        request: BackupRequest,
    ) -> Result<BackupStarted, AppError> {
        let (project, service) = names(&request.project, &request.service)?;
        let (owner, compression) = (Owner::from(actor), request.compression.unwrap_or_default());
        let result = match request.kind.unwrap_or_default() {
            BackupContent::Database => {
                self.start_backup(
                    owner,
                    project.as_str(),
                    service.as_str(),
                    compression,
                    BackupKind::Manual,
                )
                .await
            }
            BackupContent::Files => {
                self.start_files(owner, project.as_str(), service.as_str(), compression)
                    .await
            }
        };
        // A started backup is audited when it ends; a refusal is audited now.
        if result.is_err() {
            self.inner
                .audit
                .outcome(
                    actor.into(),
                    "backup.create",
                    &format!("{project}/{service}"),
                    &result,
                )
                .await;
        }
        let row = result?;
        Ok(BackupStarted {
            id: row.id,
            status: row.status(),
        })
    }

    async fn delete(&self, actor: &Admin, id: i64) -> Result<(), AppError> {
        let result = async {
            let row = self.row(id).await?;
            if row.status() == BackupStatus::Running {
                return Err(AppError::conflict(format!(
                    "Backup #{id} is still running. Wait until it ends, then delete it."
                )));
            }
            if let Some(set) = row.set_id {
                return Err(AppError::conflict(format!(
                    "Backup #{id} is a part of set #{set}, which restores only whole. Delete the set instead."
                )));
            }
            self.remove_files(&row.file_name).await;
            self.inner
                .store
                .delete_backup(id)
                .await
                .or_internal("deleting the backup")?;
            self.changed();
            Ok(row)
        }
        .await;
        let target = match &result {
            Ok(row) => format!("{}/{} #{id}", row.project, row.service),
            Err(_) => format!("backup #{id}"),
        };
        self.inner
            .audit
            .outcome(actor.into(), "backup.delete", &target, &result)
            .await;
        result.map(|_| ())
    }

    async fn restore(
        &self,
        actor: &Admin,
        id: i64,
        request: RestoreRequest,
    ) -> Result<RestoreReport, AppError> {
        let result = self.restore_inner(&Owner::from(actor), id, &request).await;
        let target = format!("backup #{id}");
        let detail = match &result {
            Ok(r) => Some(format!(
                "restored {} bytes; safety backup #{}",
                r.restored_bytes, r.safety_backup_id
            )),
            Err(e) => Some(e.message.clone()),
        };
        let outcome = match &result {
            Ok(_) => bosun_frontend::model::AuditOutcome::Ok,
            Err(_) => bosun_frontend::model::AuditOutcome::Failed,
        };
        self.inner
            .audit
            .record(actor.into(), "backup.restore", &target, outcome, detail)
            .await;
        self.changed();
        result
    }

    async fn schedules(&self, _actor: &Viewer) -> Result<Vec<ScheduleDto>, AppError> {
        Ok(self
            .effective_schedules()
            .await?
            .iter()
            .map(|s| {
                s.dto(
                    self.missed(&s.project, &s.service),
                    self.inner.clock.now_ms(),
                )
            })
            .collect())
    }

    async fn set_schedule(
        &self,
        actor: &Admin,
        input: NewSchedule,
    ) -> Result<ScheduleDto, AppError> {
        let target = format!("{}/{}", input.project, input.service);
        let result = async {
            let (project, service) = names(&input.project, &input.service)?;
            schedule::parse(&input.cron).map_err(|m| AppError::bad_request("cron", m))?;
            let r = input.retention;
            if [r.keep_last, r.keep_daily, r.keep_weekly, r.keep_monthly]
                .iter()
                .any(|n| *n > 10_000)
            {
                return Err(AppError::bad_request(
                    "retention",
                    "Keep at most 10000 backups per rule.",
                ));
            }
            self.find(project.as_str(), service.as_str())?;
            self.inner
                .store
                .upsert_schedule(&NewScheduleRow {
                    project: project.as_str(),
                    service: service.as_str(),
                    cron: input.cron.trim(),
                    compression: input.compression.unwrap_or_default(),
                    retention: r,
                    verify: input.verify,
                    created_by: actor.username(),
                })
                .await
                .or_internal("saving the schedule")?;
            self.inner
                .store
                .record_schedule_run(
                    project.as_str(),
                    service.as_str(),
                    self.inner.clock.now_ms(),
                )
                .await
                .or_internal("saving the schedule")?;
            self.changed();
            self.effective_schedules()
                .await?
                .into_iter()
                .find(|s| s.project == project.as_str() && s.service == service.as_str())
                .map(|s| s.dto(None, self.inner.clock.now_ms()))
                .ok_or_else(AppError::internal)
        }
        .await;
        self.inner
            .audit
            .outcome(actor.into(), "schedule.set", &target, &result)
            .await;
        result
    }

    async fn delete_schedule(&self, actor: &Admin, key: ScheduleKey) -> Result<(), AppError> {
        let target = format!("{}/{}", key.project, key.service);
        let result = async {
            let (project, service) = names(&key.project, &key.service)?;
            let deleted = self
                .inner
                .store
                .delete_schedule(project.as_str(), service.as_str())
                .await
                .or_internal("deleting the schedule")?;
            if !deleted {
                return Err(AppError::not_found(format!(
                    "{project}/{service} has no schedule set in bosun (a label schedule is changed in the compose file)."
                )));
            }
            self.changed();
            Ok(())
        }
        .await;
        self.inner
            .audit
            .outcome(actor.into(), "schedule.delete", &target, &result)
            .await;
        result
    }
}
