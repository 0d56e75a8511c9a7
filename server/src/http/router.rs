//! Assembles every route and the middleware around them.

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};

use super::complete;
use axum::routing::get;
use bosun_frontend::app::{App, shell};
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use time::Duration as CookieDuration;
use tower::service_fn;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::SqliteStore;

use super::{AppState, SESSION_COOKIE, access, context, csrf, headers};

async fn healthz() -> &'static str {
    "ok"
}

/// `api` is the REST router from `rest::api()`, built once together with its OpenAPI document.
pub fn router(
    state: AppState,
    api: Router<AppState>,
    sessions: SqliteStore,
    idle: std::time::Duration,
    secure_cookie: bool,
) -> Router {
    let leptos_options = state.leptos.clone();
    let ports = state.ports.clone();
    let routes = generate_route_list(App);
    let assets = super::assets::Assets::new(
        std::path::Path::new(leptos_options.site_root.as_ref()).join("pkg"),
        leptos_options.site_pkg_dir.strip_prefix("pkg/"),
    );

    let session_layer = SessionManagerLayer::new(sessions)
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_secure(secure_cookie)
        .with_same_site(SameSite::Strict)
        .with_path("/")
        // Saved on every request, with the time it was seen (`SessionAuth::seen_ms`): bosun's
        // idle timeout counts from there on its clock. The store's own inactivity expiry (on
        // the system clock) stays as a backstop, and lets old records be deleted.
        .with_always_save(true)
        .with_expiry(Expiry::OnInactivity(CookieDuration::seconds(
            i64::try_from(idle.as_secs()).unwrap_or(i64::MAX),
        )));

    // Every render: the ports, and a CSP naming the render's nonce.
    let page_context = move || {
        provide_context(ports.clone());
        headers::page_csp();
    };
    let routes = Router::new()
        .merge(api)
        .route(access::METRICS_PATH, get(super::metrics::metrics))
        .route(super::oidc::START, get(super::oidc::start))
        .route(super::oidc::CALLBACK, get(super::oidc::callback))
        .nest_service(
            "/pkg",
            service_fn(move |request| assets.clone().serve(request)),
        )
        .leptos_routes_with_context(&state, routes, page_context.clone(), move || {
            shell(leptos_options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(page_context, shell))
        .with_state(state.clone());
    // The middleware wraps the routes once, outermost first. (`Router::layer` would wrap each
    // of the ~180 routes in each layer: 1.5 MB of boxed services, held for the whole run.)
    let guarded = tower::ServiceBuilder::new()
        .layer(session_layer)
        // Outside the request context, so the spawned task keeps its request id.
        .layer(from_fn(complete::to_completion))
        .layer(from_fn_with_state(state.clone(), context::request_context))
        .layer(from_fn_with_state(state.clone(), csrf::csrf))
        .layer(from_fn_with_state(state.clone(), access::access))
        .service(routes);
    Router::new()
        // Outside the session layer: health checks touch nothing.
        .route("/healthz", get(healthz))
        .fallback_service(guarded)
        .layer(from_fn_with_state(state, headers::security_headers))
}
