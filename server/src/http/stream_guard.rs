//! Open streams (server-sent events: overview, logs, stats, jobs) end when the caller's
//! credential stops working: a disabled, deleted or demoted user, ended sessions, a revoked
//! token, the session's idle or absolute timeout. The check runs again at once when the store
//! says a credential changed, and every half minute for timeouts and sign-outs.

use std::time::Duration;

use axum::body::Body;
use axum::response::Response;
use bosun_frontend::authz::Principal;
use futures::StreamExt;
use tower_sessions::SessionStore;

use crate::auth::principal::{Credential, still_valid};
use crate::store::{Store, now_ms};

const RECHECK: Duration = Duration::from_secs(30);

pub fn is_stream(response: &Response) -> bool {
    response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"))
}

/// Resolves once the credential no longer stands for `principal`.
async fn ended<S: SessionStore>(
    store: Store,
    sessions: S,
    credential: Credential,
    principal: Principal,
    absolute_ms: i64,
) {
    let mut changes = store.credential_changes();
    let absolute_end = match &credential {
        Credential::Session { auth, .. } => {
            let left = auth.login_at_ms.saturating_add(absolute_ms) - now_ms();
            Some(tokio::time::Instant::now() + Duration::from_millis(left.max(0) as u64))
        }
        Credential::Token(_) => None,
    };
    loop {
        let absolute = async {
            match absolute_end {
                Some(at) => tokio::time::sleep_until(at).await,
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
            () = absolute => {}
        }
        if !still_valid(&store, &sessions, &credential, &principal, absolute_ms).await {
            return;
        }
    }
}

/// The same response, its body cut off when the credential stops working.
pub fn guard<S: SessionStore + Clone>(
    response: Response,
    store: Store,
    sessions: S,
    credential: Credential,
    principal: Principal,
    absolute_ms: i64,
) -> Response {
    let (parts, body) = response.into_parts();
    let end = Box::pin(ended(store, sessions, credential, principal, absolute_ms));
    let body = Body::from_stream(body.into_data_stream().take_until(end));
    Response::from_parts(parts, body)
}
