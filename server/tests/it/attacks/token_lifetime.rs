//! API tokens die with their owner's remediations: a password change, "sign out everywhere",
//! an admin's password or two-factor reset, and disabling the user end them; a demotion caps
//! them at the new role; a two-factor requirement of the owner's role is not skipped by them.

use bosun_frontend::error::AppError;
use bosun_frontend::model::{CreatedToken, Me, Role, TokenDto};
use reqwest::{Client, StatusCode};
use serde_json::json;

use crate::api::post_json;
use crate::harness::{TestServer, password_of};

/// A new token of the signed-in `client`.
async fn token(client: &Client, s: &TestServer, name: &str) -> String {
    let r = post_json(client, s, "/api/v1/tokens", json!({"name": name})).await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    let created: CreatedToken = r.json().await.unwrap();
    created.secret
}

/// What `GET /api/v1/me` answers to a bearer token.
async fn me_with(s: &TestServer, secret: &str) -> reqwest::Response {
    s.script()
        .get(s.url("/api/v1/me"))
        .bearer_auth(secret)
        .send()
        .await
        .unwrap()
}

async fn assert_dead(s: &TestServer, secret: &str, after: &str) {
    let r = me_with(s, secret).await;
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "the token outlived {after}"
    );
    let e: AppError = r.json().await.unwrap();
    assert!(e.message.contains("not valid"), "{after}: {}", e.message);
}

async fn assert_alive(s: &TestServer, secret: &str) -> Me {
    let r = me_with(s, secret).await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

async fn user_id(admin: &Client, s: &TestServer, name: &str) -> i64 {
    let users: Vec<bosun_frontend::model::UserDto> = admin
        .get(s.url("/api/v1/users"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    users.iter().find(|u| u.username == name).unwrap().id
}

async fn patch_user(admin: &Client, s: &TestServer, id: i64, body: serde_json::Value) {
    let r = admin
        .patch(s.url(&format!("/api/v1/users/{id}")))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
}

#[tokio::test]
async fn tokens_end_with_every_remediation_of_their_owner() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let tk = s.user(&admin, "tk", "operator").await;
    let id = user_id(&admin, &s, "tk").await;

    // Their own password change.
    let t = token(&tk, &s, "ci-1").await;
    assert_eq!(assert_alive(&s, &t).await.username, "tk");
    let r = post_json(
        &tk,
        &s,
        "/api/v1/me/password",
        json!({"current": password_of("tk"), "new": "a-second-long-password"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_dead(&s, &t, "a password change").await;
    let tk = s.login("tk", "a-second-long-password").await;
    let listed: Vec<TokenDto> = tk
        .get(s.url("/api/v1/tokens"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        listed.is_empty(),
        "ended tokens are gone from the list: {listed:?}"
    );

    // "Sign out everywhere".
    let t = token(&tk, &s, "ci-2").await;
    let r = tk
        .delete(s.url("/api/v1/me/sessions"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    assert_dead(&s, &t, "signing out everywhere").await;

    // An admin's password reset.
    let tk = s.login("tk", "a-second-long-password").await;
    let t = token(&tk, &s, "ci-3").await;
    patch_user(&admin, &s, id, json!({"password": "reset-by-the-admin-1"})).await;
    assert_dead(&s, &t, "an admin's password reset").await;

    // Disabling (and enabling again: the token stays dead).
    let tk = s.login("tk", "reset-by-the-admin-1").await;
    let r = post_json(
        &tk,
        &s,
        "/api/v1/me/password",
        json!({"current": "reset-by-the-admin-1", "new": password_of("tk")}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let tk = s.login("tk", &password_of("tk")).await;
    let t = token(&tk, &s, "ci-4").await;
    patch_user(&admin, &s, id, json!({"disabled": true})).await;
    patch_user(&admin, &s, id, json!({"disabled": false})).await;
    assert_dead(&s, &t, "being disabled").await;

    // An admin's two-factor reset.
    let tk = s.login("tk", &password_of("tk")).await;
    let (secret, _) = crate::totp::enrol(&tk, &s).await;
    let t = token(&tk, &s, "ci-5").await;
    assert_alive(&s, &t).await;
    let r = admin
        .delete(s.url(&format!("/api/v1/users/{id}/totp")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_dead(&s, &t, "an admin's two-factor reset").await;
    let _ = secret;
}

#[tokio::test]
async fn a_demotion_caps_a_token_and_a_two_factor_requirement_holds_for_tokens() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let op = s.user(&admin, "op", "operator").await;
    let id = user_id(&admin, &s, "op").await;
    let t = token(&op, &s, "deploy").await;
    // An operator's request: a bad backup request is refused for its input (400), not its role.
    let backup = || {
        s.script()
            .post(s.url("/api/v1/backups"))
            .bearer_auth(&t)
            .json(&json!({"project": "../x", "service": "db"}))
            .send()
    };
    assert_eq!(backup().await.unwrap().status(), StatusCode::BAD_REQUEST);
    patch_user(&admin, &s, id, json!({"role": "viewer"})).await;
    assert_eq!(backup().await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(assert_alive(&s, &t).await.role, Role::Viewer);

    // Viewers must now use two-factor sign-in: the token of one without it stops working,
    // saying what to do, until its owner has set it up.
    let r = admin
        .put(s.url("/api/v1/settings/security"))
        .json(&json!({"totp_required": ["viewer"]}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let r = me_with(&s, &t).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let e: AppError = r.json().await.unwrap();
    assert!(e.message.contains("two-factor"), "{}", e.message);
    // Nor can they make a new token before setting it up.
    let op = s.login("op", &password_of("op")).await;
    let r = post_json(&op, &s, "/api/v1/tokens", json!({"name": "sneaky"})).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    crate::totp::enrol(&op, &s).await;
    assert_eq!(assert_alive(&s, &t).await.username, "op");
}
