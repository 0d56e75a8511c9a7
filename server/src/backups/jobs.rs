//! One job per database at a time; several databases may run at once. Each job's byte
//! counter is shared with the page's live view.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bosun_frontend::error::AppError;
use bosun_frontend::model::JobDto;
use tokio::sync::watch;

struct Entry {
    what: String,
    actor: String,
    backup_id: Option<i64>,
    since: Instant,
    bytes: Arc<AtomicU64>,
}

#[derive(Clone)]
pub struct Jobs {
    entries: Arc<Mutex<HashMap<(String, String), Entry>>>,
    changed: watch::Sender<u64>,
}

/// Held while the job runs; dropping it frees the database.
pub struct JobGuard {
    jobs: Jobs,
    key: (String, String),
    pub bytes: Arc<AtomicU64>,
}

impl Default for Jobs {
    fn default() -> Self {
        Jobs {
            entries: Arc::default(),
            changed: watch::channel(0).0,
        }
    }
}

impl Jobs {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Something the page shows changed (a job started or ended, a catalogue row changed).
    pub fn notify(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    pub fn watch(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// Claims the database, or says who is already working on it (409).
    pub fn acquire(
        &self,
        project: &str,
        service: &str,
        what: &str,
        actor: &str,
    ) -> Result<JobGuard, AppError> {
        let key = (project.to_owned(), service.to_owned());
        let mut entries = self.lock();
        if let Some(e) = entries.get(&key) {
            return Err(AppError::conflict(format!(
                "{project}/{service} is busy: {} started {} {} s ago. Wait until it finishes (its progress is on the Backups page), then try again.",
                e.actor,
                e.what,
                e.since.elapsed().as_secs()
            )));
        }
        let bytes = Arc::new(AtomicU64::new(0));
        entries.insert(
            key.clone(),
            Entry {
                what: what.to_owned(),
                actor: actor.to_owned(),
                backup_id: None,
                since: Instant::now(),
                bytes: bytes.clone(),
            },
        );
        drop(entries);
        self.notify();
        Ok(JobGuard {
            jobs: self.clone(),
            key,
            bytes,
        })
    }

    pub fn is_busy(&self, project: &str, service: &str) -> bool {
        self.lock()
            .contains_key(&(project.to_owned(), service.to_owned()))
    }

    pub fn any(&self) -> bool {
        !self.lock().is_empty()
    }

    pub fn current(&self, project: &str, service: &str) -> Option<JobDto> {
        let entries = self.lock();
        let e = entries.get(&(project.to_owned(), service.to_owned()))?;
        let elapsed = e.since.elapsed();
        let bytes = e.bytes.load(Ordering::Relaxed);
        let secs = elapsed.as_secs_f64();
        Some(JobDto {
            project: project.to_owned(),
            service: service.to_owned(),
            what: e.what.clone(),
            backup_id: e.backup_id,
            bytes,
            rate: if secs > 0.2 {
                (bytes as f64 / secs) as u64
            } else {
                0
            },
            elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            actor: e.actor.clone(),
        })
    }
}

impl JobGuard {
    /// Shows a new step ("restoring") and the catalogue row it works on.
    pub fn step(&self, what: &str, backup_id: Option<i64>) {
        if let Some(e) = self.jobs.lock().get_mut(&self.key) {
            what.clone_into(&mut e.what);
            e.backup_id = backup_id;
            e.since = Instant::now();
            e.bytes.store(0, Ordering::Relaxed);
        }
        self.jobs.notify();
    }
}

impl Drop for JobGuard {
    fn drop(&mut self) {
        self.jobs.lock().remove(&self.key);
        self.jobs.notify();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_job_per_database_several_databases_at_once() {
        let jobs = Jobs::default();
        let first = jobs.acquire("shop", "db", "backing up", "ann");
        assert!(first.is_ok());
        let second = jobs.acquire("shop", "db", "backing up", "bob");
        assert!(
            second
                .err()
                .is_some_and(|e| e.status() == 409 && e.message.contains("ann"))
        );
        assert!(jobs.acquire("blog", "db", "backing up", "bob").is_ok());
        if let Ok(g) = &first {
            g.bytes.store(4096, Ordering::Relaxed);
            g.step("restoring", Some(7));
            g.bytes.store(10, Ordering::Relaxed);
        }
        let now = jobs.current("shop", "db");
        assert_eq!(now.as_ref().map(|j| j.what.as_str()), Some("restoring"));
        assert_eq!(now.as_ref().and_then(|j| j.backup_id), Some(7));
        assert_eq!(now.map(|j| j.bytes), Some(10));
        drop(first);
        assert!(!jobs.is_busy("shop", "db"));
        assert!(jobs.acquire("shop", "db", "backing up", "bob").is_ok());
    }
}
