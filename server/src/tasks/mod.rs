//! The Runbook: the stack's maintenance commands as named tasks (declared by labels on a
//! service, or defined by admins in bosun) that operators run from the browser or the API.
//! A task's command is an argument list that never meets a shell; it runs in the service's
//! container (exec) or in a one-off copy of it (run), one run of a task at a time, with its
//! output live and kept, stopped on cancel or timeout, and every run and refusal audited.

mod catalog;
mod defined;
mod drive;
mod events;
mod hook;
mod output;
mod port;
mod recover;
mod runner;
pub mod spec;
mod text;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bosun_frontend::authz::{Actor, AdminRole, Requirement};
use bosun_frontend::error::AppError;
use bosun_frontend::model::Role;

use self::catalog::Catalog;
use self::output::LiveRun;
use crate::audit::AuditService;
use crate::busy::Busy;
use crate::clock::SharedClock;
use crate::docker::Engine;
use crate::error::OrInternal;
use crate::notify::Notifier;
use crate::store::Store;
use crate::store::tasks::RunRow;

/// The label that marks a run's one-off container with the run's token, so bosun finds it
/// again after it was stopped mid-run (and tests find it by label).
pub const RUN_LABEL: &str = "bosun.task-run";

#[derive(Clone)]
pub struct TasksService {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    /// Runs claim their task here, beside every other room's work on the service.
    busy: Busy,
    store: Store,
    audit: AuditService,
    notifier: Notifier,
    /// Timeouts and run times are read from it.
    clock: SharedClock,
    /// The runs going on now, by id.
    live: Mutex<HashMap<i64, Arc<LiveRun>>>,
}

/// What the service is built from.
pub struct Parts {
    pub engine: Engine,
    pub busy: Busy,
    pub store: Store,
    pub audit: AuditService,
    pub notifier: Notifier,
    pub clock: SharedClock,
}

impl TasksService {
    /// The service, after marking the runs a previous bosun left running as interrupted
    /// (audited, notified); their one-off containers are removed as soon as the engine answers.
    pub async fn start(parts: Parts) -> Self {
        let service = TasksService {
            inner: Arc::new(Inner {
                engine: parts.engine,
                busy: parts.busy,
                store: parts.store,
                audit: parts.audit,
                notifier: parts.notifier,
                clock: parts.clock,
                live: Mutex::default(),
            }),
        };
        service.recover().await;
        service
    }

    /// Every task declared on the host now, usable or not.
    async fn catalog(&self) -> Result<Catalog, AppError> {
        let defined = self
            .inner
            .store
            .defined_tasks()
            .await
            .or_internal("reading the tasks defined in bosun")?;
        let records = self.inner.engine.inventory().records();
        Ok(catalog::build(&records, &defined))
    }

    fn live_runs(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Arc<LiveRun>>> {
        // A poisoned lock only means a holder panicked mid-update; the map is still whole.
        self.inner.live.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn live(&self, id: i64) -> Option<Arc<LiveRun>> {
        self.live_runs().get(&id).cloned()
    }

    /// A run the caller may see: 404 when there is none, 403 when its task needs the admin
    /// role and the caller has not got it.
    async fn readable<R: Requirement>(
        &self,
        actor: &Actor<R>,
        id: i64,
    ) -> Result<RunRow, AppError> {
        let row = self
            .inner
            .store
            .run(id)
            .await
            .or_internal("reading the task runs")?
            .ok_or_else(|| AppError::not_found(format!("There is no task run #{id}.")))?;
        if row.role() == Role::Admin {
            actor.also::<AdminRole>().map_err(|_| {
                AppError::forbidden(format!(
                    "Run #{id} is of {} on {}/{}, a task for admins; its output is theirs to see.",
                    row.task, row.project, row.service
                ))
            })?;
        }
        Ok(row)
    }
}
