//! Sign-ins sent to the provider and not back yet, keyed by their `state`: each is taken once,
//! lives ten minutes at most (on bosun's clock, as the code step after it), and there are
//! never more than a bounded number of them.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use openidconnect::{Nonce, PkceCodeVerifier, RedirectUrl};

use crate::clock::SharedClock;

/// Long enough to type a password and a code at the provider, short enough to be useless later.
const LIFETIME_MS: i64 = 600_000;
/// A bound on what unfinished sign-ins can cost; the oldest goes first when it is reached.
const MOST: usize = 10_000;

pub(super) struct Pending {
    pub nonce: Nonce,
    pub verifier: PkceCodeVerifier,
    pub redirect: RedirectUrl,
    /// Where the user was going (already checked to be a path of bosun's).
    pub next: String,
    created_ms: i64,
}

impl Pending {
    pub fn new(
        nonce: Nonce,
        verifier: PkceCodeVerifier,
        redirect: RedirectUrl,
        next: String,
    ) -> Self {
        Pending {
            nonce,
            verifier,
            redirect,
            next,
            created_ms: 0,
        }
    }
}

pub(super) struct PendingSignIns {
    by_state: Mutex<HashMap<String, Pending>>,
    clock: SharedClock,
}

impl PendingSignIns {
    pub fn new(clock: SharedClock) -> Self {
        PendingSignIns {
            by_state: Mutex::default(),
            clock,
        }
    }

    pub fn insert(&self, state: String, mut pending: Pending) {
        let now = self.clock.now_ms();
        pending.created_ms = now;
        let mut map = self.by_state.lock().unwrap_or_else(PoisonError::into_inner);
        map.retain(|_, p| now - p.created_ms < LIFETIME_MS);
        if map.len() >= MOST {
            let oldest = map
                .iter()
                .min_by_key(|(_, p)| p.created_ms)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                map.remove(&k);
            }
        }
        map.insert(state, pending);
    }

    /// The sign-in started with `state`, once; None when unknown, used or too old.
    pub fn take(&self, state: &str) -> Option<Pending> {
        let now = self.clock.now_ms();
        let mut map = self.by_state.lock().unwrap_or_else(PoisonError::into_inner);
        map.remove(state)
            .filter(|p| now - p.created_ms < LIFETIME_MS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending() -> Pending {
        let (_, verifier) = openidconnect::PkceCodeChallenge::new_random_sha256();
        Pending::new(
            Nonce::new_random(),
            verifier,
            RedirectUrl::new("https://bosun.lan/auth/oidc/callback".into()).unwrap(),
            "/".into(),
        )
    }

    #[test]
    fn a_state_is_good_once_and_for_ten_minutes() {
        let clock = crate::clock::ManualClock::new(1_000_000);
        let p = PendingSignIns::new(clock.clone());
        p.insert("s1".into(), pending());
        assert!(p.take("s2").is_none());
        assert!(p.take("s1").is_some());
        assert!(p.take("s1").is_none(), "a state is single-use");
        p.insert("s3".into(), pending());
        clock.advance(std::time::Duration::from_millis(LIFETIME_MS as u64));
        assert!(p.take("s3").is_none(), "too old");
    }
}
