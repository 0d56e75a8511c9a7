//! `GET /metrics`: bosun's own figures for a Prometheus beside the stack. A session or token
//! with the viewer role reads them, and so do the addresses in `BOSUN_METRICS_ALLOW` (a
//! scraper without credentials); anyone else gets 401.

use std::net::IpAddr;

use axum::extract::{FromRequestParts, State};
use axum::response::{IntoResponse, Response};
use bosun_frontend::authz::{Actor, ViewerRole};
use bosun_frontend::error::AppError;
use bosun_frontend::ports::request_info;
use http::header;
use http::request::Parts;

use super::AppState;
use super::error::ApiError;
use crate::error::OrInternal;
use crate::metrics::{self, Figures};

/// Who may read the metrics: a viewer (or higher), or a scraper at an allowed address.
pub enum Scraper {
    Viewer(Actor<ViewerRole>),
    Allowed(IpAddr),
}

/// Whether `client` may read the metrics without credentials.
pub fn allowed(state: &AppState, client: IpAddr) -> bool {
    state
        .security
        .metrics_allow
        .iter()
        .any(|net| net.contains(&client))
}

impl FromRequestParts<AppState> for Scraper {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let info = request_info(parts).ok_or_else(AppError::internal)?;
        if info.principal.is_none() && allowed(state, info.client) {
            return Ok(Scraper::Allowed(info.client));
        }
        Ok(Scraper::Viewer(Actor::<ViewerRole>::authorize(info)?))
    }
}

pub async fn metrics(State(state): State<AppState>, _who: Scraper) -> Result<Response, ApiError> {
    let app = &state.app;
    let stats = app.stats.status();
    let (live_views, viewer_credentials) = state.streams.open_now();
    let engine_connected = app.engine.status().connected;
    let figures = Figures {
        engine_connected,
        engine_streams: vec![
            ("events", u64::from(engine_connected)),
            ("logs", app.logs.live_streams() as u64),
            ("stats", stats.collecting.len() as u64),
            ("terminal", app.terminal.open_now()),
        ],
        live_views: live_views as u64,
        viewer_credentials: viewer_credentials as u64,
        log_followers: app.logs.followers() as u64,
        stats_watchers: u64::from(stats.watchers),
        running: metrics::running(&app.busy),
        audited: app.audit.counts(),
        catalogue: state
            .store
            .status_counts()
            .await
            .or_internal("counting the catalogue for the metrics")?,
        failing_certificates: state
            .store
            .failing_certificates()
            .await
            .or_internal("counting failing certificates for the metrics")?,
    };
    let text = metrics::render(&figures).or_internal("writing the metrics")?;
    Ok(([(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], text).into_response())
}
