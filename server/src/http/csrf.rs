//! Cross-site request forgery: a state-changing request must come from bosun's own origin.
//!
//! Browsers send `Origin` (or at least `Referer`) with every cross-site POST, so: a present
//! `Origin`/`Referer` must match; a missing one is fine only when no session cookie rides along
//! (scripts with a bearer token, or a first sign-in with curl).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bosun_frontend::error::AppError;
use http::{HeaderMap, Method};

use super::AppState;
use super::client_ip::scheme;
use super::context::has_session_cookie;
use super::error::ApiError;

/// `scheme://host[:port]` of a URL or origin string, lower-cased; None for `null` or garbage.
fn origin_of(value: &str) -> Option<String> {
    let url = url::Url::parse(value).ok()?;
    let host = url.host_str()?;
    let origin = match url.port() {
        Some(p) => format!("{}://{}:{}", url.scheme(), host, p),
        None => format!("{}://{}", url.scheme(), host),
    };
    Some(origin.to_ascii_lowercase())
}

fn request_origin(headers: &HeaderMap) -> Option<Option<String>> {
    let raw = headers
        .get(http::header::ORIGIN)
        .or_else(|| headers.get(http::header::REFERER))?;
    Some(raw.to_str().ok().and_then(origin_of))
}

/// The origins bosun answers as: the configured public URL and the Host the browser used.
/// The host comes from `Host` (HTTP/1.1) or the URI authority (HTTP/2's `:authority`).
fn own_origins(state: &AppState, req: &Request, peer: std::net::IpAddr) -> Vec<String> {
    let headers = req.headers();
    let mut own = Vec::new();
    if let Some(o) = &state.security.public_origin {
        own.push(o.clone());
    }
    let host = headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.as_str().to_owned()));
    if let Some(host) = host {
        let scheme = scheme(
            state.security.https,
            peer,
            headers,
            &state.security.trusted_proxies,
        );
        if let Some(o) = origin_of(&format!("{scheme}://{host}")) {
            own.push(o);
        }
    }
    own
}

pub fn is_safe_method(m: &Method) -> bool {
    matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

pub async fn csrf(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // A WebSocket is opened with a GET, but it carries the session cookie across sites like
    // a form post does, and what it opens (a terminal) changes things: checked like a change.
    if is_safe_method(req.method()) && !super::context::is_websocket_upgrade(req.headers()) {
        return next.run(req).await;
    }
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]));
    let verdict = match request_origin(req.headers()) {
        None if !has_session_cookie(req.headers()) => Ok(()),
        None => Err("it carries a session cookie but no Origin or Referer header"),
        Some(None) => Err("its Origin header is not a URL"),
        Some(Some(origin)) if own_origins(&state, &req, peer).contains(&origin) => Ok(()),
        Some(Some(_)) => Err("it comes from another site"),
    };
    match verdict {
        Ok(()) => next.run(req).await,
        Err(why) => {
            tracing::warn!(why, "refused a cross-origin state change");
            ApiError(AppError::forbidden(format!(
                "Refused: {why}. Changes must be made from bosun's own pages, or with an API token and no cookie. If bosun is behind a proxy, set BOSUN_PUBLIC_URL."
            )))
            .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::origin_of;

    #[test]
    fn origins_are_normalised() {
        assert_eq!(
            origin_of("https://Bosun.LAN:8443/users?x=1").as_deref(),
            Some("https://bosun.lan:8443")
        );
        assert_eq!(
            origin_of("https://bosun.lan:443").as_deref(),
            Some("https://bosun.lan")
        );
        assert_eq!(origin_of("null"), None);
        assert_eq!(
            origin_of("https://[::1]:8443").as_deref(),
            Some("https://[::1]:8443")
        );
    }
}
