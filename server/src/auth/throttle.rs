//! Sign-in throttling: after `limit` failures within `window`, for one user name or one
//! client address, further attempts are refused until the oldest failure ages out.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Caps memory under a flood of distinct names or addresses.
const MAX_KEYS: usize = 50_000;

struct Window<K> {
    failures: HashMap<K, VecDeque<Instant>>,
}

impl<K: Eq + Hash + Clone> Window<K> {
    fn new() -> Self {
        Window {
            failures: HashMap::new(),
        }
    }

    fn prune(&mut self, key: &K, now: Instant, window: Duration) {
        if let Some(q) = self.failures.get_mut(key) {
            while q.front().is_some_and(|t| now.duration_since(*t) >= window) {
                q.pop_front();
            }
            if q.is_empty() {
                self.failures.remove(key);
            }
        }
    }

    /// Seconds until another attempt is allowed, if the key is over the limit.
    fn blocked_for(
        &mut self,
        key: &K,
        now: Instant,
        window: Duration,
        limit: usize,
    ) -> Option<u64> {
        self.prune(key, now, window);
        let q = self.failures.get(key)?;
        if q.len() < limit {
            return None;
        }
        let oldest = q.front()?;
        let wait = window.saturating_sub(now.duration_since(*oldest));
        Some(wait.as_secs().max(1))
    }

    /// Takes back one counted attempt made at `at`.
    fn forget(&mut self, key: &K, at: Instant) {
        if let Some(q) = self.failures.get_mut(key) {
            if let Some(i) = q.iter().position(|t| *t == at) {
                q.remove(i);
            }
            if q.is_empty() {
                self.failures.remove(key);
            }
        }
    }

    fn record(&mut self, key: K, now: Instant, window: Duration, limit: usize) {
        if self.failures.len() >= MAX_KEYS && !self.failures.contains_key(&key) {
            self.failures
                .retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < window));
            if self.failures.len() >= MAX_KEYS {
                return;
            }
        }
        let q = self.failures.entry(key).or_default();
        q.push_back(now);
        // Only the newest `limit` failures matter for the decision.
        while q.len() > limit {
            q.pop_front();
        }
    }
}

pub struct LoginThrottle {
    window: Duration,
    limit: usize,
    inner: Mutex<(Window<String>, Window<IpAddr>)>,
}

/// One attempt let through by [`LoginThrottle::begin`]. It counts as a failure from the moment
/// it is let through, so a burst of parallel guesses cannot all pass the check while the first
/// ones are still being hashed; [`LoginThrottle::succeeded`] takes it back.
#[must_use = "an attempt counts as a failure unless it is marked as succeeded"]
#[derive(Debug)]
pub struct Attempt {
    name: String,
    client: IpAddr,
    at: Instant,
    /// This attempt brought the name or the address to the limit: if it fails, that is news.
    pub locks: bool,
}

impl Attempt {
    pub fn client(&self) -> IpAddr {
        self.client
    }
}

impl LoginThrottle {
    pub fn new(limit: usize, window: Duration) -> Self {
        LoginThrottle {
            window,
            limit,
            inner: Mutex::new((Window::new(), Window::new())),
        }
    }

    /// The standard policy: 5 failures in 15 minutes.
    pub fn standard() -> Self {
        Self::new(5, Duration::from_secs(15 * 60))
    }

    /// Lets one attempt through, counted as a failure until it succeeds, or `Err(seconds)` when
    /// this user or this address must wait. Check and count happen under one lock.
    pub fn begin(&self, username: &str, client: IpAddr, now: Instant) -> Result<Attempt, u64> {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let (users, clients) = &mut *guard;
        let name = username.to_owned();
        let by_user = users.blocked_for(&name, now, self.window, self.limit);
        let by_client = clients.blocked_for(&client, now, self.window, self.limit);
        if let Some(wait) = by_user.max(by_client) {
            return Err(wait);
        }
        users.record(name.clone(), now, self.window, self.limit);
        clients.record(client, now, self.window, self.limit);
        let at_limit = |n: Option<usize>| n.is_some_and(|n| n >= self.limit);
        let locks = at_limit(users.failures.get(&name).map(VecDeque::len))
            || at_limit(clients.failures.get(&client).map(VecDeque::len));
        Ok(Attempt {
            name,
            client,
            at: now,
            locks,
        })
    }

    /// The attempt was good: the user's count is cleared and the address loses this attempt
    /// (it keeps its earlier failures).
    pub fn succeeded(&self, attempt: Attempt) {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let (users, clients) = &mut *guard;
        users.failures.remove(&attempt.name);
        clients.forget(&attempt.client, attempt.at);
    }

    /// The attempt neither failed nor succeeded (a right password still waiting for its code):
    /// it is taken back from both counts, and nothing else changes.
    pub fn withdrawn(&self, attempt: Attempt) {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let (users, clients) = &mut *guard;
        users.forget(&attempt.name, attempt.at);
        clients.forget(&attempt.client, attempt.at);
    }

    pub fn window(&self) -> Duration {
        self.window
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(60);
    fn ip(n: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, n])
    }

    #[test]
    fn five_failures_per_user_block_until_the_window_passes() {
        let t = LoginThrottle::new(5, 15 * MIN);
        let start = Instant::now();
        for i in 0..5u8 {
            let a = t.begin("ann", ip(i), start + MIN * u32::from(i)).unwrap();
            assert_eq!(a.locks, i == 4, "the fifth failure is the one that locks");
        }
        // Different addresses, same user: blocked by user.
        let wait = t.begin("ann", ip(99), start + 5 * MIN).unwrap_err();
        assert_eq!(wait, 10 * 60, "oldest failure at t=0 expires at t=15m");
        assert!(
            t.begin("bob", ip(99), start + 5 * MIN).is_ok(),
            "other users unaffected"
        );
        // Once the first failure is 15 minutes old, one more attempt is allowed.
        assert!(t.begin("ann", ip(98), start + 15 * MIN).is_ok());
    }

    #[test]
    fn five_failures_per_address_block_every_user_from_it() {
        let t = LoginThrottle::new(5, 15 * MIN);
        let now = Instant::now();
        for i in 0..5 {
            let _ = t.begin(&format!("user{i}"), ip(1), now).unwrap();
        }
        assert!(t.begin("someone-else", ip(1), now).is_err());
        assert!(t.begin("someone-else", ip(2), now).is_ok());
    }

    #[test]
    fn attempts_still_in_flight_count_so_a_parallel_burst_gets_five_tries() {
        let t = LoginThrottle::new(5, 15 * MIN);
        let now = Instant::now();
        // Nobody has finished hashing yet: all of these are in flight at once.
        let through: Vec<Attempt> = (0..100u8)
            .filter_map(|i| t.begin("dee", ip(i), now).ok())
            .collect();
        assert_eq!(through.len(), 5);
    }

    #[test]
    fn four_failures_do_not_block_and_success_resets_the_user_but_not_the_address() {
        let t = LoginThrottle::new(5, 15 * MIN);
        let now = Instant::now();
        for _ in 0..4 {
            let _ = t.begin("cy", ip(1), now).unwrap();
        }
        let good = t.begin("cy", ip(1), now).unwrap();
        t.succeeded(good);
        for _ in 0..4 {
            let _ = t.begin("cy", ip(2), now).unwrap();
        }
        assert!(
            t.begin("cy", ip(3), now).is_ok(),
            "the user's count restarted"
        );
        // ip(1) still has its four failures; the good attempt was taken back, so one more is allowed.
        assert!(t.begin("other", ip(1), now).is_ok());
        assert!(t.begin("other", ip(1), now).is_err());
    }

    #[test]
    fn a_withdrawn_attempt_is_taken_back_and_clears_nothing_else() {
        let t = LoginThrottle::new(5, 15 * MIN);
        let now = Instant::now();
        for _ in 0..4 {
            let _ = t.begin("eve", ip(1), now).unwrap();
        }
        for _ in 0..10 {
            let waiting = t.begin("eve", ip(2), now).unwrap();
            t.withdrawn(waiting);
        }
        let _ = t.begin("eve", ip(2), now).unwrap();
        assert!(
            t.begin("eve", ip(3), now).is_err(),
            "the four failures still count"
        );
    }
}
