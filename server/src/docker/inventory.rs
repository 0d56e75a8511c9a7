//! The containers on the host, kept in memory and current from the engine's events, so
//! a page costs a map read instead of a list plus one inspect per container.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use bosun_frontend::model::{InventoryState, Outage};
use tokio::sync::watch;

use super::record::Record;
use crate::store::{now_ms, rfc3339};

#[derive(Default)]
struct State {
    containers: HashMap<String, Arc<Record>>,
    connected: bool,
    synced_at_ms: Option<i64>,
    disconnected_since_ms: Option<i64>,
    last_outage: Option<(i64, i64)>,
}

/// Shared handle; cheap to clone. Every change bumps a generation number that streams watch.
#[derive(Clone)]
pub struct Inventory {
    state: Arc<RwLock<State>>,
    generation: Arc<watch::Sender<u64>>,
}

impl Default for Inventory {
    fn default() -> Self {
        let (tx, _rx) = watch::channel(0);
        let state = State {
            disconnected_since_ms: Some(now_ms()),
            ..State::default()
        };
        Inventory {
            state: Arc::new(RwLock::new(state)),
            generation: Arc::new(tx),
        }
    }
}

impl Inventory {
    /// Announces a change to every watcher (also used when busy markers change).
    pub fn touch(&self) {
        self.generation.send_modify(|g| *g = g.wrapping_add(1));
    }

    pub fn watch(&self) -> watch::Receiver<u64> {
        self.generation.subscribe()
    }

    fn write(&self, f: impl FnOnce(&mut State)) {
        // A poisoned lock only means a writer panicked mid-update; the map is still usable.
        let mut guard = self.state.write().unwrap_or_else(|p| p.into_inner());
        f(&mut guard);
        drop(guard);
        self.touch();
    }

    /// Replaces everything after a full read of the engine.
    pub fn replace_all(&self, records: Vec<Record>) {
        self.write(|s| {
            s.containers = records
                .into_iter()
                .map(|r| (r.id.clone(), Arc::new(r)))
                .collect();
            let now = now_ms();
            if let Some(from) = s.disconnected_since_ms.take()
                && s.synced_at_ms.is_some()
            {
                s.last_outage = Some((from, now));
            }
            s.connected = true;
            s.synced_at_ms = Some(now);
        });
    }

    pub fn upsert(&self, record: Record) {
        self.write(|s| {
            s.containers.insert(record.id.clone(), Arc::new(record));
        });
    }

    pub fn remove(&self, id: &str) {
        self.write(|s| {
            s.containers.remove(id);
        });
    }

    /// The engine went away: keep the last picture, but say it may be stale.
    pub fn mark_disconnected(&self) {
        self.write(|s| {
            if s.connected {
                s.connected = false;
                s.disconnected_since_ms = Some(now_ms());
            }
        });
    }

    /// All containers, in no particular order.
    pub fn records(&self) -> Vec<Arc<Record>> {
        let guard = self.state.read().unwrap_or_else(|p| p.into_inner());
        guard.containers.values().cloned().collect()
    }

    /// A container by full id, unique id prefix (at least 4 characters) or name.
    pub fn find(&self, reference: &str) -> Option<Arc<Record>> {
        let guard = self.state.read().unwrap_or_else(|p| p.into_inner());
        if let Some(r) = guard.containers.get(reference) {
            return Some(r.clone());
        }
        if let Some(r) = guard.containers.values().find(|r| r.name == reference) {
            return Some(r.clone());
        }
        if reference.len() < 4 {
            return None;
        }
        let mut matches = guard
            .containers
            .values()
            .filter(|r| r.id.starts_with(reference));
        match (matches.next(), matches.next()) {
            (Some(one), None) => Some(one.clone()),
            _ => None,
        }
    }

    pub fn state(&self) -> InventoryState {
        let guard = self.state.read().unwrap_or_else(|p| p.into_inner());
        InventoryState {
            connected: guard.connected,
            synced_at: guard.synced_at_ms.map(rfc3339),
            disconnected_since: (!guard.connected)
                .then_some(guard.disconnected_since_ms)
                .flatten()
                .map(rfc3339),
            last_outage: guard.last_outage.map(|(from, to)| Outage {
                from: rfc3339(from),
                to: rfc3339(to),
            }),
        }
    }
}
