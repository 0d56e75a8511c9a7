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

    /// `Some(seconds)` when this user or this address must wait.
    pub fn check(&self, username: &str, client: IpAddr, now: Instant) -> Option<u64> {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let (users, clients) = &mut *guard;
        let by_user = users.blocked_for(&username.to_owned(), now, self.window, self.limit);
        let by_client = clients.blocked_for(&client, now, self.window, self.limit);
        by_user.max(by_client)
    }

    pub fn record_failure(&self, username: &str, client: IpAddr, now: Instant) {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let (users, clients) = &mut *guard;
        users.record(username.to_owned(), now, self.window, self.limit);
        clients.record(client, now, self.window, self.limit);
    }

    /// A good password clears the user's count; the address keeps its history.
    pub fn record_success(&self, username: &str) {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        guard.0.failures.remove(username);
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
            assert_eq!(t.check("ann", ip(i), start), None);
            t.record_failure("ann", ip(i), start + MIN * u32::from(i));
        }
        // Different addresses, same user: blocked by user.
        let wait = t.check("ann", ip(99), start + 5 * MIN).unwrap();
        assert_eq!(wait, 10 * 60, "oldest failure at t=0 expires at t=15m");
        assert!(
            t.check("bob", ip(99), start + 5 * MIN).is_none(),
            "other users unaffected"
        );
        // Once the first failure is 15 minutes old, one more attempt is allowed.
        assert_eq!(t.check("ann", ip(99), start + 15 * MIN), None);
    }

    #[test]
    fn five_failures_per_address_block_every_user_from_it() {
        let t = LoginThrottle::new(5, 15 * MIN);
        let now = Instant::now();
        for i in 0..5 {
            t.record_failure(&format!("user{i}"), ip(1), now);
        }
        assert!(t.check("someone-else", ip(1), now).is_some());
        assert!(t.check("someone-else", ip(2), now).is_none());
    }

    #[test]
    fn four_failures_do_not_block_and_success_resets_the_user() {
        let t = LoginThrottle::new(5, 15 * MIN);
        let now = Instant::now();
        for _ in 0..4 {
            t.record_failure("cy", ip(1), now);
        }
        assert_eq!(t.check("cy", ip(1), now), None);
        t.record_success("cy");
        t.record_failure("cy", ip(2), now);
        assert_eq!(t.check("cy", ip(3), now), None);
    }
}
