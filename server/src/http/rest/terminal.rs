//! The browser terminal's WebSocket, and the transcripts admins may read.

use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::response::{IntoResponse, Response};
use bosun_frontend::authz::{AdminRole, OperatorRole};
use bosun_frontend::error::AppError;
use bosun_frontend::model::ContainerRef;
use http::{Extensions, header};

use crate::auth::principal::Credential;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Auth, PathParams, QueryParams, param};
use crate::http::stream_guard::{self, Checks};
use crate::terminal::Connection;
use crate::terminal::request::TerminalQuery;

/// A terminal in a running container, over a WebSocket (`Upgrade: websocket`): a shell
/// (`/bin/bash`, else `/bin/sh`) or the command given, with a TTY. Binary frames carry the
/// terminal's bytes both ways; the browser sends `{"type":"resize","cols":C,"rows":R}` as
/// text. Who may open one is set by `BOSUN_TERMINAL` (`admin` by default, `operator`, or
/// `off`); the request must come from bosun's own origin. It closes when the browser closes
/// it, the command ends, after `BOSUN_TERMINAL_IDLE` without input or `BOSUN_TERMINAL_MAX_TIME`,
/// and as soon as the caller's sign-in or token stops standing. Opening, closing (with the
/// bytes both ways) and every refusal are audited.
#[utoipa::path(get, path = "/api/v1/containers/{id}/terminal", tag = "terminal",
    params(("id" = String, Path, description = "Container id, unique id prefix or name"), TerminalQuery),
    security(("session" = ["admin"]), ("token" = ["admin"])),
    responses((status = 101, description = "Switching to the terminal's WebSocket"), (status = 400, body = AppError), (status = 401, body = AppError), (status = 403, body = AppError)))]
pub async fn open(
    State(state): State<AppState>,
    Auth(actor): Auth<OperatorRole>,
    PathParams(id): PathParams<String>,
    QueryParams(query): QueryParams<TerminalQuery>,
    extensions: Extensions,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let user = state.app.terminal.authorize(&actor)?;
    let container: ContainerRef = param("id", &id)?;
    let request = query.parse()?;
    let upgrade = upgrade.map_err(|_| {
        AppError::bad_request(
            "upgrade",
            "This is a WebSocket: connect with a WebSocket client (GET with Upgrade: websocket), or open Terminal on the container's page.",
        )
    })?;
    let credential = extensions
        .get::<Credential>()
        .cloned()
        .ok_or_else(AppError::unauthenticated)?;
    let checks = Checks {
        store: state.store.clone(),
        sessions: state.sessions.clone(),
        lifetimes: state.security.sessions,
        clock: state.security.clock.clone(),
    };
    let ended = Box::pin(stream_guard::ended(
        checks,
        credential,
        user.principal().clone(),
    ));
    let connection = Connection {
        service: state.app.terminal.clone(),
        user,
        container: container.as_str().to_owned(),
        request,
        ended,
    };
    Ok(upgrade
        .on_upgrade(move |socket| connection.serve(socket))
        .into_response())
}

/// What one terminal session showed (its output), as kept with `BOSUN_TERMINAL_TRANSCRIPTS=on`.
/// The audit log's `terminal.close` records name the sessions.
#[utoipa::path(get, path = "/api/v1/terminal/transcripts/{session}", tag = "terminal",
    params(("session" = String, Path, description = "The session id from the audit log (32 hex digits)")),
    security(("session" = ["admin"]), ("token" = ["admin"])),
    responses((status = 200, description = "The terminal's output as it was sent", content_type = "application/octet-stream"), (status = 401, body = AppError), (status = 403, body = AppError), (status = 404, body = AppError)))]
pub async fn transcript(
    State(state): State<AppState>,
    Auth(actor): Auth<AdminRole>,
    PathParams(session): PathParams<String>,
) -> Result<Response, ApiError> {
    let bytes = state.app.terminal.transcript(&actor, &session)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"terminal-{session}.log\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
