//! Open streams (server-sent events: overview, logs, stats, jobs) end when the caller's
//! credential stops working: a disabled, deleted or demoted user, ended sessions, a revoked
//! token, the session's idle or absolute timeout. The check runs again at once when the store
//! says a credential changed, when the session's end comes on bosun's clock, and every half
//! minute for sign-outs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::response::Response;
use bosun_frontend::authz::Principal;
use futures::StreamExt;
use tower_sessions::SessionStore;

use crate::auth::principal::{Credential, Lifetimes, Standing, standing};
use crate::clock::SharedClock;
use crate::store::Store;

const RECHECK: Duration = Duration::from_secs(30);

/// What a stream guard checks with: the stores, and the session rules on bosun's clock.
#[derive(Clone)]
pub struct Checks<S> {
    pub store: Store,
    pub sessions: S,
    pub lifetimes: Lifetimes,
    pub clock: SharedClock,
}

pub fn is_stream(response: &Response) -> bool {
    response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"))
}

/// Resolves once the credential no longer stands for `principal`.
pub async fn ended<S: SessionStore>(
    checks: Checks<S>,
    credential: Credential,
    principal: Principal,
) {
    let Checks {
        store,
        sessions,
        lifetimes,
        clock,
    } = checks;
    let mut changes = store.credential_changes();
    // The session's end as the request found it; each check reads it afresh (requests made
    // on the session since then move its idle end).
    let mut session_end = match &credential {
        Credential::Session { auth, .. } => Some(auth.ends_at(lifetimes)),
        Credential::Token(_) => None,
    };
    loop {
        let end = async {
            match session_end {
                Some(at) => clock.sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            changed = changes.changed() => {
                if changed.is_err() {
                    // The store is gone: nothing can be checked any more.
                    return;
                }
            }
            () = tokio::time::sleep(RECHECK) => {}
            () = end => {}
        }
        let now = clock.now_ms();
        match standing(&store, &sessions, &credential, &principal, lifetimes, now).await {
            Standing::Ended => return,
            Standing::Valid { session_ends_at } => session_end = session_ends_at,
        }
    }
}

/// Open streams per credential, capped: a browser left with dozens of tabs (or a script)
/// cannot hold an unbounded number of engine followers open on one sign-in.
#[derive(Clone)]
pub struct StreamLimit {
    max: usize,
    open: Arc<Mutex<HashMap<String, usize>>>,
}

/// Holds one of a credential's stream slots until dropped (when its stream ends).
pub struct Slot {
    limit: StreamLimit,
    key: String,
}

impl StreamLimit {
    pub fn new(max: u32) -> Self {
        StreamLimit {
            max: usize::try_from(max).unwrap_or(usize::MAX),
            open: Arc::default(),
        }
    }

    pub fn max(&self) -> usize {
        self.max
    }

    /// Live views open now, and the sign-ins and tokens holding them.
    pub fn open_now(&self) -> (usize, usize) {
        let open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        (open.values().sum(), open.len())
    }

    /// A slot for `credential`, or None when it holds `max` streams already.
    pub fn open(&self, credential: &Credential) -> Option<Slot> {
        let key = match credential {
            Credential::Session { id, .. } => format!("s:{id}"),
            Credential::Token(secret) => format!("t:{}", crate::auth::token_hash(secret)),
        };
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let n = open.entry(key.clone()).or_default();
        if *n >= self.max {
            return None;
        }
        *n += 1;
        Some(Slot {
            limit: self.clone(),
            key,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.limit.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.key);
            }
        }
    }
}

/// The same response, its body cut off when the credential stops working; `slot` is held
/// for as long as the body is.
pub fn guard<S: SessionStore + Clone>(
    response: Response,
    slot: Slot,
    checks: Checks<S>,
    credential: Credential,
    principal: Principal,
) -> Response {
    let (parts, body) = response.into_parts();
    let end = Box::pin(async move {
        let _slot = slot;
        ended(checks, credential, principal).await;
    });
    let body = Body::from_stream(body.into_data_stream().take_until(end));
    Response::from_parts(parts, body)
}
