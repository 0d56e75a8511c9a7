//! Sign-ins sent to the provider and not back yet, keyed by their `state`: each is taken once,
//! lives ten minutes at most, and there are never more than a bounded number of them.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use openidconnect::{Nonce, PkceCodeVerifier, RedirectUrl};

/// Long enough to type a password and a code at the provider, short enough to be useless later.
const LIFETIME: Duration = Duration::from_secs(600);
/// A bound on what unfinished sign-ins can cost; the oldest goes first when it is reached.
const MOST: usize = 10_000;

pub(super) struct Pending {
    pub nonce: Nonce,
    pub verifier: PkceCodeVerifier,
    pub redirect: RedirectUrl,
    /// Where the user was going (already checked to be a path of bosun's).
    pub next: String,
    created: Instant,
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
            created: Instant::now(),
        }
    }
}

#[derive(Default)]
pub(super) struct PendingSignIns {
    by_state: Mutex<HashMap<String, Pending>>,
}

impl PendingSignIns {
    pub fn insert(&self, state: String, pending: Pending) {
        let mut map = self.by_state.lock().unwrap_or_else(PoisonError::into_inner);
        map.retain(|_, p| p.created.elapsed() < LIFETIME);
        if map.len() >= MOST {
            let oldest = map
                .iter()
                .min_by_key(|(_, p)| p.created)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                map.remove(&k);
            }
        }
        map.insert(state, pending);
    }

    /// The sign-in started with `state`, once; None when unknown, used or too old.
    pub fn take(&self, state: &str) -> Option<Pending> {
        let mut map = self.by_state.lock().unwrap_or_else(PoisonError::into_inner);
        map.remove(state).filter(|p| p.created.elapsed() < LIFETIME)
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
    fn a_state_is_good_once() {
        let p = PendingSignIns::default();
        p.insert("s1".into(), pending());
        assert!(p.take("s2").is_none());
        assert!(p.take("s1").is_some());
        assert!(p.take("s1").is_none(), "a state is single-use");
    }
}
