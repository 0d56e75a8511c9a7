//! Time, behind a trait: the system clock, and a manual one that tests move by hand. The time
//! rules (schedules, missed runs, retention, session timeouts, sign-in throttling, renewals)
//! read and wait on a `Clock`, so their tests run without sleeping.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use tokio::sync::watch;

#[async_trait]
pub trait Clock: Send + Sync + fmt::Debug {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;

    /// Returns once this clock reads `at_ms` or later (at once when it already does).
    async fn sleep_until(&self, at_ms: i64);
}

/// The clock every room is handed.
pub type SharedClock = Arc<dyn Clock>;

/// The machine's clock.
pub fn system() -> SharedClock {
    Arc::new(SystemClock)
}

#[derive(Debug)]
pub struct SystemClock;

/// The longest single sleep: a wall clock that is set forward or back is noticed within it.
const RECHECK: Duration = Duration::from_secs(30);

#[async_trait]
impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }

    async fn sleep_until(&self, at_ms: i64) {
        loop {
            let left = at_ms.saturating_sub(self.now_ms());
            if left <= 0 {
                return;
            }
            let left = Duration::from_millis(u64::try_from(left).unwrap_or(u64::MAX));
            tokio::time::sleep(left.min(RECHECK)).await;
        }
    }
}

/// A clock that stands still until it is moved; whoever sleeps on it wakes when it passes
/// their time.
#[derive(Debug)]
pub struct ManualClock {
    now: AtomicI64,
    moved: watch::Sender<i64>,
}

impl ManualClock {
    pub fn new(start_ms: i64) -> Arc<Self> {
        Arc::new(ManualClock {
            now: AtomicI64::new(start_ms),
            moved: watch::channel(start_ms).0,
        })
    }

    /// Starts at the system clock's now.
    pub fn from_now() -> Arc<Self> {
        Self::new(SystemClock.now_ms())
    }

    pub fn advance(&self, by: Duration) {
        let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        let now = self.now.fetch_add(by, Ordering::SeqCst).saturating_add(by);
        self.moved.send_replace(now);
    }
}

#[async_trait]
impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.now.load(Ordering::SeqCst)
    }

    async fn sleep_until(&self, at_ms: i64) {
        let mut moved = self.moved.subscribe();
        while self.now_ms() < at_ms {
            if moved.changed().await.is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_manual_clock_wakes_sleepers_only_when_moved_past_their_time() {
        let clock = ManualClock::new(1_000);
        let sleeper = {
            let clock = clock.clone();
            tokio::spawn(async move { clock.sleep_until(61_000).await })
        };
        clock.advance(Duration::from_secs(59));
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!sleeper.is_finished(), "woken before its time");
        clock.advance(Duration::from_secs(1));
        tokio::time::timeout(Duration::from_secs(1), sleeper)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(clock.now_ms(), 61_000);
        // A time already passed returns at once.
        clock.sleep_until(5).await;
    }

    #[tokio::test]
    async fn the_system_clock_sleeps_until_its_time() {
        let clock = SystemClock;
        let at = clock.now_ms() + 50;
        clock.sleep_until(at).await;
        assert!(clock.now_ms() >= at);
    }
}
