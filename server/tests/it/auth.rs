//! Signing in and out: hardened cookies, session ids rotated, wrong passwords refused and
//! audited, lock-outs, a generated first password, and clear errors for bad input.

use bosun_frontend::error::ErrorKind;
use bosun_frontend::model::Me;
use reqwest::StatusCode;
use serde_json::json;

use crate::api::{audit, error_of, expect_json, refused, status_of};
use crate::harness::{ADMIN_PASSWORD, TestServer};

fn session_cookie(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("bosun_session="))
        .map(str::to_owned)
}

fn cookie_value(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("bosun_session=")
        .to_owned()
}

#[tokio::test]
async fn sign_in_sets_a_hardened_cookie_and_rotates_the_session_id() {
    let s = TestServer::start().await;
    let script = s.script();
    let body = json!({"username": "admin", "password": ADMIN_PASSWORD});
    let first = script
        .post(s.url("/api/v1/session"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let set = session_cookie(&first).expect("a session cookie");
    for attr in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(attr), "{attr} missing from {set}");
    }
    let old = cookie_value(&set);

    // Sign in again presenting the old id (as a fixation attacker would plant it).
    let second = script
        .post(s.url("/api/v1/session"))
        .header("cookie", format!("bosun_session={old}"))
        .header("origin", &s.base)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), StatusCode::OK);
    let new = cookie_value(&session_cookie(&second).expect("a new cookie"));
    assert_ne!(old, new, "the session id must change at sign-in");

    let with = |id: &str| {
        script
            .get(s.url("/api/v1/me"))
            .header("cookie", format!("bosun_session={id}"))
            .send()
    };
    assert_eq!(
        with(&old).await.unwrap().status(),
        StatusCode::UNAUTHORIZED,
        "the planted id is dead"
    );
    let me: Me = expect_json(with(&new).await.unwrap(), StatusCode::OK).await;
    assert_eq!(me.username, "admin");
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_audited() {
    let s = TestServer::start().await;
    let r = s
        .script()
        .post(s.url("/api/v1/session"))
        .json(&json!({"username": "admin", "password": "not-the-password"}))
        .send()
        .await
        .unwrap();
    let request_id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body = refused(r, StatusCode::UNAUTHORIZED).await;
    assert!(body.message.contains("Wrong user name or password"));
    assert_eq!(body.request_id, Some(request_id.clone()));

    let admin = s.admin().await;
    let entries = audit(&s, &admin, "action=session.login&outcome=failed").await;
    let entry = entries
        .iter()
        .find(|e| e.request_id.as_deref() == Some(request_id.as_str()))
        .expect("audited");
    assert_eq!(entry.actor, "admin");
    assert_eq!(entry.client.as_deref(), Some("127.0.0.1"));
}

#[tokio::test]
async fn a_client_that_keeps_failing_waits_with_retry_after() {
    let s = TestServer::start().await;
    let client = s.script();
    let attempt = |password: &'static str| {
        client
            .post(s.url("/api/v1/session"))
            .json(&json!({"username": "admin", "password": password}))
            .send()
    };
    for _ in 0..3 {
        assert_eq!(
            attempt("wrong-password-x").await.unwrap().status(),
            StatusCode::UNAUTHORIZED
        );
    }
    // Now this client waits, even with the right password (other clients do not: throttle.rs).
    let r = attempt(ADMIN_PASSWORD).await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r.headers()[reqwest::header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "Retry-After {retry}");
    assert_eq!(error_of(r).await.kind, ErrorKind::TooManyRequests);
}

#[tokio::test]
async fn sign_out_and_sign_out_everywhere_end_sessions() {
    let s = TestServer::start().await;
    let a = s.admin().await;
    let b = s.admin().await;
    assert_eq!(
        a.delete(s.url("/api/v1/session"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        status_of(&a, &s, "/api/v1/me").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        status_of(&b, &s, "/api/v1/me").await,
        StatusCode::OK,
        "other session lives"
    );

    let c = s.admin().await;
    assert_eq!(
        c.delete(s.url("/api/v1/me/sessions"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );
    for client in [&b, &c] {
        assert_eq!(
            status_of(client, &s, "/api/v1/me").await,
            StatusCode::UNAUTHORIZED
        );
    }
    // An ended session sends the browser to the sign-in page, saying why.
    let page = b.get(s.url("/users")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    let location = page.headers()[reqwest::header::LOCATION].to_str().unwrap();
    assert!(
        location.starts_with("/login?next=/users") && location.contains("expired=1"),
        "{location}"
    );
}

#[tokio::test]
async fn a_generated_first_password_is_private_and_must_be_changed() {
    let s = TestServer::start_with(&[]).await;
    let file = s.data.path().join("initial-admin-password");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let password = std::fs::read_to_string(&file).unwrap().trim().to_owned();
    assert!(password.len() >= 20);

    let admin = s.login("admin", &password).await;
    let me: Me = crate::api::json_get(&admin, &s, "/api/v1/me").await;
    assert!(me.must_change_password);
    let users = admin.get(s.url("/api/v1/users")).send().await.unwrap();
    assert_eq!(
        users.status(),
        StatusCode::FORBIDDEN,
        "nothing else before the change"
    );
    let page = admin.get(s.url("/users")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    assert_eq!(page.headers()[reqwest::header::LOCATION], "/account");

    let weak = admin
        .post(s.url("/api/v1/me/password"))
        .json(&json!({"current": password, "new": "short"}))
        .send()
        .await
        .unwrap();
    let e = refused(weak, StatusCode::BAD_REQUEST).await;
    assert_eq!(e.field.as_deref(), Some("new"));
    let r = admin
        .post(s.url("/api/v1/me/password"))
        .json(&json!({"current": password, "new": "a-fresh-passphrase"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        status_of(&admin, &s, "/api/v1/me").await,
        StatusCode::UNAUTHORIZED,
        "sessions end"
    );
    let again = s.login("admin", "a-fresh-passphrase").await;
    assert_eq!(status_of(&again, &s, "/api/v1/users").await, StatusCode::OK);
    // A restart never recreates or resets the admin.
    let data = s.stop().await;
    let s = TestServer::start_in(data, &[]).await;
    s.login("admin", "a-fresh-passphrase").await;
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_naming_the_problem() {
    let s = TestServer::start().await;
    let r = s
        .script()
        .post(s.url("/api/v1/session"))
        .json(&json!({"username": "admin"}))
        .send()
        .await
        .unwrap();
    assert!(
        refused(r, StatusCode::BAD_REQUEST)
            .await
            .message
            .contains("password")
    );
    let r = s
        .script()
        .post(s.url("/api/v1/session"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let admin = s.admin().await;
    let r = admin
        .get(s.url("/api/v1/users/not-a-number"))
        .send()
        .await
        .unwrap();
    let e = refused(r, StatusCode::BAD_REQUEST).await;
    assert_eq!(e.field.as_deref(), Some("path"));
}
