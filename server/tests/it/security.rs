//! Route × role matrix, generated from what the server registers: the OpenAPI document
//! (REST), the server-function registry, and the Leptos route list (pages).

use bosun_frontend::model::{AuditOutcome, CreatedToken};
use reqwest::{Client, Method, StatusCode};
use serde_json::Value;

use crate::api::{audit, error_of, expect_json, json_get};
use crate::harness::TestServer;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Need {
    Public,
    SignedIn,
    Viewer,
    Operator,
    Admin,
}

fn need_of(scope: &str) -> Need {
    match scope {
        "self" => Need::SignedIn,
        "viewer" => Need::Viewer,
        "operator" => Need::Operator,
        "admin" => Need::Admin,
        other => panic!("unknown role scope {other:?}"),
    }
}

struct Route {
    method: Method,
    path: String,
    need: Need,
    kind: &'static str,
}

fn concrete(path: &str) -> String {
    // Parameters get a plausible but absent value: auth is decided before lookup.
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => in_param = true,
            '}' => {
                in_param = false;
                out.push_str("999999");
            }
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

async fn rest_routes(s: &TestServer, admin: &Client) -> Vec<Route> {
    // The OpenAPI document is read as plain JSON on purpose: it is what any client of the
    // API sees, and its shape (paths → methods → security scopes) is the thing under test.
    let doc: Value = json_get(admin, s, "/api/v1/openapi.json").await;
    let mut routes = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().unwrap() {
            let security = op["security"]
                .as_array()
                .expect("every operation declares security");
            let scopes: Vec<&str> = security
                .iter()
                .flat_map(|req| req.as_object().unwrap().values())
                .flat_map(|v| v.as_array().unwrap().iter().map(|s| s.as_str().unwrap()))
                .collect();
            let need = scopes.first().map(|s| need_of(s)).unwrap_or(Need::Public);
            assert!(
                scopes.iter().all(|s| need_of(s) == need),
                "{method} {path}: inconsistent scopes {scopes:?}"
            );
            routes.push(Route {
                method: method.to_uppercase().parse().unwrap(),
                path: concrete(path),
                need,
                kind: "rest",
            });
        }
    }
    routes
}

fn server_fn_routes() -> Vec<Route> {
    server_fn::axum::server_fn_paths()
        .map(|(path, method)| {
            let role = path
                .strip_prefix("/sfn/")
                .and_then(|r| r.split('/').next())
                .expect("server fns live under /sfn/<role>/");
            let need = if role == "public" {
                Need::Public
            } else {
                need_of(role)
            };
            Route {
                method: method.as_str().parse().unwrap(),
                path: path.to_owned(),
                need,
                kind: "server fn",
            }
        })
        .collect()
}

fn page_routes() -> Vec<Route> {
    leptos_axum::generate_route_list(bosun_frontend::app::App)
        .into_iter()
        .map(|listing| {
            let path = listing.path().to_owned();
            let need = if path == "/login" {
                Need::Public
            } else {
                let page = bosun_frontend::nav::page_for(&path)
                    .unwrap_or_else(|| panic!("page {path} is missing from nav::PAGES"));
                match page.role {
                    bosun_frontend::model::Role::Viewer => Need::Viewer,
                    bosun_frontend::model::Role::Operator => Need::Operator,
                    bosun_frontend::model::Role::Admin => Need::Admin,
                }
            };
            Route {
                method: Method::GET,
                // A page of one thing (`/containers/{id}`) is asked for one that is absent.
                path: concrete(&path),
                need,
                kind: "page",
            }
        })
        .collect()
}

async fn call(client: &Client, s: &TestServer, r: &Route) -> reqwest::Response {
    let mut req = client.request(r.method.clone(), s.url(&r.path));
    if r.method != Method::GET && r.method != Method::HEAD {
        req = if r.kind == "server fn" {
            req.header("content-type", "application/x-www-form-urlencoded")
                .body("")
        } else {
            req.header("content-type", "application/json").body("{}")
        };
    }
    req.send().await.unwrap()
}

/// A script's client that sends an API token of the user signed in as `client`.
async fn token_client(s: &TestServer, client: &Client) -> Client {
    let r = client
        .post(s.url("/api/v1/tokens"))
        .json(&serde_json::json!({"name": "matrix"}))
        .send()
        .await
        .unwrap();
    let secret = expect_json::<CreatedToken>(r, StatusCode::CREATED)
        .await
        .secret;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {secret}").parse().unwrap(),
    );
    s.client_builder().default_headers(headers).build().unwrap()
}

#[tokio::test]
async fn every_route_needs_auth_the_right_role_and_the_same_origin() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let operator = s.user(&admin, "op", "operator").await;
    let viewer = s.user(&admin, "vi", "viewer").await;
    matrix(&s, &admin, &operator, &viewer, "vi").await;
}

/// The same matrix for people who signed in through the identity provider: their roles
/// come from their groups (alice: admins, oscar: operators, vera: viewers).
#[tokio::test]
async fn the_route_matrix_holds_for_users_of_the_identity_provider() {
    let p = crate::oidc_provider::Provider::start().await;
    let mut flags = vec![
        "--admin-password".to_owned(),
        crate::harness::ADMIN_PASSWORD.to_owned(),
    ];
    flags.extend(p.flags());
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let s = TestServer::start_with(&flags).await;
    p.register(&s).await;
    let [admin, operator, viewer] = ["alice", "oscar", "vera"].map(|u| {
        let s = &s;
        async move { crate::oidc_provider::sign_in(s, u, "/").await.client }
    });
    let (admin, operator, viewer) = (admin.await, operator.await, viewer.await);
    matrix(&s, &admin, &operator, &viewer, "vera").await;
}

async fn matrix(
    s: &TestServer,
    admin: &Client,
    operator: &Client,
    viewer: &Client,
    viewer_name: &str,
) {
    let (admin, operator, viewer) = (admin.clone(), operator.clone(), viewer.clone());
    let mut routes = rest_routes(s, &admin).await;
    routes.extend(server_fn_routes());
    routes.extend(page_routes());
    // The lists come from the server itself; make sure they are not empty or partial.
    for (kind, at_least) in [("rest", 12), ("server fn", 12), ("page", 9)] {
        let n = routes.iter().filter(|r| r.kind == kind).count();
        assert!(n >= at_least, "only {n} {kind} routes found");
    }
    assert!(
        routes.iter().any(|r| r.path == "/api/v1/users"
            && r.method == Method::POST
            && r.need == Need::Admin)
    );
    assert!(
        routes
            .iter()
            .any(|r| r.path == "/sfn/admin/create_user" && r.need == Need::Admin)
    );
    assert!(
        routes
            .iter()
            .any(|r| r.path == "/users" && r.need == Need::Admin)
    );

    // The same users through API tokens: a token carries its owner's role, no more.
    let viewer_token = token_client(s, &viewer).await;
    let operator_token = token_client(s, &operator).await;

    let anonymous = s.browser();
    let mut checked = 0;
    for r in &routes {
        let label = format!("{} {} {}", r.kind, r.method, r.path);
        if r.need == Need::Public {
            continue;
        }
        // No credentials: 401 for API and server fns, the sign-in page for pages.
        let resp = call(&anonymous, s, r).await;
        if r.kind == "page" {
            assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{label} without auth");
            let loc = resp.headers()[reqwest::header::LOCATION].to_str().unwrap();
            assert!(
                loc.starts_with("/login?next="),
                "{label} redirects to {loc}"
            );
        } else {
            assert_eq!(
                resp.status(),
                StatusCode::UNAUTHORIZED,
                "{label} without auth"
            );
        }
        // Every lower role: 403, with a session, and with a token on the REST API.
        for (client, role) in [(&viewer, Need::Viewer), (&operator, Need::Operator)] {
            if role < r.need {
                let resp = call(client, s, r).await;
                assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{label} as {role:?}");
            }
        }
        if r.kind == "rest" {
            for (client, role) in [
                (&viewer_token, Need::Viewer),
                (&operator_token, Need::Operator),
            ] {
                if role < r.need {
                    let resp = call(client, s, r).await;
                    assert_eq!(
                        resp.status(),
                        StatusCode::FORBIDDEN,
                        "{label} with a token of {role:?}"
                    );
                }
            }
        }
        checked += 1;
    }
    assert!(checked >= 30, "checked only {checked} routes");
    // Changes refused for want of a role are audited with who tried.
    let denied = audit(
        s,
        &admin,
        &format!("action=access.denied&actor={viewer_name}&limit=500"),
    )
    .await;
    assert!(
        denied
            .iter()
            .any(|e| e.target == "POST /api/v1/users" && e.outcome == AuditOutcome::Denied),
        "{denied:#?}"
    );

    // And the other way round: the role a route asks for gets past the check (the request
    // itself may still be refused as bad input or not found: ids are absent, bodies empty).
    // Signing out is left out, as it would end the very session used for the next route.
    let mut allowed = 0;
    for r in routes.iter().filter(|r| r.need != Need::Public) {
        let label = format!("{} {} {}", r.kind, r.method, r.path);
        if r.path.contains("logout")
            || r.path.ends_with("/session")
            || r.path.ends_with("/me/sessions")
        {
            continue;
        }
        let client = match r.need {
            Need::Public => unreachable!(),
            Need::SignedIn | Need::Viewer => &viewer,
            Need::Operator => &operator,
            Need::Admin => &admin,
        };
        let resp = call(client, s, r).await;
        let status = resp.status();
        assert!(
            status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
            "{label} as {:?} was refused: {status} {}",
            r.need,
            resp.text().await.unwrap_or_default()
        );
        if r.kind == "page" && r.path.contains("999999") {
            // The page itself answers; the thing it shows is absent.
            assert!(
                status == StatusCode::OK || status == StatusCode::NOT_FOUND,
                "{label} as {:?}: {status}",
                r.need
            );
        } else if r.kind == "page" {
            assert_eq!(status, StatusCode::OK, "{label} as {:?}", r.need);
        }
        allowed += 1;
    }
    assert!(allowed >= 30, "allowed only {allowed} routes");
}

#[tokio::test]
async fn cross_origin_state_changes_are_refused_even_with_a_valid_session() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let mut routes = rest_routes(&s, &admin).await;
    routes.extend(server_fn_routes());
    // A browser on another site carrying the admin's cookie.
    let cookie = {
        let script = s.script();
        let r = script
            .post(s.url("/api/v1/session"))
            .json(&serde_json::json!({"username": "admin", "password": crate::harness::ADMIN_PASSWORD}))
            .send()
            .await
            .unwrap();
        r.headers()[reqwest::header::SET_COOKIE]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned()
    };
    let evil = |origin: Option<&str>| {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("cookie", cookie.parse().unwrap());
        if let Some(o) = origin {
            headers.insert("origin", o.parse().unwrap());
        }
        s.client_builder().default_headers(headers).build().unwrap()
    };
    let foreign = evil(Some("https://evil.example"));
    let null_origin = evil(Some("null"));
    let no_origin = evil(None);
    let mut changes = 0;
    for r in routes
        .iter()
        .filter(|r| r.method != Method::GET && r.method != Method::HEAD)
    {
        for (client, what) in [
            (&foreign, "foreign origin"),
            (&null_origin, "null origin"),
            (&no_origin, "cookie without origin"),
        ] {
            let resp = call(client, &s, r).await;
            assert_eq!(
                resp.status(),
                StatusCode::FORBIDDEN,
                "{} {} {what}",
                r.method,
                r.path
            );
            let body = error_of(resp).await;
            assert!(
                body.message.starts_with("Refused"),
                "{} {}: {body:?}",
                r.method,
                r.path
            );
        }
        changes += 1;
    }
    assert!(changes >= 10, "only {changes} state-changing routes");
    // Each refused attempt is in the audit log, with whose credential it came.
    let denied = audit(&s, &admin, "action=access.denied&limit=500").await;
    assert!(
        denied.iter().any(|e| e.target == "POST /api/v1/users"
            && e.actor == "admin"
            && e.outcome == AuditOutcome::Denied),
        "{denied:#?}"
    );
    // Signing in and out records its own outcome, so those are not counted twice.
    let signing_in = routes
        .iter()
        .filter(|r| r.method != Method::GET && r.method != Method::HEAD)
        .filter(|r| r.path == "/api/v1/session" || r.path.starts_with("/sfn/public/"))
        .count();
    let expected = (changes - signing_in) * 3;
    assert_eq!(
        denied.len(),
        expected,
        "{} of {expected} refusals audited",
        denied.len()
    );
    // The same session from bosun's own origin still works.
    let me = admin.get(s.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK);
}
