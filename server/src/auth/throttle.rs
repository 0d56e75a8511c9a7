//! Sign-in throttling that a stranger cannot turn into a lockout.
//!
//! Failures are counted three ways over a window (15 minutes): per user *and* client, per
//! client, and per user. A client backs off on its own failures (a few free tries, then waits
//! that double); a client that fails for many names is stopped. When a user name collects
//! failures from anywhere it is *under attack*: clients that failed for it wait, while a client
//! with no failure of its own may still try, but only through the user's slow lane: one check
//! at a time, each after a pause. So the real user, from their own machine, still signs in;
//! guessing from many addresses goes at most one check per pause. Tables are bounded by
//! evicting the entries whose last failure is oldest; counting never stops.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::clock::SharedClock;

/// The numbers of the policy.
#[derive(Clone, Debug)]
pub struct Policy {
    pub window: Duration,
    /// Failures of one client for one user before it backs off.
    pub free_tries: usize,
    /// The first back-off; each further failure doubles it, up to `window`.
    pub first_backoff: Duration,
    /// Failures of one client, any user, before it is stopped until they age out.
    pub client_limit: usize,
    /// Failures for one user, any client, that put the name under attack.
    pub attack_after: usize,
    /// The pause before each check in an attacked user's slow lane.
    pub lane_pause: Duration,
    /// Attempts that may wait for the slow lane; more are told to come back.
    pub lane_queue: usize,
    /// The most keys each table holds.
    pub max_keys: usize,
}

impl Policy {
    pub fn standard() -> Self {
        Policy {
            window: Duration::from_secs(15 * 60),
            free_tries: 3,
            first_backoff: Duration::from_secs(30),
            client_limit: 10,
            attack_after: 5,
            lane_pause: Duration::from_millis(500),
            lane_queue: 4,
            max_keys: 50_000,
        }
    }
}

/// Failure times (ms) per key, bounded in keys by evicting the stalest.
struct Table<K> {
    failures: HashMap<K, VecDeque<i64>>,
}

impl<K: Eq + Hash + Clone> Table<K> {
    fn new() -> Self {
        Table {
            failures: HashMap::new(),
        }
    }

    /// The failures of `key` still inside the window (older ones are dropped).
    fn count(&mut self, key: &K, now: i64, window: i64) -> usize {
        let Some(q) = self.failures.get_mut(key) else {
            return 0;
        };
        while q.front().is_some_and(|t| now - *t >= window) {
            q.pop_front();
        }
        let n = q.len();
        if n == 0 {
            self.failures.remove(key);
        }
        n
    }

    fn oldest(&self, key: &K) -> Option<i64> {
        self.failures.get(key)?.front().copied()
    }

    fn newest(&self, key: &K) -> Option<i64> {
        self.failures.get(key)?.back().copied()
    }

    fn record(&mut self, key: K, at: i64, max_keys: usize) {
        if self.failures.len() >= max_keys && !self.failures.contains_key(&key) {
            self.evict(max_keys);
        }
        let q = self.failures.entry(key).or_default();
        q.push_back(at);
        // A key needs no more history than the back-off can use.
        while q.len() > 64 {
            q.pop_front();
        }
    }

    /// Drops the tenth of the keys whose last failure is oldest.
    fn evict(&mut self, max_keys: usize) {
        let mut last: Vec<(i64, K)> = self
            .failures
            .iter()
            .map(|(k, q)| (q.back().copied().unwrap_or(i64::MIN), k.clone()))
            .collect();
        last.sort_by_key(|(t, _)| *t);
        let drop = (max_keys / 10).max(1).min(last.len());
        for (_, k) in last.into_iter().take(drop) {
            self.failures.remove(&k);
        }
    }

    fn forget(&mut self, key: &K, at: i64) {
        if let Some(q) = self.failures.get_mut(key) {
            if let Some(i) = q.iter().rposition(|t| *t == at) {
                q.remove(i);
            }
            if q.is_empty() {
                self.failures.remove(key);
            }
        }
    }
}

struct Tables {
    pairs: Table<(String, IpAddr)>,
    clients: Table<IpAddr>,
    users: Table<String>,
}

/// An attacked user's lane: one check at a time, and a bound on who may wait.
struct Lane {
    gate: Arc<Semaphore>,
    waiting: AtomicUsize,
}

pub struct LoginThrottle {
    policy: Policy,
    clock: SharedClock,
    tables: Mutex<Tables>,
    lanes: Mutex<HashMap<String, Arc<Lane>>>,
}

/// One attempt let through. It counts as a failure from the moment it is let through, so a
/// burst of parallel guesses cannot all pass the check while the first ones are still being
/// hashed; [`LoginThrottle::succeeded`] and [`LoginThrottle::withdrawn`] take it back.
#[must_use = "an attempt counts as a failure unless it is marked as succeeded"]
#[derive(Debug)]
pub struct Attempt {
    name: String,
    client: IpAddr,
    at: i64,
    /// This attempt put the name under attack: if it fails, that is news.
    pub locks: bool,
    /// Held while an attacked user's check runs.
    _lane: Option<OwnedSemaphorePermit>,
}

impl Attempt {
    pub fn client(&self) -> IpAddr {
        self.client
    }
}

/// What [`LoginThrottle::check`] decided.
enum Decision {
    Go { locks: bool },
    Lane { locks: bool },
}

impl LoginThrottle {
    pub fn new(policy: Policy, clock: SharedClock) -> Self {
        LoginThrottle {
            policy,
            clock,
            tables: Mutex::new(Tables {
                pairs: Table::new(),
                clients: Table::new(),
                users: Table::new(),
            }),
            lanes: Mutex::default(),
        }
    }

    pub fn standard(clock: SharedClock) -> Self {
        Self::new(Policy::standard(), clock)
    }

    fn ms(d: Duration) -> i64 {
        i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
    }

    fn seconds(ms: i64) -> u64 {
        u64::try_from(ms.max(0)).unwrap_or(0).div_ceil(1000).max(1)
    }

    /// The back-off after `n` failures of one client for one user (none before `free_tries`).
    fn backoff(&self, n: usize) -> i64 {
        let doublings = u32::try_from(n.saturating_sub(self.policy.free_tries)).unwrap_or(31);
        Self::ms(self.policy.first_backoff)
            .saturating_mul(1_i64 << doublings.min(30))
            .min(Self::ms(self.policy.window))
    }

    /// Lets one attempt through (counted as a failure until it succeeds), or `Err(seconds)`
    /// to wait. An attempt for an attacked user from a client without failures of its own
    /// waits for that user's slow lane first.
    pub async fn admit(&self, username: &str, client: IpAddr) -> Result<Attempt, u64> {
        let name = username.to_owned();
        let at = self.clock.now_ms();
        let (locks, lane) = match self.check(&name, client, at)? {
            Decision::Go { locks } => (locks, None),
            Decision::Lane { locks } => (locks, Some(self.lane(&name))),
        };
        let attempt = Attempt {
            name,
            client,
            at,
            locks,
            _lane: None,
        };
        let Some(lane) = lane else {
            return Ok(attempt);
        };
        if lane.waiting.fetch_add(1, Ordering::SeqCst) >= self.policy.lane_queue {
            lane.waiting.fetch_sub(1, Ordering::SeqCst);
            self.withdrawn(attempt);
            return Err(Self::seconds(Self::ms(self.policy.lane_pause) * 2));
        }
        let permit = lane.gate.clone().acquire_owned().await;
        lane.waiting.fetch_sub(1, Ordering::SeqCst);
        let Ok(permit) = permit else {
            self.withdrawn(attempt);
            return Err(1);
        };
        tokio::time::sleep(self.policy.lane_pause).await;
        Ok(Attempt {
            _lane: Some(permit),
            ..attempt
        })
    }

    /// Decides and counts under one lock.
    fn check(&self, name: &String, client: IpAddr, now: i64) -> Result<Decision, u64> {
        let p = &self.policy;
        let window = Self::ms(p.window);
        let mut t = self.tables.lock().unwrap_or_else(|e| e.into_inner());
        let pair = (name.clone(), client);
        let by_client = t.clients.count(&client, now, window);
        if by_client >= p.client_limit {
            let oldest = t.clients.oldest(&client).unwrap_or(now);
            return Err(Self::seconds(oldest + window - now));
        }
        let by_pair = t.pairs.count(&pair, now, window);
        let by_user = t.users.count(name, now, window);
        let attacked = by_user >= p.attack_after;
        let own_wait = if by_pair >= p.free_tries || (attacked && by_pair > 0) {
            let n = by_pair.max(p.free_tries);
            let last = t.pairs.newest(&pair).unwrap_or(now);
            (last + self.backoff(n) - now).max(0)
        } else {
            0
        };
        if own_wait > 0 {
            return Err(Self::seconds(own_wait));
        }
        t.pairs.record(pair, now, p.max_keys);
        t.clients.record(client, now, p.max_keys);
        t.users.record(name.clone(), now, p.max_keys);
        let locks = by_user + 1 == p.attack_after;
        Ok(if attacked {
            Decision::Lane { locks }
        } else {
            Decision::Go { locks }
        })
    }

    fn lane(&self, name: &str) -> Arc<Lane> {
        let mut lanes = self.lanes.lock().unwrap_or_else(|e| e.into_inner());
        if lanes.len() >= self.policy.max_keys {
            // Idle lanes cost nothing to make again.
            lanes.retain(|_, l| Arc::strong_count(l) > 1 || l.gate.available_permits() == 0);
        }
        lanes
            .entry(name.to_owned())
            .or_insert_with(|| {
                Arc::new(Lane {
                    gate: Arc::new(Semaphore::new(1)),
                    waiting: AtomicUsize::new(0),
                })
            })
            .clone()
    }

    /// The attempt was good: this client's failures for the user are cleared, and the attempt
    /// is taken back from the client's and the user's counts (their other failures stay).
    pub fn succeeded(&self, attempt: Attempt) {
        let mut t = self.tables.lock().unwrap_or_else(|e| e.into_inner());
        t.pairs
            .failures
            .remove(&(attempt.name.clone(), attempt.client));
        t.clients.forget(&attempt.client, attempt.at);
        t.users.forget(&attempt.name, attempt.at);
    }

    /// The attempt neither failed nor succeeded (a right password still waiting for its code):
    /// it is taken back from every count, and nothing else changes.
    pub fn withdrawn(&self, attempt: Attempt) {
        let mut t = self.tables.lock().unwrap_or_else(|e| e.into_inner());
        t.pairs
            .forget(&(attempt.name.clone(), attempt.client), attempt.at);
        t.clients.forget(&attempt.client, attempt.at);
        t.users.forget(&attempt.name, attempt.at);
    }

    /// How long the longest wait can be.
    pub fn window(&self) -> Duration {
        self.policy.window
    }
}

#[cfg(test)]
#[path = "throttle_tests.rs"]
mod tests;
