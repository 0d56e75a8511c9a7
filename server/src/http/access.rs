//! Fail-closed access control at the edge. Every path needs a signed-in caller unless it is
//! on the short public list. Server functions declare their least role in their path
//! (`/sfn/<role>/<name>`), enforced here before their arguments are even read; the `Actor`
//! their port demands checks it again. REST handlers check roles with their `Auth<R>`
//! argument. Pages get their role from the page table; a page shown to too low a role
//! renders its own explanation with status 403.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use bosun_frontend::authz::{RequestInfo, authorize_role};
use bosun_frontend::components::error_view::urlencode;
use bosun_frontend::error::AppError;
use bosun_frontend::model::Role;
use bosun_frontend::nav::{LOGIN_PATH, page_for};
use http::{Method, StatusCode};

use super::AppState;
use super::error::ApiError;

pub const SERVER_FN_PREFIX: &str = "/sfn/";
pub const METRICS_PATH: &str = "/metrics";

/// The only things reachable without signing in.
pub fn is_public(method: &Method, path: &str) -> bool {
    path == LOGIN_PATH
        || path == "/favicon.ico"
        // The icon and the web app manifest, which a browser fetches without credentials.
        || path == "/icon.svg"
        || path == "/manifest.webmanifest"
        || path.starts_with("/pkg/")
        || path.starts_with("/sfn/public/")
        || (path == "/api/v1/session" && *method == Method::POST)
        // Signing in through the identity provider.
        || (*method == Method::GET
            && (path == super::oidc::START || path == super::oidc::CALLBACK))
}

/// What a server function path demands: `None` for "self" (any signed-in user).
enum SfnRequirement {
    SelfService,
    Role(Role),
}

fn sfn_requirement(path: &str) -> Option<SfnRequirement> {
    let segment = path.strip_prefix(SERVER_FN_PREFIX)?.split('/').next()?;
    match segment {
        "self" => Some(SfnRequirement::SelfService),
        other => other.parse::<Role>().ok().map(SfnRequirement::Role),
    }
}

pub async fn access(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if is_public(req.method(), &path) {
        return next.run(req).await;
    }
    let Some(info) = req.extensions().get::<RequestInfo>().cloned() else {
        return ApiError(AppError::internal()).into_response();
    };

    if path == METRICS_PATH {
        // A signed-in caller (the handler's `Scraper` checks the role), or a scraper at an
        // address in BOSUN_METRICS_ALLOW.
        return if info.principal.is_some() || super::metrics::allowed(&state, info.client) {
            next.run(req).await
        } else {
            ApiError(AppError::unauthenticated()).into_response()
        };
    }

    if path.starts_with(SERVER_FN_PREFIX) {
        if info.principal.is_none() {
            return ApiError(AppError::unauthenticated()).into_response();
        }
        // The rule of `Actor::authorize`, which the port's `Actor` argument applies again.
        let verdict = match sfn_requirement(&path) {
            Some(SfnRequirement::SelfService) => Ok(()),
            Some(SfnRequirement::Role(role)) => authorize_role(&info, role),
            None => Err(AppError::not_found("There is no such server function.")),
        };
        return match verdict {
            Ok(()) => next.run(req).await,
            Err(e) => ApiError(e).into_response(),
        };
    }

    if path.starts_with("/api/") {
        // Roles are checked by each handler's `Auth<R>`; here only "who are you".
        return match info.principal {
            Some(_) => next.run(req).await,
            None => ApiError(AppError::unauthenticated()).into_response(),
        };
    }

    let Some(principal) = info.principal else {
        if !matches!(*req.method(), Method::GET | Method::HEAD) {
            return ApiError(AppError::unauthenticated()).into_response();
        }
        let query = req
            .uri()
            .query()
            .map(|q| format!("?{q}"))
            .unwrap_or_default();
        let next_path = urlencode(&format!("{path}{query}"));
        let expired = if info.session_expired {
            "&expired=1"
        } else {
            ""
        };
        return Redirect::to(&format!("{LOGIN_PATH}?next={next_path}{expired}")).into_response();
    };
    let page = page_for(&path);
    if (principal.must_change_password || principal.must_enrol_totp)
        && !page.is_some_and(|p| p.before_password_change)
    {
        return Redirect::to("/account").into_response();
    }
    let allowed = page.is_none_or(|p| principal.role.allows(p.role));
    let mut response = next.run(req).await;
    if !allowed && response.status().is_success() {
        // The page renders its own "needs the admin role" message; the status says it too.
        *response.status_mut() = StatusCode::FORBIDDEN;
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_list_is_short() {
        assert!(is_public(&Method::GET, "/login"));
        assert!(is_public(&Method::POST, "/api/v1/session"));
        assert!(!is_public(&Method::DELETE, "/api/v1/session"));
        assert!(!is_public(&Method::GET, "/"));
        assert!(!is_public(&Method::GET, "/users"));
        assert!(!is_public(&Method::POST, "/sfn/admin/list_users"));
        assert!(!is_public(&Method::GET, "/api/v1/openapi.json"));
        assert!(is_public(&Method::GET, "/auth/oidc/callback"));
        assert!(!is_public(&Method::POST, "/auth/oidc/callback"));
        assert!(!is_public(&Method::GET, "/auth/oidc/other"));
    }

    #[test]
    fn server_function_roles_come_from_the_path() {
        assert!(matches!(
            sfn_requirement("/sfn/admin/x"),
            Some(SfnRequirement::Role(Role::Admin))
        ));
        assert!(matches!(
            sfn_requirement("/sfn/viewer/x"),
            Some(SfnRequirement::Role(Role::Viewer))
        ));
        assert!(matches!(
            sfn_requirement("/sfn/self/x"),
            Some(SfnRequirement::SelfService)
        ));
        assert!(sfn_requirement("/sfn/root/x").is_none());
    }
}
