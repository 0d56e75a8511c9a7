//! One registry of the work running on the host's resources, for every room: lifecycle
//! actions and scaling (stacks, Swarm), backups and restores, certificate renewals, runbook
//! tasks and image updates. Work is claimed before it starts and freed when its claim is
//! dropped; a claim that conflicts with running work is refused with 409 saying who is at it.
//! What may run beside what is one table, `Work::may_run_beside`. Every change is announced on
//! one watch channel that the live views follow, and each entry carries the progress viewers see.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bosun_frontend::error::AppError;
use bosun_frontend::model::Progress;
use tokio::sync::watch;

/// What work runs on. Two resources overlap when they are equal, when one is a compose
/// project and the other a service (or a task of a service) in it, or when one is a service
/// and the other a task of it. Two different tasks of one service do not overlap.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Resource {
    /// A whole compose project (stack-wide work).
    Project(String),
    /// A compose service: its containers and, when it is one, its database.
    Service { project: String, service: String },
    /// A container outside any compose project, by name.
    Container(String),
    /// A Swarm service, by name.
    SwarmService(String),
    /// A certificate in bosun's inventory: its id, and its title for messages.
    Certificate { id: String, title: String },
    /// A runbook task of a compose service, by name: one run of it at a time.
    Task {
        project: String,
        service: String,
        name: String,
    },
}

impl Resource {
    pub fn service(project: &str, service: &str) -> Self {
        Resource::Service {
            project: project.to_owned(),
            service: service.to_owned(),
        }
    }

    pub fn task(project: &str, service: &str, name: &str) -> Self {
        Resource::Task {
            project: project.to_owned(),
            service: service.to_owned(),
            name: name.to_owned(),
        }
    }

    pub fn overlaps(&self, other: &Resource) -> bool {
        match (self, other) {
            (Resource::Project(p), Resource::Service { project, .. })
            | (Resource::Service { project, .. }, Resource::Project(p))
            | (Resource::Project(p), Resource::Task { project, .. })
            | (Resource::Task { project, .. }, Resource::Project(p)) => p == project,
            (
                Resource::Service { project, service },
                Resource::Task {
                    project: p,
                    service: s,
                    ..
                },
            )
            | (
                Resource::Task {
                    project: p,
                    service: s,
                    ..
                },
                Resource::Service { project, service },
            ) => p == project && s == service,
            (Resource::Certificate { id: a, .. }, Resource::Certificate { id: b, .. }) => a == b,
            (a, b) => a == b,
        }
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Resource::Project(p) => write!(f, "project {p}"),
            Resource::Service { project, service } => write!(f, "{project}/{service}"),
            Resource::Container(name) => write!(f, "container {name}"),
            Resource::SwarmService(name) => write!(f, "Swarm service {name}"),
            Resource::Certificate { title, .. } => f.write_str(title),
            Resource::Task {
                project,
                service,
                name,
            } => write!(f, "task {name} of {project}/{service}"),
        }
    }
}

/// The kinds of work bosun does on a resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Work {
    Start,
    Stop,
    Restart,
    Scale,
    /// A database dump (scheduled, manual, or the safety backup of a restore).
    Backup,
    /// Replacing a database's contents from a backup, safety backup included.
    Restore,
    /// A certificate renewal or upload: issuing, placing and verifying the files.
    Renewal,
    /// A service made to load new certificate files without stopping: a signal or a command.
    Reload,
    /// A runbook task: a command in one of the service's containers or in a one-off one.
    Task,
    /// An image update or rollback: pulling, recreating the containers, the health gate.
    Update,
    /// A runbook task a file backup runs around its copy, beside that backup.
    Hook,
}

impl Work {
    /// The table of what may run beside what on overlapping resources. Anything not listed
    /// here excludes everything else: an action on a service while its database is dumped or
    /// restored would break the dump, and two changes to one service would interleave.
    ///
    /// Tasks: a task claims its own name within its service, so one run of a task goes at a
    /// time (a second is refused) while different tasks of a service run side by side (their
    /// resources do not overlap). A task excludes, and is excluded by, a start, stop, restart,
    /// scale or restore of its service: those remove or replace the containers it runs in or
    /// is cloned from, and a restore must not meet a migration half-way.
    /// A task does not run beside a backup of its service either: the tasks runbooks carry
    /// are schema upgrades, migrations and rebuilds, and a dump taken while one runs is no
    /// consistent point to restore to (MySQL's single-transaction dump breaks on DDL, and a
    /// PostgreSQL migration's locks would wait for the whole dump). The backup waits, or the
    /// task does: both say who is at it.
    pub fn may_run_beside(self, running: Work) -> bool {
        use Work::*;
        matches!(
            (self, running),
            // A reload (new certificate files, no stop) goes on beside a dump or a task, and
            // the other way round; a backup's hook runs beside that backup.
            (Reload, Backup) | (Backup, Reload) | (Reload, Task) | (Task, Reload) | (Hook, Backup)
        )
    }

    /// How viewers see it, as "{who} is {doing} it".
    pub fn doing(self) -> &'static str {
        match self {
            Work::Start => "starting",
            Work::Stop => "stopping",
            Work::Restart => "restarting",
            Work::Scale => "scaling",
            Work::Backup => "backing up",
            Work::Restore => "restoring",
            Work::Renewal => "renewing",
            Work::Reload => "reloading",
            Work::Task => "running",
            Work::Update => "updating",
            Work::Hook => "running a backup hook on",
        }
    }
}

struct Entry {
    resource: Resource,
    work: Work,
    who: String,
    /// What viewers see now: "scaling to 3: created #3", "safety backup before restore".
    what: String,
    /// Steps finished so far (renewals show them as a list).
    done: Vec<String>,
    since: Instant,
    progress: Option<Progress>,
    /// The catalogue row (backup id) the current step works on.
    subject: Option<i64>,
    bytes: Arc<AtomicU64>,
}

/// What viewers see of running work.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Running {
    pub resource: Resource,
    pub work: Work,
    pub who: String,
    pub what: String,
    pub done: Vec<String>,
    pub elapsed: Duration,
    pub progress: Option<Progress>,
    pub subject: Option<i64>,
    pub bytes: u64,
}

impl Running {
    /// Bytes per second since the current step began (0 in its first moments).
    pub fn rate(&self) -> u64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.2 {
            (self.bytes as f64 / secs) as u64
        } else {
            0
        }
    }
}

/// The registry; cheap to clone, one per bosun.
#[derive(Clone)]
pub struct Busy {
    entries: Arc<Mutex<BTreeMap<u64, Entry>>>,
    next: Arc<AtomicU64>,
    changed: Arc<watch::Sender<u64>>,
}

impl Default for Busy {
    fn default() -> Self {
        Busy {
            entries: Arc::default(),
            next: Arc::new(AtomicU64::new(1)),
            changed: Arc::new(watch::channel(0).0),
        }
    }
}

impl Busy {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<u64, Entry>> {
        // A poisoned lock only means a holder panicked mid-update; the map is still whole.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Tells every live view that something changed (work started, moved on or ended, or a
    /// room's own data changed and its view should be re-read).
    pub fn notify(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    pub fn watch(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// Claims `resource` for `work` on behalf of `who`, or says (409) who is at it already and
    /// what to do. The claim frees the resource when dropped.
    pub fn claim(&self, resource: Resource, work: Work, who: &str) -> Result<Claim, AppError> {
        let mut entries = self.lock();
        if let Some(e) = entries
            .values()
            .find(|e| e.resource.overlaps(&resource) && !work.may_run_beside(e.work))
        {
            let ago = e.since.elapsed().as_secs();
            // "ann is scaling to 1: removed #3" when the step names the work, else the work
            // on its resource with the step after it.
            let doing = if e.what == e.work.doing() {
                format!("{} {} (started {ago} s ago)", e.what, e.resource)
            } else if e.what.starts_with(e.work.doing()) {
                format!("{} ({}, started {ago} s ago)", e.what, e.resource)
            } else {
                format!(
                    "{} {} (started {ago} s ago; now: {})",
                    e.work.doing(),
                    e.resource,
                    e.what
                )
            };
            return Err(AppError::conflict(format!(
                "{resource} is busy: {} is {doing}, so it cannot be {} now. Wait until that finishes (its progress shows on the page), then try again.",
                e.who,
                work.done_to(),
            )));
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let bytes = Arc::new(AtomicU64::new(0));
        entries.insert(
            id,
            Entry {
                resource,
                work,
                who: who.to_owned(),
                what: work.doing().to_owned(),
                done: Vec::new(),
                since: Instant::now(),
                progress: None,
                subject: None,
                bytes: bytes.clone(),
            },
        );
        drop(entries);
        self.notify();
        Ok(Claim {
            busy: self.clone(),
            id,
            bytes,
        })
    }

    /// The work running on resources that overlap `resource`, oldest first.
    pub fn on(&self, resource: &Resource) -> Vec<Running> {
        self.select(|e| e.resource.overlaps(resource))
    }

    /// All work of one kind, oldest first.
    pub fn of(&self, work: Work) -> Vec<Running> {
        self.select(|e| e.work == work)
    }

    /// Is any work of these kinds running?
    pub fn any(&self, kinds: &[Work]) -> bool {
        self.lock().values().any(|e| kinds.contains(&e.work))
    }

    fn select(&self, keep: impl Fn(&Entry) -> bool) -> Vec<Running> {
        self.lock()
            .values()
            .filter(|e| keep(e))
            .map(|e| Running {
                resource: e.resource.clone(),
                work: e.work,
                who: e.who.clone(),
                what: e.what.clone(),
                done: e.done.clone(),
                elapsed: e.since.elapsed(),
                progress: e.progress,
                subject: e.subject,
                bytes: e.bytes.load(Ordering::Relaxed),
            })
            .collect()
    }
}

impl Work {
    /// "… so it cannot be {done_to} now".
    fn done_to(self) -> &'static str {
        match self {
            Work::Start => "started",
            Work::Stop => "stopped",
            Work::Restart => "restarted",
            Work::Scale => "scaled",
            Work::Backup => "backed up",
            Work::Restore => "restored",
            Work::Renewal => "renewed",
            Work::Reload => "reloaded",
            Work::Task => "run",
            Work::Update => "updated",
            Work::Hook => "run as a backup hook",
        }
    }
}

/// Held while the work runs; dropping it frees the resource and tells the viewers.
pub struct Claim {
    busy: Busy,
    id: u64,
    bytes: Arc<AtomicU64>,
}

impl Claim {
    fn update(&self, f: impl FnOnce(&mut Entry)) {
        if let Some(e) = self.busy.lock().get_mut(&self.id) {
            f(e);
        }
        self.busy.notify();
    }

    /// What viewers see now, with a count of parts done ("scaling to 3: created #3", 1 of 2).
    pub fn report(&self, what: String, progress: Progress) {
        self.update(|e| {
            e.what = what;
            e.progress = Some(progress);
        });
    }

    /// Moves on to the next step: the previous one counts as done, its byte counter and
    /// clock start again, and `subject` names the catalogue row the step works on.
    pub fn step(&self, what: &str, subject: Option<i64>) {
        self.update(|e| {
            let previous = std::mem::replace(&mut e.what, what.to_owned());
            if previous != e.work.doing() && !e.done.contains(&previous) {
                e.done.push(previous);
            }
            e.subject = subject;
            e.since = Instant::now();
            e.progress = None;
            e.bytes.store(0, Ordering::Relaxed);
        });
    }

    /// The step's byte counter, written by the streams doing the work.
    pub fn bytes(&self) -> &Arc<AtomicU64> {
        &self.bytes
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        self.busy.lock().remove(&self.id);
        self.busy.notify();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bosun_frontend::error::ErrorKind;

    fn db() -> Resource {
        Resource::service("shop", "db")
    }

    #[test]
    fn a_restore_excludes_every_other_action_on_its_service() {
        let busy = Busy::default();
        let restore = busy.claim(db(), Work::Restore, "ann").unwrap();
        for work in [
            Work::Start,
            Work::Stop,
            Work::Restart,
            Work::Scale,
            Work::Backup,
            Work::Restore,
            Work::Reload,
        ] {
            let refused = busy.claim(db(), work, "bob").err().unwrap();
            assert_eq!(refused.kind, ErrorKind::Conflict);
            assert!(
                refused.message.contains("ann is restoring shop/db"),
                "{}",
                refused.message
            );
        }
        // Stack-wide work waits for it too.
        assert!(
            busy.claim(Resource::Project("shop".into()), Work::Stop, "bob")
                .is_err()
        );
        // Other services, projects and certificates are not affected.
        assert!(
            busy.claim(Resource::service("shop", "web"), Work::Restart, "bob")
                .is_ok()
        );
        assert!(
            busy.claim(Resource::service("blog", "db"), Work::Backup, "bob")
                .is_ok()
        );
        assert!(
            busy.claim(
                Resource::Certificate {
                    id: "bosun".into(),
                    title: "bosun's own HTTPS".into()
                },
                Work::Renewal,
                "bob"
            )
            .is_ok()
        );
        drop(restore);
        assert!(busy.on(&db()).is_empty());
        assert!(busy.claim(db(), Work::Restart, "bob").is_ok());
    }

    #[test]
    fn a_refusal_says_who_is_at_which_step() {
        let busy = Busy::default();
        let web = busy
            .claim(Resource::service("shop", "web"), Work::Scale, "ann")
            .unwrap();
        web.step("scaling to 1: removed #3", None);
        let refused = |work| {
            busy.claim(Resource::service("shop", "web"), work, "bob")
                .err()
                .map(|e| e.message)
                .unwrap_or_default()
        };
        let m = refused(Work::Scale);
        assert!(
            m.contains("ann is scaling to 1: removed #3 (shop/web"),
            "{m}"
        );
        web.step("safety backup first", None);
        let m = refused(Work::Restart);
        assert!(
            m.contains("ann is scaling shop/web") && m.contains("now: safety backup first"),
            "{m}"
        );
    }

    #[test]
    fn stack_wide_work_excludes_its_services_and_nothing_else() {
        let busy = Busy::default();
        let web = busy
            .claim(Resource::service("shop", "web"), Work::Scale, "ann")
            .unwrap();
        let e = busy
            .claim(Resource::Project("shop".into()), Work::Stop, "bob")
            .err()
            .unwrap();
        assert!(
            e.message.contains("ann is scaling shop/web"),
            "{}",
            e.message
        );
        assert!(
            busy.claim(Resource::Project("blog".into()), Work::Stop, "bob")
                .is_ok()
        );
        drop(web);
        let _all = busy
            .claim(Resource::Project("shop".into()), Work::Stop, "bob")
            .unwrap();
        assert!(
            busy.claim(Resource::service("shop", "db"), Work::Backup, "ann")
                .is_err()
        );
    }

    #[test]
    fn a_reload_by_signal_may_run_beside_a_dump_and_nothing_else_may() {
        let busy = Busy::default();
        let _dump = busy.claim(db(), Work::Backup, "cron").unwrap();
        let reload = busy.claim(db(), Work::Reload, "renewal");
        assert!(reload.is_ok());
        assert!(
            busy.claim(db(), Work::Backup, "ann").is_err(),
            "one dump at a time"
        );
        assert!(busy.claim(db(), Work::Restart, "ann").is_err());
        assert_eq!(busy.on(&db()).len(), 2);
    }

    #[test]
    fn steps_progress_and_bytes_are_what_viewers_see() {
        let busy = Busy::default();
        let mut seen = busy.watch();
        let job = busy.claim(db(), Work::Restore, "ann").unwrap();
        assert!(seen.has_changed().unwrap());
        seen.borrow_and_update();
        job.step("checking the backup file", Some(7));
        job.bytes().store(4096, Ordering::Relaxed);
        job.step("safety backup before restore", Some(8));
        job.bytes().store(10, Ordering::Relaxed);
        assert!(seen.has_changed().unwrap());
        let now = busy.on(&db());
        assert_eq!(now.len(), 1);
        assert_eq!(now[0].what, "safety backup before restore");
        assert_eq!(now[0].done, vec!["checking the backup file".to_owned()]);
        assert_eq!(now[0].subject, Some(8));
        assert_eq!(now[0].bytes, 10);
        job.report("restoring".into(), Progress { done: 1, total: 2 });
        assert_eq!(
            busy.of(Work::Restore)[0].progress,
            Some(Progress { done: 1, total: 2 })
        );
        assert!(busy.any(&[Work::Restore]));
        drop(job);
        assert!(!busy.any(&[Work::Restore, Work::Backup]));
    }

    fn task(name: &str) -> Resource {
        Resource::task("shop", "db", name)
    }

    #[test]
    fn one_run_of_a_task_at_a_time_and_different_tasks_side_by_side() {
        let busy = Busy::default();
        let migrate = busy.claim(task("migrate"), Work::Task, "ann").unwrap();
        migrate.step("running task migrate", Some(1));
        let second = busy
            .claim(task("migrate"), Work::Task, "bob")
            .err()
            .unwrap();
        assert_eq!(second.kind, ErrorKind::Conflict);
        assert!(
            second
                .message
                .contains("task migrate of shop/db is busy: ann is running task migrate"),
            "{}",
            second.message
        );
        // Another task of the same service, and the same task of another service, run.
        let _vacuum = busy.claim(task("vacuum"), Work::Task, "bob").unwrap();
        let _elsewhere = busy
            .claim(Resource::task("blog", "db", "migrate"), Work::Task, "bob")
            .unwrap();
        assert_eq!(busy.on(&db()).len(), 2, "both show on their service");
        drop(migrate);
        assert!(busy.claim(task("migrate"), Work::Task, "bob").is_ok());
    }

    #[test]
    fn a_task_and_a_stop_restore_scale_or_backup_of_its_service_exclude_each_other() {
        let excluded = [
            Work::Start,
            Work::Stop,
            Work::Restart,
            Work::Scale,
            Work::Backup,
            Work::Restore,
        ];
        for work in excluded {
            // The task first: the service's work is refused, naming the task.
            let busy = Busy::default();
            let run = busy.claim(task("migrate"), Work::Task, "ann").unwrap();
            let refused = busy.claim(db(), work, "bob").err().unwrap();
            assert_eq!(refused.kind, ErrorKind::Conflict, "{work:?}");
            assert!(
                refused
                    .message
                    .contains("ann is running task migrate of shop/db"),
                "{work:?}: {}",
                refused.message
            );
            drop(run);
            // The service's work first: the task is refused.
            let held = busy.claim(db(), work, "bob").unwrap();
            assert!(
                busy.claim(task("migrate"), Work::Task, "ann").is_err(),
                "{work:?}"
            );
            drop(held);
        }
        // Stack-wide work and tasks exclude each other too; other projects are not affected.
        let busy = Busy::default();
        let _run = busy.claim(task("migrate"), Work::Task, "ann").unwrap();
        assert!(
            busy.claim(Resource::Project("shop".into()), Work::Stop, "bob")
                .is_err()
        );
        assert!(
            busy.claim(Resource::Project("blog".into()), Work::Stop, "bob")
                .is_ok()
        );
        assert!(
            busy.claim(Resource::service("shop", "web"), Work::Restart, "bob")
                .is_ok()
        );
    }

    #[test]
    fn a_certificate_reload_may_run_beside_a_task() {
        let busy = Busy::default();
        let _run = busy.claim(task("migrate"), Work::Task, "ann").unwrap();
        let reload = busy.claim(db(), Work::Reload, "renewal").unwrap();
        assert!(busy.claim(task("vacuum"), Work::Task, "bob").is_ok());
        drop(reload);
        assert!(Work::Task.may_run_beside(Work::Reload));
        assert!(!Work::Task.may_run_beside(Work::Task));
        assert!(task("a").overlaps(&db()) && db().overlaps(&task("a")));
        assert!(!task("a").overlaps(&task("b")));
        assert!(!task("a").overlaps(&Resource::service("shop", "web")));
    }
}
