use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::clock::ManualClock;

fn ip(n: u8) -> IpAddr {
    IpAddr::from([10, 0, 0, n])
}

fn quick() -> Policy {
    Policy {
        lane_pause: Duration::from_millis(1),
        ..Policy::standard()
    }
}

fn throttle() -> (LoginThrottle, Arc<ManualClock>) {
    let clock = ManualClock::new(1_000_000);
    (LoginThrottle::new(quick(), clock.clone()), clock)
}

/// Fails `n` attempts, all let through.
async fn fail(t: &LoginThrottle, name: &str, from: IpAddr, n: usize) {
    for _ in 0..n {
        drop(t.admit(name, from).await.unwrap());
    }
}

#[tokio::test]
async fn a_client_backs_off_on_its_own_failures_with_doubling_waits() {
    let (t, clock) = throttle();
    fail(&t, "ann", ip(1), 3).await;
    assert_eq!(t.admit("ann", ip(1)).await.unwrap_err(), 30);
    clock.advance(Duration::from_secs(30));
    fail(&t, "ann", ip(1), 1).await;
    assert_eq!(t.admit("ann", ip(1)).await.unwrap_err(), 60, "doubled");
    clock.advance(Duration::from_secs(60));
    fail(&t, "ann", ip(1), 1).await;
    assert_eq!(t.admit("ann", ip(1)).await.unwrap_err(), 120);
    // Once the window has passed, the slate is clean.
    clock.advance(Duration::from_secs(15 * 60));
    assert!(t.admit("ann", ip(1)).await.is_ok());
}

#[tokio::test]
async fn a_stranger_cannot_lock_the_real_user_out() {
    let (t, _clock) = throttle();
    // An attacker at 10.0.0.2 fails for admin until it is refused.
    let mut refused = 0;
    for _ in 0..20 {
        match t.admit("admin", ip(2)).await {
            Ok(a) => drop(a),
            Err(_) => refused += 1,
        }
    }
    assert_eq!(refused, 17, "three tries, then it waits");
    // The real admin, from their own address, is let through and signs in.
    let mine = t.admit("admin", ip(1)).await.unwrap();
    t.succeeded(mine);
    assert!(t.admit("admin", ip(1)).await.is_ok());
    // Another user is not affected at all.
    assert!(t.admit("bob", ip(3)).await.is_ok());
}

#[tokio::test]
async fn many_addresses_put_the_name_under_attack_and_each_then_gets_one_slow_try() {
    let (t, clock) = throttle();
    // Five addresses, one failure each: the fifth puts admin under attack.
    for i in 1..=5u8 {
        let a = t.admit("admin", ip(i)).await.unwrap();
        assert_eq!(a.locks, i == 5, "the fifth failure is the news");
    }
    // A client that failed already waits; a fresh one goes through the lane.
    assert!(t.admit("admin", ip(1)).await.is_err());
    let fresh = t.admit("admin", ip(50)).await.unwrap();
    drop(fresh);
    assert!(
        t.admit("admin", ip(50)).await.is_err(),
        "its one try under attack is spent"
    );
    clock.advance(Duration::from_secs(31));
    assert!(t.admit("admin", ip(50)).await.is_ok(), "after its back-off");
}

#[tokio::test]
async fn the_slow_lane_checks_one_at_a_time_and_bounds_its_queue() {
    let clock = ManualClock::new(0);
    let policy = Policy {
        lane_pause: Duration::from_millis(200),
        lane_queue: 2,
        ..Policy::standard()
    };
    let t = Arc::new(LoginThrottle::new(policy, clock.clone()));
    for i in 1..=5u8 {
        drop(t.admit("admin", ip(i)).await.unwrap());
    }
    // Eight fresh addresses at once: two may wait, the rest are told to come back.
    let tries: Vec<_> = (100..108u8)
        .map(|i| {
            let t = t.clone();
            tokio::spawn(async move { t.admit("admin", ip(i)).await.map(drop) })
        })
        .collect();
    let mut through = 0;
    for r in futures::future::join_all(tries).await {
        if r.unwrap().is_ok() {
            through += 1;
        }
    }
    assert!(
        (1..=3).contains(&through),
        "{through} went through the lane"
    );
}

#[tokio::test]
async fn a_client_failing_for_many_names_is_stopped() {
    let (t, _clock) = throttle();
    for i in 0..10 {
        drop(t.admit(&format!("user{i}"), ip(7)).await.unwrap());
    }
    assert!(t.admit("someone-else", ip(7)).await.is_err());
    assert!(t.admit("someone-else", ip(8)).await.is_ok());
}

#[tokio::test]
async fn attempts_in_flight_count_so_a_parallel_burst_gets_its_free_tries_only() {
    let (t, _clock) = throttle();
    // Nobody has finished hashing yet: all of these are held at once.
    let mut held = Vec::new();
    for _ in 0..100 {
        if let Ok(a) = t.admit("dee", ip(1)).await {
            held.push(a);
        }
    }
    assert_eq!(held.len(), 3);
}

#[tokio::test]
async fn a_withdrawn_attempt_is_taken_back_and_clears_nothing_else() {
    let (t, _clock) = throttle();
    fail(&t, "eve", ip(1), 2).await;
    for _ in 0..10 {
        let waiting = t.admit("eve", ip(1)).await.unwrap();
        t.withdrawn(waiting);
    }
    drop(t.admit("eve", ip(1)).await.unwrap());
    assert!(
        t.admit("eve", ip(1)).await.is_err(),
        "the two failures still count"
    );
}

#[tokio::test]
async fn full_tables_evict_the_stalest_entries_and_keep_counting() {
    let clock = ManualClock::new(0);
    let policy = Policy {
        max_keys: 100,
        ..quick()
    };
    let t = LoginThrottle::new(policy, clock.clone());
    fail(&t, "target", ip(1), 3).await;
    clock.advance(Duration::from_millis(1));
    // A flood of other names from other addresses fills the tables.
    for i in 0..1_000u32 {
        let from = IpAddr::from([172, 16, (i / 250) as u8, (i % 250) as u8]);
        drop(t.admit(&format!("n{i}"), from).await.unwrap());
    }
    // Counting never stopped: the newest entries are there and still refuse.
    fail(&t, "late", ip(2), 3).await;
    assert!(t.admit("late", ip(2)).await.is_err());
    let tables = t.tables.lock().unwrap();
    assert!(tables.pairs.failures.len() <= 100);
    assert!(tables.clients.failures.len() <= 100);
    assert!(tables.users.failures.len() <= 100);
}
