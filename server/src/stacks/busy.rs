//! One action at a time per service: a second one gets 409 "busy" instead of interleaving.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bosun_frontend::error::AppError;
use bosun_frontend::model::Progress;

use crate::docker::inventory::Inventory;

struct Entry {
    what: String,
    who: String,
    since: Instant,
    progress: Option<Progress>,
}

/// What a viewer sees of a running action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BusyState {
    pub what: String,
    pub progress: Option<Progress>,
}

/// The services (or lone containers) with an action running, shown live on the page.
#[derive(Clone)]
pub struct BusyMap {
    entries: Arc<Mutex<HashMap<String, Entry>>>,
    inventory: Inventory,
}

/// Held while the action runs; dropping it frees the service.
pub struct BusyGuard {
    map: BusyMap,
    key: String,
}

impl BusyMap {
    pub fn new(inventory: Inventory) -> Self {
        BusyMap {
            entries: Arc::default(),
            inventory,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Marks `key` busy with `what` ("stopping"), or says who is already at it.
    pub fn acquire(&self, key: &str, what: &str, who: &str) -> Result<BusyGuard, AppError> {
        let mut entries = self.lock();
        if let Some(e) = entries.get(key) {
            return Err(AppError::conflict(format!(
                "{key} is busy: {} is {} it (started {} s ago). Wait until that finishes, then try again.",
                e.who,
                e.what,
                e.since.elapsed().as_secs()
            )));
        }
        entries.insert(
            key.to_owned(),
            Entry {
                what: what.to_owned(),
                who: who.to_owned(),
                since: Instant::now(),
                progress: None,
            },
        );
        drop(entries);
        self.inventory.touch();
        Ok(BusyGuard {
            map: self.clone(),
            key: key.to_owned(),
        })
    }

    /// What is running on `key` now.
    pub fn current(&self, key: &str) -> Option<BusyState> {
        self.lock().get(key).map(|e| BusyState {
            what: e.what.clone(),
            progress: e.progress,
        })
    }
}

impl BusyGuard {
    /// Updates what viewers see ("scaling to 3: created #3") and pushes it to them.
    pub fn report(&self, what: String, progress: Progress) {
        if let Some(e) = self.map.lock().get_mut(&self.key) {
            e.what = what;
            e.progress = Some(progress);
        }
        self.map.inventory.touch();
    }
}

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.map.lock().remove(&self.key);
        self.map.inventory.touch();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bosun_frontend::error::ErrorKind;

    #[test]
    fn a_second_action_is_refused_until_the_first_ends() {
        let busy = BusyMap::new(Inventory::default());
        let first = busy.acquire("demo/web", "stopping", "ann");
        assert!(first.is_ok());
        let second = busy.acquire("demo/web", "restarting", "bob");
        let e = second.err();
        assert_eq!(e.as_ref().map(|e| e.kind), Some(ErrorKind::Conflict));
        assert!(
            e.map(|e| e.message)
                .unwrap_or_default()
                .contains("ann is stopping it")
        );
        assert_eq!(
            busy.current("demo/web").map(|b| b.what).as_deref(),
            Some("stopping")
        );
        if let Ok(g) = &first {
            g.report("stopping: 1 of 2".into(), Progress { done: 1, total: 2 });
        }
        assert_eq!(
            busy.current("demo/web").and_then(|b| b.progress),
            Some(Progress { done: 1, total: 2 })
        );
        // Another service is not affected.
        assert!(busy.acquire("demo/db", "stopping", "bob").is_ok());
        drop(first);
        assert_eq!(busy.current("demo/web"), None);
        assert!(busy.acquire("demo/web", "restarting", "bob").is_ok());
    }
}
