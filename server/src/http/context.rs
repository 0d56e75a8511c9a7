//! Per-request context: a request id, the client address, and who is calling.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bosun_frontend::authz::RequestInfo;
use bosun_frontend::error::AppError;
use bosun_frontend::model::AuditOutcome;
use http::{HeaderValue, Method, StatusCode};
use tower_sessions::Session;
use tracing::Instrument;

use super::client_ip::client_ip;
use super::error::{ApiError, REQUEST_ID, Refusal};
use super::stream_guard;
use super::{AppState, SESSION_COOKIE};
use crate::audit::Who;
use crate::auth::principal::{self, Credential, Resolved};

fn bearer(req: &Request) -> Option<String> {
    let value = req
        .headers()
        .get(http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    value.strip_prefix("Bearer ").map(|s| s.trim().to_owned())
}

pub fn has_session_cookie(headers: &http::HeaderMap) -> bool {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .any(|c| c.trim().starts_with(&format!("{SESSION_COOKIE}=")))
}

pub async fn request_context(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let request_id = uuid::Uuid::new_v4().simple().to_string();
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]));
    let client = client_ip(peer, req.headers(), &state.security.trusted_proxies);
    // The scheme the browser used, for bosun's own URLs (redirects, the passkey origin).
    let scheme = super::client_ip::scheme(
        state.security.https,
        peer,
        req.headers(),
        &state.security.trusted_proxies,
    );
    req.extensions_mut()
        .insert(crate::auth::account::OwnScheme(scheme));
    let span = tracing::info_span!("request", id = %request_id, method = %req.method(), path = %req.uri().path());
    let upgrade = is_websocket_upgrade(req.headers());
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());

    // Owned copies: the request body is not Sync, so no borrow of `req` may cross an await.
    let token = bearer(&req);
    let session = req.extensions().get::<Session>().cloned();
    let had_cookie = has_session_cookie(req.headers());
    if token.is_none()
        && let Some(session) = &session
        && state.app.account.policy().forward.is_some()
    {
        // A trusted proxy's header signs the session in (forward-auth).
        let trusted = state
            .security
            .trusted_proxies
            .iter()
            .any(|n| n.contains(&peer));
        let headers = req.headers().clone();
        let signed_in = state
            .app
            .account
            .forward_sign_in(trusted, client, &request_id, &headers, session)
            .await;
        if let Err(why) = signed_in {
            let e = AppError::forbidden(why.message()).with_request_id(&request_id);
            return with_id(ApiError(e).into_response(), &request_id);
        }
    }
    let credential = credential(token.as_deref(), session.as_ref()).await;
    let resolved = async {
        if let Some(secret) = token {
            return principal::from_token(&state.store, &secret).await;
        }
        match session {
            Some(session) => {
                principal::from_session(
                    &state.store,
                    &session,
                    had_cookie,
                    state.security.sessions,
                    state.security.clock.now_ms(),
                )
                .await
            }
            None => Ok(Resolved::Anonymous),
        }
    }
    .instrument(span.clone())
    .await;

    let (principal, session_expired) = match resolved {
        Ok(Resolved::Principal(p)) => (Some(p), false),
        Ok(Resolved::Anonymous) => (None, false),
        Ok(Resolved::SessionEnded) => (None, true),
        Ok(refused @ (Resolved::BadToken | Resolved::TokenNeedsTotp)) => {
            let message = if matches!(refused, Resolved::TokenNeedsTotp) {
                "This API token's owner must set up two-factor sign-in first: their role requires it. Sign in, set it up under Account, then use the token again."
            } else {
                "The API token is not valid: it was revoked, it ended when its owner's password changed or their sessions were ended, its user was disabled, or it was mistyped. Create a new one under Account."
            };
            let e = AppError::new(bosun_frontend::error::ErrorKind::Unauthenticated, message)
                .with_request_id(&request_id);
            if upgrade {
                let who = Who {
                    username: "anonymous",
                    client,
                    request_id: &request_id,
                };
                audit_refusal(&state, who, &method, &path, message).await;
            }
            return with_id(ApiError(e).into_response(), &request_id);
        }
        Err(e) => {
            tracing::error!(parent: &span, error = %e, "resolving the caller failed");
            return with_id(
                ApiError(AppError::internal().with_request_id(&request_id)).into_response(),
                &request_id,
            );
        }
    };

    let caller = principal.clone();
    if let Some(credential) = &credential {
        // For a live connection (a terminal) to check, as streams do, that it still stands.
        req.extensions_mut().insert(credential.clone());
    }
    req.extensions_mut().insert(RequestInfo {
        request_id: request_id.clone(),
        client,
        principal,
        session_expired,
    });
    let mut response = REQUEST_ID
        .scope(request_id.clone(), next.run(req).instrument(span))
        .await;
    let refused = match response.status() {
        StatusCode::FORBIDDEN => upgrade || refused_change(&method, &path),
        // A WebSocket (a terminal) asked for without a valid sign-in.
        StatusCode::UNAUTHORIZED => upgrade,
        _ => false,
    };
    if refused {
        // A change or a WebSocket refused for want of a sign-in, a role, an Origin or a
        // finished set-up is in the audit log like any other attempt (sign-in records its
        // own refusals), with the reason the caller was given.
        let who = Who {
            username: caller.as_ref().map_or("anonymous", |p| p.username.as_str()),
            client,
            request_id: &request_id,
        };
        let why = response
            .extensions()
            .get::<Refusal>()
            .map_or("", |r| r.0.as_str())
            .to_owned();
        audit_refusal(&state, who, &method, &path, &why).await;
    }
    if let (Some(caller), Some(credential)) = (caller, credential)
        && stream_guard::is_stream(&response)
    {
        let Some(slot) = state.streams.open(&credential) else {
            let e = AppError::new(
                bosun_frontend::error::ErrorKind::TooManyRequests,
                format!(
                    "At most {} live views may be open per sign-in or token. Close some bosun tabs (or streams), then reload this one.",
                    state.streams.max()
                ),
            )
            .with_request_id(&request_id);
            return with_id(ApiError(e).into_response(), &request_id);
        };
        response = stream_guard::guard(
            response,
            slot,
            stream_guard::Checks {
                store: state.store.clone(),
                sessions: state.sessions.clone(),
                lifetimes: state.security.sessions,
                clock: state.security.clock.clone(),
            },
            credential,
            caller,
        );
    }
    with_id(response, &request_id)
}

async fn audit_refusal(state: &AppState, who: Who<'_>, method: &Method, path: &str, why: &str) {
    state
        .app
        .audit
        .record(
            who,
            "access.denied",
            &format!("{method} {path}"),
            AuditOutcome::Denied,
            (!why.is_empty()).then(|| why.to_owned()),
        )
        .await;
}

/// A request to open a WebSocket (`Upgrade: websocket`).
pub fn is_websocket_upgrade(headers: &http::HeaderMap) -> bool {
    headers
        .get(http::header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// A state-changing request other than signing in (which audits its own outcome).
fn refused_change(method: &Method, path: &str) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
        && path != "/api/v1/session"
        && !path.starts_with("/sfn/public/")
}

/// What the caller presented, kept for streams to check again later.
async fn credential(token: Option<&str>, session: Option<&Session>) -> Option<Credential> {
    if let Some(secret) = token {
        return Some(Credential::Token(secret.to_owned()));
    }
    let session = session?;
    let auth = session
        .get::<principal::SessionAuth>(principal::SESSION_KEY)
        .await
        .ok()
        .flatten()?;
    Some(Credential::Session {
        id: session.id()?,
        auth,
    })
}

fn with_id(mut response: Response, id: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(id) {
        response.headers_mut().insert("x-request-id", v);
    }
    response
}
