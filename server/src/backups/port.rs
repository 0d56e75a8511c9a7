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
use crate::store::backups::{BackupRow, Filter};
use crate::store::schedules::NewScheduleRow;

/// Project and service names, checked.
fn names(project: &str, service: &str) -> Result<(ProjectName, ServiceName), AppError> {
    Ok((
        parse_field("project", project)?,
        parse_field("service", service)?,
    ))
}

/// `YYYY-MM-DD` as Unix ms at 00:00 UTC.
fn day_start(field: &str, value: &str) -> Result<i64, AppError> {
    let date = time::Date::parse(
        value,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| {
        AppError::bad_request(
            field,
            format!(
                "Give the date as YYYY-MM-DD, e.g. 2026-11-22 (got “{}”).",
                value.chars().take(20).collect::<String>()
            ),
        )
    })?;
    Ok(date.midnight().assume_utc().unix_timestamp() * 1000)
}

fn filter(q: BackupQuery) -> Result<Filter, AppError> {
    let limit = q.limit.unwrap_or(200);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::bad_request(
            "limit",
            "Choose a limit from 1 to 1000.",
        ));
    }
    let project = q
        .project
        .map(|p| parse_field::<ProjectName>("project", &p))
        .transpose()?;
    let service = q
        .service
        .map(|s| parse_field::<ServiceName>("service", &s))
        .transpose()?;
    if let Some(d) = &q.database
        && !super::command::is_plain_name(d)
    {
        return Err(AppError::bad_request(
            "database",
            "A database name has letters, digits, _ - . and $ only.",
        ));
    }
    Ok(Filter {
        project: project.map(|p| p.as_str().to_owned()),
        service: service.map(|s| s.as_str().to_owned()),
        database: q.database,
        status: q
            .status
            .map(|s| parse_field::<BackupStatus>("status", &s))
            .transpose()?,
        content: q
            .content
            .map(|c| {
                BackupContent::parse(&c).ok_or_else(|| {
                    AppError::bad_request("content", "Choose content database or files.")
                })
            })
            .transpose()?,
        from_ms: q.from.map(|f| day_start("from", &f)).transpose()?,
        until_ms: q
            .to
            .map(|t| day_start("to", &t).map(|ms| ms + 86_400_000))
            .transpose()?,
        limit,
    })
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
        let f = filter(query)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_checked() {
        assert!(filter(BackupQuery::default()).is_ok_and(|f| f.limit == 200));
        let bad = |q: BackupQuery| filter(q).err().map(|e| e.status());
        assert_eq!(
            bad(BackupQuery {
                from: Some("22/11/2026".into()),
                ..Default::default()
            }),
            Some(400)
        );
        assert_eq!(
            bad(BackupQuery {
                status: Some("good".into()),
                ..Default::default()
            }),
            Some(400)
        );
        assert_eq!(
            bad(BackupQuery {
                project: Some("../etc".into()),
                ..Default::default()
            }),
            Some(400)
        );
        assert_eq!(
            bad(BackupQuery {
                limit: Some(0),
                ..Default::default()
            }),
            Some(400)
        );
        let f = filter(BackupQuery {
            from: Some("2026-11-22".into()),
            to: Some("2026-11-22".into()),
            ..Default::default()
        });
        assert!(f.is_ok_and(
            |f| f.from_ms == Some(1_795_305_600_000) && f.until_ms == Some(1_795_392_000_000)
        ));
    }
}
