//! The HTTP surface: pages and server functions (Leptos), the REST API, static files.

pub mod access;
pub mod assets;
pub mod client_ip;
pub mod complete;
pub mod context;
pub mod csrf;
pub mod error;
pub mod extract;
pub mod headers;
pub mod metrics;
pub mod oidc;
pub mod rest;
pub mod router;
pub mod stream_guard;

use std::sync::Arc;

use axum::extract::FromRef;
use bosun_frontend::ports::Ports;
use ipnet::IpNet;
use leptos::config::LeptosOptions;

use crate::app::App;
use crate::store::Store;

pub const SESSION_COOKIE: &str = "bosun_session";

/// What the middleware needs to judge a request.
#[derive(Debug)]
pub struct Security {
    pub https: bool,
    /// `scheme://host[:port]` of BOSUN_PUBLIC_URL, if set.
    pub public_origin: Option<String>,
    pub trusted_proxies: Vec<IpNet>,
    /// Addresses that may read `/metrics` without credentials (`BOSUN_METRICS_ALLOW`).
    pub metrics_allow: Vec<IpNet>,
    /// The idle and absolute timeouts of sessions, counted on `clock`.
    pub sessions: crate::auth::principal::Lifetimes,
    /// bosun's clock (tests move a manual one).
    pub clock: crate::clock::SharedClock,
}

#[derive(Clone)]
pub struct AppState {
    pub leptos: LeptosOptions,
    pub app: App,
    pub ports: Ports,
    pub store: Store,
    pub security: Arc<Security>,
    /// The OpenAPI document's text, shared by every answer that sends it.
    pub openapi_json: bytes::Bytes,
    /// The session records, for open streams to check that theirs still exists.
    pub sessions: tower_sessions_sqlx_store::SqliteStore,
    /// Open streams per sign-in or token, capped.
    pub streams: stream_guard::StreamLimit,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}
