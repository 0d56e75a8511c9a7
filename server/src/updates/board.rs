//! What the service cards show of updates, kept in memory: the last check and the latest run
//! of every service. The updates room writes it; the Services overview reads it, and every
//! change wakes the live views through the busy registry's change channel.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use bosun_frontend::model::{CheckState, ImageUpdateDto, ServiceUpdate, UpdateRunDto};

use crate::busy::Busy;

type Key = (String, String);

#[derive(Clone)]
pub struct Board {
    entries: Arc<RwLock<HashMap<Key, ServiceUpdate>>>,
    busy: Busy,
}

fn key(project: &str, service: &str) -> Key {
    (project.to_owned(), service.to_owned())
}

fn unchecked(project: &str, service: &str, image: &str) -> ImageUpdateDto {
    ImageUpdateDto {
        project: project.to_owned(),
        service: service.to_owned(),
        image: image.to_owned(),
        state: CheckState::Unchecked,
        current_digest: None,
        available_digest: None,
        built_at: None,
        checked_at: None,
        reason: None,
        rollback_to: None,
        swarm: project.is_empty(),
    }
}

impl Board {
    pub fn new(busy: Busy) -> Self {
        Board {
            entries: Arc::default(),
            busy,
        }
    }

    fn edit(&self, project: &str, service: &str, image: &str, f: impl FnOnce(&mut ServiceUpdate)) {
        {
            // A poisoned lock only means a writer panicked mid-update; the map is still whole.
            let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
            let entry = entries
                .entry(key(project, service))
                .or_insert_with(|| ServiceUpdate {
                    check: unchecked(project, service, image),
                    last_run: None,
                });
            f(entry);
        }
        self.busy.notify();
    }

    pub fn get(&self, project: &str, service: &str) -> Option<ServiceUpdate> {
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        entries.get(&key(project, service)).cloned()
    }

    /// Every service's check, with where a rollback would go.
    pub fn checks(&self) -> Vec<ImageUpdateDto> {
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        let mut all: Vec<ImageUpdateDto> = entries.values().map(|e| e.check.clone()).collect();
        all.sort_by(|a, b| (&a.project, &a.service).cmp(&(&b.project, &b.service)));
        all
    }

    /// A new check result; the rollback target found before stays.
    pub fn set_check(&self, check: ImageUpdateDto) {
        let (p, s, i) = (
            check.project.clone(),
            check.service.clone(),
            check.image.clone(),
        );
        self.edit(&p, &s, &i, |e| {
            let rollback_to = e.check.rollback_to.take();
            e.check = ImageUpdateDto {
                rollback_to,
                ..check
            };
        });
    }

    pub fn set_run(&self, run: UpdateRunDto) {
        let (p, s, i) = (run.project.clone(), run.service.clone(), run.image.clone());
        self.edit(&p, &s, &i, |e| e.last_run = Some(run));
    }

    pub fn set_rollback_to(&self, project: &str, service: &str, image: &str, to: Option<String>) {
        self.edit(project, service, image, |e| e.check.rollback_to = to);
    }

    /// After an update: the service runs `digest` now, so it is current if that is what the
    /// registry had.
    pub fn now_runs(&self, project: &str, service: &str, image: &str, digest: Option<String>) {
        self.edit(project, service, image, |e| {
            e.check.current_digest = digest.clone();
            if e.check.state == CheckState::Available
                && digest.is_some()
                && e.check.available_digest == digest
            {
                e.check.state = CheckState::Current;
            } else if e.check.state == CheckState::Current && e.check.available_digest != digest {
                e.check.state = CheckState::Available;
            }
        });
    }
}
