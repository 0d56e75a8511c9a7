//! Backup schedules: cron expressions (UTC) set through bosun or by label, fired by one loop,
//! with runs that fell while bosun was down reported rather than skipped in silence.

use std::collections::HashSet;

use bosun_frontend::error::AppError;
use bosun_frontend::model::backup_verify::VerifyPolicy;
use bosun_frontend::model::{
    AuditOutcome, BackupKind, Compression, Retention, ScheduleDto, ScheduleSource,
};
use chrono::{DateTime, TimeZone, Utc};
use croner::Cron;
use croner::parser::{CronParser, Seconds};

use super::{BackupService, Owner};
use crate::error::OrInternal;
use crate::store::rfc3339;

/// Parses five fields (minute hour day month weekday) or six with seconds first.
pub fn parse(expr: &str) -> Result<Cron, String> {
    let expr = expr.trim();
    if expr.is_empty() || expr.len() > 120 || expr.chars().any(|c| c.is_control()) {
        return Err("Give a cron expression such as “0 3 * * *” (every day at 03:00 UTC).".into());
    }
    CronParser::builder()
        .seconds(Seconds::Optional)
        .build()
        .parse(expr)
        .map_err(|e| {
            format!(
                "“{expr}” is not a cron expression ({e}). Use five fields, minute hour day month weekday, e.g. “0 3 * * *” for 03:00 UTC every day."
            )
        })
}

fn at(ms: i64) -> Option<DateTime<Utc>> {
    Utc.timestamp_millis_opt(ms).single()
}

/// The first run strictly after `after_ms`.
pub fn next_after(cron: &Cron, after_ms: i64) -> Option<i64> {
    cron.find_next_occurrence(&at(after_ms)?, false)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// The latest run due in (`last_run_ms`, `now_ms`], if any: a run that never happened.
pub fn missed(cron: &Cron, last_run_ms: i64, now_ms: i64) -> Option<i64> {
    let previous = cron
        .find_previous_occurrence(&at(now_ms)?, true)
        .ok()?
        .timestamp_millis();
    (previous > last_run_ms).then_some(previous)
}

/// A schedule in force: bosun's own for the database, or else its label's.
#[derive(Clone, Debug)]
pub struct Effective {
    pub id: Option<i64>,
    pub project: String,
    pub service: String,
    pub text: String,
    pub cron: Cron,
    pub compression: Compression,
    pub retention: Retention,
    pub source: ScheduleSource,
    pub last_run: Option<i64>,
    /// Its verification policy (None: the database's label, else the default).
    pub verify: Option<VerifyPolicy>,
}

impl Effective {
    /// As shown, at `now_ms` on bosun's clock.
    pub fn dto(&self, missed: Option<i64>, now_ms: i64) -> ScheduleDto {
        ScheduleDto {
            id: self.id,
            project: self.project.clone(),
            service: self.service.clone(),
            cron: self.text.clone(),
            compression: self.compression,
            retention: self.retention,
            source: self.source,
            next_run: next_after(&self.cron, now_ms).map(rfc3339),
            last_run: self.last_run.map(rfc3339),
            missed: missed.map(rfc3339),
            verify: self.verify,
        }
    }
}

/// `bosun.backup.keep`: a count of backups to keep.
fn keep_label(value: Option<&str>) -> Retention {
    Retention {
        keep_last: value.and_then(|v| v.trim().parse().ok()).unwrap_or(0),
        ..Default::default()
    }
}

/// How often unscheduled backups are checked for their age limit.
const EXPIRY_EVERY_MS: i64 = 3_600_000;

impl BackupService {
    /// The run of this database's schedule that fell while bosun was down, if any.
    pub(super) fn missed(&self, project: &str, service: &str) -> Option<i64> {
        self.inner
            .missed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&(project.to_owned(), service.to_owned()))
            .copied()
    }

    /// Every schedule in force now.
    pub async fn effective_schedules(&self) -> Result<Vec<Effective>, AppError> {
        let store = &self.inner.store;
        let runs = store
            .schedule_runs()
            .await
            .or_internal("reading schedules")?;
        let mut out: Vec<Effective> = Vec::new();
        for row in store.schedules().await.or_internal("reading schedules")? {
            let Ok(cron) = parse(&row.cron) else { continue };
            out.push(Effective {
                id: Some(row.id),
                last_run: runs
                    .get(&(row.project.clone(), row.service.clone()))
                    .copied(),
                text: row.cron.clone(),
                cron,
                compression: row.compression(),
                retention: row.retention(),
                verify: row.verify.as_deref().and_then(|v| v.parse().ok()),
                source: ScheduleSource::Bosun,
                project: row.project,
                service: row.service,
            });
        }
        for f in self.found() {
            let Some(text) = &f.settings.schedule else {
                continue;
            };
            if out
                .iter()
                .any(|s| s.project == f.project.as_str() && s.service == f.service.as_str())
            {
                continue;
            }
            match parse(text) {
                Ok(cron) => out.push(Effective {
                    id: None,
                    last_run: runs
                        .get(&(f.project.to_string(), f.service.to_string()))
                        .copied(),
                    text: text.clone(),
                    cron,
                    compression: Compression::Gzip,
                    retention: keep_label(f.settings.keep.as_deref()),
                    verify: f.settings.verify.as_deref().and_then(|v| v.parse().ok()),
                    source: ScheduleSource::Label,
                    project: f.project.into(),
                    service: f.service.into(),
                }),
                Err(e) => {
                    tracing::warn!(project = %f.project, service = %f.service, error = %e, "ignoring the bosun.backup.schedule label");
                }
            }
        }
        Ok(out)
    }

    /// The loop that fires scheduled backups, on bosun's clock (tests move it by hand), and
    /// once an hour removes unscheduled backups past their age. Runs until aborted.
    ///
    /// It looks at once when it starts (runs missed while bosun was down are reported then),
    /// then at every second of the clock. A clock that moved on while a pass ran wakes the
    /// next pass at once.
    pub async fn run_schedules(self) {
        let clock = self.inner.clock.clone();
        let started = clock.now_ms();
        // The last pass that read the schedules, and the last pass at all.
        let mut last_tick = started;
        let mut woke: Option<i64> = None;
        let mut last_expiry = i64::MIN;
        let mut seen: HashSet<(String, String)> = HashSet::new();
        loop {
            if let Some(woke) = woke {
                clock.sleep_until(woke - woke.rem_euclid(1000) + 1000).await;
            }
            let now = clock.now_ms();
            woke = Some(now);
            if now.saturating_sub(last_expiry) >= EXPIRY_EVERY_MS {
                last_expiry = now;
                self.expire_unscheduled().await;
            }
            let schedules = match self.effective_schedules().await {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!(error = %e, "could not read backup schedules");
                    continue;
                }
            };
            for s in schedules {
                let key = (s.project.clone(), s.service.clone());
                if seen.insert(key.clone()) {
                    self.first_sight(&s, started, now).await;
                }
                if next_after(&s.cron, last_tick).is_some_and(|due| due <= now) {
                    self.fire(&s, now).await;
                }
            }
            self.fire_set_schedules(last_tick, now).await;
            last_tick = now;
        }
    }

    /// The first time this process sees a schedule: report a run that fell due while bosun
    /// was down (after its last run, up to `started`, when this process began), or start
    /// counting from `now`. Runs due since it began are the loop's to fire.
    async fn first_sight(&self, s: &Effective, started: i64, now: i64) {
        match s.last_run {
            Some(last) => {
                if let Some(due) = missed(&s.cron, last, started) {
                    self.inner
                        .missed
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert((s.project.clone(), s.service.clone()), due);
                    self.inner
                        .audit
                        .record(
                            Owner::scheduler().who(),
                            "backup.schedule.missed",
                            &format!("{}/{}", s.project, s.service),
                            AuditOutcome::Failed,
                            Some(format!(
                                "the scheduled backup due at {} did not run: bosun was not running. Back up now if it is needed.",
                                rfc3339(due)
                            )),
                        )
                        .await;
                    self.changed();
                }
            }
            None => {
                if let Err(e) = self
                    .inner
                    .store
                    .record_schedule_run(&s.project, &s.service, now)
                    .await
                {
                    tracing::error!(error = %e, "could not record a schedule's start");
                }
            }
        }
    }

    async fn fire(&self, s: &Effective, now: i64) {
        if let Err(e) = self
            .inner
            .store
            .record_schedule_run(&s.project, &s.service, now)
            .await
        {
            tracing::error!(error = %e, "could not record a scheduled run");
        }
        self.inner
            .missed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&(s.project.clone(), s.service.clone()));
        let owner = Owner::scheduler();
        if let Err(e) = self
            .start_backup(
                owner.clone(),
                &s.project,
                &s.service,
                s.compression,
                BackupKind::Scheduled,
            )
            .await
        {
            // Nothing was catalogued: the audit log says why this run did not happen.
            self.inner
                .audit
                .record(
                    owner.who(),
                    "backup.create",
                    &format!("{}/{}", s.project, s.service),
                    AuditOutcome::Failed,
                    Some(format!("scheduled run skipped: {}", e.message)),
                )
                .await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-11-22 12:00:00 UTC.
    const NOON: i64 = 1_795_348_800_000;
    const HOUR: i64 = 3_600_000;

    #[test]
    fn five_and_six_fields_parse_and_garbage_says_what_to_write() {
        assert!(parse("0 3 * * *").is_ok());
        assert!(parse("*/5 * * * * *").is_ok());
        let e = parse("every day").err().unwrap_or_default();
        assert!(e.contains("0 3 * * *"), "{e}");
        assert!(parse("").is_err());
        assert!(parse("0 3 * * *\n0 4 * * *").is_err());
    }

    #[test]
    fn next_run_is_strictly_after() {
        let cron = parse("0 3 * * *").ok();
        let next = cron.as_ref().and_then(|c| next_after(c, NOON));
        // 03:00 tomorrow.
        assert_eq!(next, Some(NOON + 15 * HOUR));
        let at_three = NOON + 15 * HOUR;
        assert_eq!(
            cron.as_ref().and_then(|c| next_after(c, at_three)),
            Some(at_three + 24 * HOUR)
        );
    }

    #[test]
    fn a_run_that_fell_while_down_is_found() {
        let Ok(cron) = parse("0 3 * * *") else {
            unreachable!("valid")
        };
        // Last ran yesterday 03:00; now is 12:00 → today's 03:00 was missed.
        let last = NOON - 9 * HOUR - 24 * HOUR;
        assert_eq!(missed(&cron, last, NOON), Some(NOON - 9 * HOUR));
        // Ran today at 03:00: nothing missed.
        assert_eq!(missed(&cron, NOON - 9 * HOUR, NOON), None);
    }

    #[test]
    fn keep_label_is_a_count() {
        assert_eq!(keep_label(Some("7")).keep_last, 7);
        assert_eq!(keep_label(Some("x")), Retention::default());
    }
}
