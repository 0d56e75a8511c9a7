//! The audit log: every sign-in and every change, with who, from where, and how it ended.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bosun_frontend::authz::{Actor, Admin, Requirement};
use bosun_frontend::error::{AppError, ErrorKind};
use bosun_frontend::model::{AuditEntry, AuditOutcome, AuditQuery};
use bosun_frontend::ports::AuditPort;

use crate::error::OrInternal;
use crate::store::Store;
use crate::store::audit::NewAuditRecord;

pub mod engine;

/// Who started a job that outlives its request (the job is audited when it ends).
#[derive(Clone, Debug)]
pub struct Owner {
    pub username: String,
    pub client: IpAddr,
    pub request_id: String,
}

impl Owner {
    pub fn who(&self) -> Who<'_> {
        Who {
            username: &self.username,
            client: self.client,
            request_id: &self.request_id,
        }
    }

    /// Scheduled runs.
    pub fn scheduler() -> Self {
        Self::system("schedule")
    }

    /// Work bosun does by itself (automatic renewals, start-up clean-up), under `name`.
    pub fn system(name: &str) -> Self {
        Owner {
            username: name.into(),
            client: IpAddr::V4(Ipv4Addr::LOCALHOST),
            request_id: name.into(),
        }
    }
}

impl<R: Requirement> From<&Actor<R>> for Owner {
    fn from(a: &Actor<R>) -> Self {
        Owner {
            username: a.username().to_owned(),
            client: a.client(),
            request_id: a.request_id().to_owned(),
        }
    }
}

#[derive(Clone)]
pub struct AuditService {
    store: Store,
    /// Records written since start, by action and outcome (bosun's metrics).
    counts: Arc<Mutex<BTreeMap<(String, &'static str), u64>>>,
}

/// Who did it, when there may be no actor yet (sign-in attempts).
#[derive(Clone, Copy)]
pub struct Who<'a> {
    pub username: &'a str,
    pub client: IpAddr,
    pub request_id: &'a str,
}

impl<'a, R: Requirement> From<&'a Actor<R>> for Who<'a> {
    fn from(a: &'a Actor<R>) -> Self {
        Who {
            username: a.username(),
            client: a.client(),
            request_id: a.request_id(),
        }
    }
}

impl AuditService {
    pub fn new(store: Store) -> Self {
        AuditService {
            store,
            counts: Arc::default(),
        }
    }

    /// How many records were written since start, by action and outcome.
    pub fn counts(&self) -> Vec<((String, &'static str), u64)> {
        let counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        counts.iter().map(|(k, n)| (k.clone(), *n)).collect()
    }

    /// Writes one record. A failure to write is logged loudly but does not undo the change.
    pub async fn record(
        &self,
        who: Who<'_>,
        action: &str,
        target: &str,
        outcome: AuditOutcome,
        detail: Option<String>,
    ) {
        *self
            .counts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry((action.to_owned(), outcome.as_str()))
            .or_default() += 1;
        let record = NewAuditRecord {
            actor: who.username.to_owned(),
            client: Some(who.client.to_string()),
            action: action.to_owned(),
            target: target.to_owned(),
            outcome,
            request_id: Some(who.request_id.to_owned()),
            detail,
        };
        if let Err(e) = self.store.insert_audit(&record).await {
            tracing::error!(error = %e, action, target, "could not write the audit record");
        }
    }

    /// Records how an action ended, from its result: ok, denied (403) or failed with the reason.
    pub async fn outcome<T>(
        &self,
        who: Who<'_>,
        action: &str,
        target: &str,
        result: &Result<T, AppError>,
    ) {
        self.outcome_noting(who, action, target, result, None).await;
    }

    /// [`Self::outcome`], with what a success did (`done`) as its detail.
    pub async fn outcome_noting<T>(
        &self,
        who: Who<'_>,
        action: &str,
        target: &str,
        result: &Result<T, AppError>,
        done: Option<String>,
    ) {
        let (outcome, detail) = match result {
            Ok(_) => (AuditOutcome::Ok, done),
            Err(e) if e.kind == ErrorKind::Forbidden => {
                (AuditOutcome::Denied, Some(e.message.clone()))
            }
            Err(e) => (AuditOutcome::Failed, Some(e.message.clone())),
        };
        self.record(who, action, target, outcome, detail).await;
    }
}

#[async_trait]
impl AuditPort for AuditService {
    async fn list(&self, _actor: &Admin, query: AuditQuery) -> Result<Vec<AuditEntry>, AppError> {
        let limit = query
            .effective_limit()
            .map_err(|m| AppError::bad_request("limit", m))?;
        self.store
            .list_audit(&query, limit)
            .await
            .or_internal("listing the audit log")
    }
}
