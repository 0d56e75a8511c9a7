//! HTTP-01: the tokens bosun answers, served by a small listener of its own
//! (`BOSUN_ACME_HTTP_LISTEN`) that serves nothing but `/.well-known/acme-challenge/`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// The tokens bosun answers HTTP-01 for, shared with its challenge listener.
#[derive(Clone, Default)]
pub struct Http01Answers(Arc<Mutex<HashMap<String, String>>>);

impl Http01Answers {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
    pub(super) fn insert(&self, token: &str, key_authorization: &str) {
        self.lock()
            .insert(token.to_owned(), key_authorization.to_owned());
    }
    pub(super) fn remove(&self, token: &str) {
        self.lock().remove(token);
    }
    pub fn get(&self, token: &str) -> Option<String> {
        self.lock().get(token).cloned()
    }

    /// Serves `/.well-known/acme-challenge/{token}` and nothing else on `listener`.
    pub async fn serve(self, listener: tokio::net::TcpListener) {
        use axum::extract::{Path as AxPath, State};
        use axum::http::StatusCode;
        use axum::routing::get;
        async fn answer(
            State(a): State<Http01Answers>,
            AxPath(token): AxPath<String>,
        ) -> Result<String, StatusCode> {
            a.get(&token).ok_or(StatusCode::NOT_FOUND)
        }
        let app = axum::Router::new()
            .route("/.well-known/acme-challenge/{token}", get(answer))
            .with_state(self);
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "the ACME HTTP-01 listener stopped");
        }
    }
}

/// Binds the HTTP-01 listener at start-up, so a port already in use is a clear start error.
pub async fn bind_http01(addr: SocketAddr) -> Result<tokio::net::TcpListener, String> {
    tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        format!("could not listen on {addr} for ACME HTTP-01 (BOSUN_ACME_HTTP_LISTEN): {e}")
    })
}
