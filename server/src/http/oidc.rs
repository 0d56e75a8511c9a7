//! The identity provider's two routes, open to anyone (they are the sign-in):
//! `/auth/oidc/start` sends the browser to the provider; `/auth/oidc/callback` takes it back,
//! checks the answer and signs the user in.
//!
//! The session cookie is `SameSite=Strict`, so a browser coming back from the provider (another
//! site) does not send it, and would not send it either on a redirect that continues that
//! navigation. So the state is bound to the browser by its own short-lived `Lax` cookie, and a
//! successful callback answers with a page that moves on to bosun by itself: that second
//! navigation starts on bosun's page, and carries the new session cookie.

use axum::Extension;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use bosun_frontend::api::safe_next;
use bosun_frontend::authz::RequestInfo;
use bosun_frontend::model::sign_in::ProviderRefusal;
use http::{HeaderMap, HeaderValue, header};
use serde::Deserialize;
use tower_sessions::Session;

use super::AppState;
use crate::auth::oidc::Callback;

pub const START: &str = "/auth/oidc/start";
pub const CALLBACK: &str = "/auth/oidc/callback";
const STATE_COOKIE: &str = "bosun_oidc_state";

#[derive(Deserialize)]
pub struct StartQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

fn refused(why: ProviderRefusal) -> Response {
    Redirect::to(&format!("/login?refused={}", why.code())).into_response()
}

fn state_cookie(state: &AppState, value: &str, max_age: u32) -> HeaderValue {
    let secure = if state.security.https { "; Secure" } else { "" };
    let cookie = format!(
        "{STATE_COOKIE}={value}; Path=/auth/oidc; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
    );
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn cookie_state(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            c.trim()
                .strip_prefix(&format!("{STATE_COOKIE}="))
                .map(str::to_owned)
        })
}

pub async fn start(
    State(state): State<AppState>,
    parts: http::request::Parts,
    q: Result<Query<StartQuery>, QueryRejection>,
) -> Response {
    // A query that does not parse asks for nowhere in particular: the sign-in goes on to `/`.
    let q = q.map(|Query(q)| q).unwrap_or(StartQuery { next: None });
    let account = &state.app.account;
    let Some(provider) = account.provider() else {
        return Redirect::to("/login").into_response();
    };
    let Some(redirect) = account.policy().own_url(&parts, CALLBACK) else {
        return refused(ProviderRefusal::Failed);
    };
    let next = safe_next(q.next.as_deref());
    match provider.start(&redirect, next).await {
        Ok((url, st)) => (
            [(header::SET_COOKIE, state_cookie(&state, &st, 600))],
            Redirect::to(url.as_str()),
        )
            .into_response(),
        Err(e) => {
            tracing::warn!("identity provider sign-in could not start: {e}");
            refused(e.refusal())
        }
    }
}

pub async fn callback(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    session: Session,
    headers: HeaderMap,
    q: Result<Query<CallbackQuery>, QueryRejection>,
) -> Response {
    // The sign-in page, which says what to do next, rather than a bare 400.
    let Ok(Query(q)) = q else {
        return refused(ProviderRefusal::Failed);
    };
    let account = &state.app.account;
    let Some(provider) = account.provider() else {
        return Redirect::to("/login").into_response();
    };
    let answer = match (q.code, q.state, q.error) {
        (_, state, Some(error)) => Callback::Refused {
            // Anyone can send this: it goes to the audit log, so it is kept short.
            error: match q.error_description {
                Some(d) => format!("{error} ({d})"),
                None => error,
            }
            .chars()
            .take(200)
            .collect(),
            state,
        },
        (Some(code), Some(state), None) => Callback::Code { code, state },
        _ => Callback::Refused {
            error: "the answer had neither a code and state nor an error".into(),
            state: None,
        },
    };
    let clear = [(header::SET_COOKIE, state_cookie(&state, "", 0))];
    let verified = match provider
        .finish(cookie_state(&headers).as_deref(), answer)
        .await
    {
        Ok(v) => v,
        Err(e) => {
            account.provider_failed(&info, &e).await;
            return (clear, refused(e.refusal())).into_response();
        }
    };
    match account.provider_sign_in(&info, &session, verified).await {
        Ok(next) => (clear, onward(&next)).into_response(),
        Err(why) => (clear, refused(why)).into_response(),
    }
}

/// A page that moves on to `next` (a path of bosun's) by itself, with a link for browsers
/// that do not.
fn onward(next: &str) -> Html<String> {
    let next = escape(next);
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"refresh\" content=\"0;url={next}\"><title>Signed in · bosun</title></head>\
         <body><p>Signed in. <a href=\"{next}\">Continue to bosun</a>.</p></body></html>"
    ))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; bosun_oidc_state=xyz; b=2"),
        );
        assert_eq!(cookie_state(&h).as_deref(), Some("xyz"));
        assert_eq!(cookie_state(&HeaderMap::new()), None);
    }

    #[test]
    fn the_onward_page_escapes_its_target() {
        let page = onward("/logs?a=1&b=\"x\"").0;
        assert!(page.contains("url=/logs?a=1&amp;b=&quot;x&quot;"), "{page}");
    }
}
