//! Database backups: dumps taken inside the database container, compressed into the backup
//! directory, verified, catalogued in SQLite, scheduled, pruned and restored.

pub mod command;
pub mod crypt;
mod decrypted;
pub mod exec;
mod expiry;
mod fetch;
pub mod files;
mod manifest;
mod offsite;
pub mod plain;
mod port;
mod probe;
mod query;
mod restore;
pub mod retention;
mod run;
pub mod schedule;
pub mod settings;
pub mod sink;
pub mod space;
pub mod stderr;
mod stop;
pub mod tally;
pub mod verify;
mod verify_run;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bosun_frontend::error::AppError;
use bosun_frontend::model::{BackupStatus, BackupsView, DatabaseDto, ProjectName, ServiceName};
use futures::Stream;

use crate::audit::AuditService;
use crate::busy::{Busy, Resource, Work};
use crate::docker::Engine;
use crate::docker::record::Record;
use crate::error::OrInternal;
use crate::store::Store;
use crate::store::backups::Filter;
use settings::DbSettings;

pub use crate::audit::Owner;

#[derive(Clone)]
pub struct BackupService {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    store: Store,
    audit: AuditService,
    notifier: crate::notify::Notifier,
    dir: PathBuf,
    min_free: u64,
    /// How long one dump or one restore may run before it is stopped.
    timeout: Duration,
    /// How long manual and safety backups are kept (None: until an admin deletes them).
    keep_manual: Option<Duration>,
    clock: crate::clock::SharedClock,
    /// Backups and restores claim their database service here, beside every other room's work.
    busy: Busy,
    /// Scheduled runs that fell while bosun was down, by database.
    missed: Mutex<HashMap<(String, String), i64>>,
    /// Database containers left out for their names, already logged.
    bad_names: Mutex<std::collections::HashSet<(String, String)>>,
    verify: verify::Verifier,
    offsite: Option<offsite::Offsite>,
    keys: crypt::Keys,
    /// Runs the runbook tasks a file backup names as hooks.
    hooks: crate::tasks::TasksService,
    /// bosun's own container (its id's start), left out of file backups.
    own_container: Option<String>,
}

/// Where backups go, the limits a job runs within, and how long the unscheduled ones stay.
pub struct Settings {
    pub dir: PathBuf,
    /// A backup or restore does not start with less free space than this, and a dump stops
    /// when the free space falls below it.
    pub min_free_mb: u64,
    /// A dump, or a restore, still running after this long is stopped and fails.
    pub timeout: Duration,
    /// Manual and safety backups older than this are removed (never a database's newest).
    pub keep_manual: Option<Duration>,
    pub clock: crate::clock::SharedClock,
    /// Which good backups are proven by a restore (a database's label may say otherwise).
    pub verify: bosun_frontend::model::backup_verify::VerifyPolicy,
    /// The S3-compatible store good backups are copied to, if any.
    pub offsite: Option<crate::offsite::Store>,
    /// The age keys backups are encrypted to, and where an identity is kept.
    pub keys: crypt::Keys,
    /// Runs the runbook tasks file backups name before and after their copy.
    pub hooks: crate::tasks::TasksService,
}

/// A database service as the inventory shows it now.
#[derive(Clone, Debug)]
pub struct Found {
    /// From the container's labels, checked like names in a request: they make file names.
    pub project: ProjectName,
    pub service: ServiceName,
    /// The container a job runs in: the lowest-numbered running one, else any.
    pub record: Arc<Record>,
    pub settings: DbSettings,
}

impl BackupService {
    /// Creates the backup directory and clears what a previous run left half-done: partial
    /// files are removed and their catalogue rows marked interrupted (and audited).
    pub async fn start(
        engine: Engine,
        busy: Busy,
        store: Store,
        audit: AuditService,
        notifier: crate::notify::Notifier,
        settings: Settings,
    ) -> Result<Self, std::io::Error> {
        let Settings {
            dir,
            min_free_mb,
            timeout,
            keep_manual,
            clock,
            verify,
            offsite,
            keys,
            hooks,
        } = settings;
        tokio::fs::create_dir_all(&dir).await?;
        let mut entries = tokio::fs::read_dir(&dir).await?;
        while let Some(e) = entries.next_entry().await? {
            if e.file_name().to_string_lossy().ends_with(".partial") {
                tracing::warn!(file = %e.path().display(), "removing a partial backup left by an earlier run");
                tokio::fs::remove_file(e.path()).await?;
            }
        }
        let service = BackupService {
            inner: Arc::new(Inner {
                engine,
                store,
                audit,
                notifier,
                dir,
                min_free: min_free_mb.saturating_mul(1024 * 1024),
                timeout,
                keep_manual,
                clock,
                busy,
                missed: Mutex::default(),
                bad_names: Mutex::default(),
                verify: verify::Verifier::new(verify),
                offsite: offsite.map(offsite::Offsite::new),
                keys,
                hooks,
                own_container: files::own_container(),
            }),
        };
        service.clean_verifications().await;
        service.mark_interrupted().await;
        service.release_leftovers();
        Ok(service)
    }

    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// The database services on the host now, by project and service. Names from labels are
    /// checked as a request's would be; a container with others is left out (and logged once).
    pub fn found(&self) -> Vec<Found> {
        let mut by_service: BTreeMap<(ProjectName, ServiceName), Arc<Record>> = BTreeMap::new();
        for r in self.inner.engine.inventory().records() {
            let (Some(p), Some(s)) = (r.project(), r.service()) else {
                continue;
            };
            if r.backup.is_none() || r.oneoff() {
                continue;
            }
            let (Ok(project), Ok(service)) = (p.parse::<ProjectName>(), s.parse::<ServiceName>())
            else {
                self.refuse_names(p, s);
                continue;
            };
            let key = (project, service);
            let better = by_service.get(&key).is_none_or(|cur| {
                (r.is_running(), std::cmp::Reverse(r.number()))
                    > (cur.is_running(), std::cmp::Reverse(cur.number()))
            });
            if better {
                by_service.insert(key, r);
            }
        }
        by_service
            .into_iter()
            .filter_map(|((project, service), record)| {
                let settings = record.backup.clone()?;
                Some(Found {
                    project,
                    service,
                    record,
                    settings,
                })
            })
            .collect()
    }

    /// Says once, in bosun's log, that a database with unusable names was left out.
    fn refuse_names(&self, project: &str, service: &str) {
        let key = (project.to_owned(), service.to_owned());
        let mut warned = self
            .inner
            .bad_names
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if warned.len() < 1000 && warned.insert(key) {
            let shown = |s: &str| {
                s.chars()
                    .filter(|c| !c.is_control())
                    .take(60)
                    .collect::<String>()
            };
            tracing::warn!(project = %shown(project), service = %shown(service), "a database container's compose labels hold a name bosun does not use in file names (letters, digits, _ . - only); it is not backed up");
        }
    }

    pub fn find(&self, project: &str, service: &str) -> Result<Found, AppError> {
        self.found()
            .into_iter()
            .find(|f| f.project.as_str() == project && f.service.as_str() == service)
            .ok_or_else(|| {
                AppError::not_found(format!(
                    "{project}/{service} is not a database bosun can back up. The Backups page lists those it found (PostgreSQL, MySQL, MariaDB; label bosun.backup.engine to mark others)."
                ))
            })
    }

    /// Why a backup of `f` cannot run now, and what to do.
    fn problem(f: &Found) -> Option<String> {
        if !f.record.is_running() {
            return Some(format!(
                "No container of {} is running. Start the service, then back up.",
                f.service
            ));
        }
        match &f.settings.database {
            None => Some(
                "No database name found. Set MYSQL_DATABASE / MARIADB_DATABASE, or the label bosun.backup.database.".into(),
            ),
            Some(db) if !command::is_plain_name(db) => Some(format!(
                "The database name “{db}” has characters bosun does not pass to the dump tool. Name the database with the label bosun.backup.database."
            )),
            Some(_) if !command::is_plain_name(&f.settings.user) => Some(
                "The user name has characters bosun does not pass to the dump tool. Name the user with the label bosun.backup.user.".into(),
            ),
            Some(_) => None,
        }
    }

    pub async fn databases_now(&self) -> Result<Vec<DatabaseDto>, AppError> {
        let schedules = self.effective_schedules().await?;
        // While the engine is away the containers are only the last known picture: nothing
        // is offered as ready to back up until bosun has read them again.
        let engine_away = (!self.inner.engine.inventory().state().connected).then(|| {
            "The Docker engine is unreachable, so bosun cannot run a dump now. It reconnects by itself; back up once the engine is back.".to_owned()
        });
        let mut out = Vec::new();
        for f in self.found() {
            let store = &self.inner.store;
            let last_good = store
                .latest_backup(f.project.as_str(), f.service.as_str(), BackupStatus::Ok)
                .await
                .or_internal("reading the backup catalogue")?;
            let last_failed = store
                .latest_backup(f.project.as_str(), f.service.as_str(), BackupStatus::Failed)
                .await
                .or_internal("reading the backup catalogue")?;
            out.push(DatabaseDto {
                engine: f.settings.engine,
                database: f.settings.database.clone(),
                user: Some(f.settings.user.clone()),
                password_env: f
                    .settings
                    .password
                    .as_ref()
                    .map(|p| p.variable().to_owned()),
                container: Some(f.record.name.clone()),
                problem: engine_away.clone().or_else(|| Self::problem(&f)),
                // A failure is only news when it is newer than the last good backup.
                last_failed: last_failed
                    .filter(|f| last_good.as_ref().is_none_or(|g| f.id > g.id))
                    .map(|r| r.dto()),
                last_good: last_good.map(|r| r.dto()),
                job: self.job(f.project.as_str(), f.service.as_str()),
                schedules: schedules
                    .iter()
                    .filter(|s| s.project == f.project.as_str() && s.service == f.service.as_str())
                    .map(|s| {
                        s.dto(
                            self.missed(&s.project, &s.service),
                            self.inner.clock.now_ms(),
                        )
                    })
                    .collect(),
                project: f.project.into(),
                service: f.service.into(),
            });
        }
        Ok(out)
    }

    pub async fn view_now(&self) -> Result<BackupsView, AppError> {
        let recent = self
            .inner
            .store
            .list_backups(&Filter {
                limit: 50,
                ..Default::default()
            })
            .await
            .or_internal("reading the backup catalogue")?;
        Ok(BackupsView {
            databases: self.databases_now().await?,
            files: self.file_sources_now().await?,
            sets: self.recent_sets().await?,
            set_schedules: self.set_schedules_now().await?,
            recent: self.shown(&recent).await,
        })
    }

    /// The Backups page's data now, then again whenever it changes: jobs starting, making
    /// progress (every second) and ending, and containers coming and going.
    pub fn follow(&self) -> impl Stream<Item = BackupsView> + Send + use<> {
        let busy = self.inner.busy.clone();
        let this = self.clone();
        crate::live::snapshots(
            vec![
                self.inner.busy.watch(),
                self.inner.engine.inventory().watch(),
            ],
            move || {
                if busy.any(&[Work::Backup, Work::Restore]) {
                    Duration::from_secs(1)
                } else {
                    Duration::from_secs(30)
                }
            },
            move || {
                let this = this.clone();
                async move { this.view_now().await }
            },
        )
    }

    /// The backup or restore running on a database now, as the page shows it.
    fn job(&self, project: &str, service: &str) -> Option<bosun_frontend::model::JobDto> {
        let running = self
            .inner
            .busy
            .on(&Resource::service(project, service))
            .into_iter()
            .find(|r| matches!(r.work, Work::Backup | Work::Restore))?;
        Some(bosun_frontend::model::JobDto {
            project: project.to_owned(),
            service: service.to_owned(),
            rate: running.rate(),
            what: running.what,
            backup_id: running.subject,
            bytes: running.bytes,
            elapsed_ms: u64::try_from(running.elapsed.as_millis()).unwrap_or(u64::MAX),
            actor: running.who,
        })
    }

    /// Tells the live views that the catalogue changed.
    fn changed(&self) {
        self.inner.busy.notify();
    }
}
