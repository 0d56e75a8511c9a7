//! One renewal per certificate at a time, with its steps shown live to every viewer.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bosun_frontend::error::AppError;
use bosun_frontend::model::CertJobDto;
use tokio::sync::watch;

struct Entry {
    actor: String,
    step: String,
    done: Vec<String>,
    since: Instant,
}

#[derive(Clone)]
pub struct Jobs {
    entries: Arc<Mutex<BTreeMap<String, Entry>>>,
    changed: watch::Sender<u64>,
}

/// Held while a renewal runs; dropping it frees the certificate.
pub struct JobGuard {
    jobs: Jobs,
    id: String,
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
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn notify(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    pub fn watch(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// Claims the certificate, or says who is renewing it already (409).
    pub fn acquire(&self, id: &str, title: &str, actor: &str) -> Result<JobGuard, AppError> {
        let mut entries = self.lock();
        if let Some(e) = entries.get(id) {
            return Err(AppError::conflict(format!(
                "{title} is being renewed already: {} started it {} s ago ({}). Wait until it finishes; its progress is on the Certificates page.",
                e.actor,
                e.since.elapsed().as_secs(),
                e.step
            )));
        }
        entries.insert(
            id.to_owned(),
            Entry {
                actor: actor.to_owned(),
                step: "starting".into(),
                done: Vec::new(),
                since: Instant::now(),
            },
        );
        drop(entries);
        self.notify();
        Ok(JobGuard {
            jobs: self.clone(),
            id: id.to_owned(),
        })
    }

    pub fn any(&self) -> bool {
        !self.lock().is_empty()
    }

    pub fn current(&self) -> Vec<CertJobDto> {
        self.lock()
            .iter()
            .map(|(id, e)| CertJobDto {
                cert_id: id.clone(),
                actor: e.actor.clone(),
                step: e.step.clone(),
                done: e.done.clone(),
                elapsed_ms: e.since.elapsed().as_millis() as u64,
            })
            .collect()
    }
}

impl JobGuard {
    /// Moves the job on to its next step (the previous one counts as done).
    pub fn step(&self, what: String) {
        let mut entries = self.jobs.lock();
        if let Some(e) = entries.get_mut(&self.id) {
            let previous = std::mem::replace(&mut e.step, what);
            if previous != "starting" {
                e.done.push(previous);
            }
        }
        drop(entries);
        self.jobs.notify();
    }
}

impl Drop for JobGuard {
    fn drop(&mut self) {
        self.jobs.lock().remove(&self.id);
        self.jobs.notify();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_renewal_per_certificate_with_its_steps() {
        let jobs = Jobs::default();
        let g = jobs.acquire("bosun", "bosun's own HTTPS", "admin").unwrap();
        let again = jobs
            .acquire("bosun", "bosun's own HTTPS", "sam")
            .err()
            .unwrap();
        assert_eq!(again.status(), 409);
        assert!(
            again.message.contains("admin started it"),
            "{}",
            again.message
        );
        assert!(
            jobs.acquire("file-1", "x", "sam").is_ok(),
            "others are free"
        );
        g.step("issuing".into());
        g.step("writing".into());
        let now = jobs.current();
        let me = now.iter().find(|j| j.cert_id == "bosun").unwrap();
        assert_eq!(me.step, "writing");
        assert_eq!(me.done, vec!["issuing".to_owned()]);
        drop(g);
        assert!(jobs.acquire("bosun", "x", "sam").is_ok());
    }
}
