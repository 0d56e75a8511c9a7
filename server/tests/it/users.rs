//! Users and tokens: admins manage users with validated input, the last admin stays,
//! disabling or demoting a user ends their sessions, tokens and open streams at once.

use std::time::Duration;

use bosun_frontend::model::{CreatedToken, Me, Overview, Role, StatsFrame, UserDto};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api::{error_of, expect_json, json_get, json_of, status_of, text_of};
use crate::harness::{TestServer, password_of};
use crate::sse::Events;

async fn id_of(s: &TestServer, admin: &reqwest::Client, name: &str) -> i64 {
    let users: Vec<UserDto> = json_get(admin, s, "/api/v1/users").await;
    users
        .iter()
        .find(|u| u.username == name)
        .map(|u| u.id)
        .expect("user exists")
}

#[tokio::test]
async fn admins_manage_users_with_validated_input() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let create = |body: Value| admin.post(s.url("/api/v1/users")).json(&body).send();

    let r = create(
        json!({"username": "Ops.Team", "password": "ops-team-password", "role": "operator"}),
    )
    .await
    .unwrap();
    let user: UserDto = expect_json(r, StatusCode::CREATED).await;
    assert_eq!(user.username, "ops.team", "names are stored lower-case");
    assert!(user.must_change_password);

    let dup =
        create(json!({"username": "ops.team", "password": "another-password", "role": "viewer"}))
            .await
            .unwrap();
    assert_eq!(dup.status(), StatusCode::CONFLICT);
    let bad_name =
        create(json!({"username": "../etc", "password": "good-long-password", "role": "viewer"}))
            .await
            .unwrap();
    assert_eq!(bad_name.status(), StatusCode::BAD_REQUEST);
    let bad_role =
        create(json!({"username": "x1", "password": "good-long-password", "role": "root"}))
            .await
            .unwrap();
    assert_eq!(bad_role.status(), StatusCode::BAD_REQUEST);
    let weak =
        create(json!({"username": "weakling", "password": "weakling-1234", "role": "viewer"}))
            .await
            .unwrap();
    assert_eq!(
        weak.status(),
        StatusCode::BAD_REQUEST,
        "contains the user name"
    );
    assert_eq!(error_of(weak).await.field.as_deref(), Some("password"));

    let id = user.id;
    let r = admin
        .patch(s.url(&format!("/api/v1/users/{id}")))
        .json(&json!({"role": "viewer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json_of::<UserDto>(r).await.role, Role::Viewer);
    let r = admin
        .patch(s.url(&format!("/api/v1/users/{id}")))
        .json(&json!({"colour": "red"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::BAD_REQUEST,
        "unknown fields are refused"
    );
    let r = admin
        .delete(s.url(&format!("/api/v1/users/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = admin
        .get(s.url(&format!("/api/v1/users/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn disabling_a_user_stops_their_sessions_and_tokens_at_once() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let dora = s.user(&admin, "dora", "operator").await;
    let token: CreatedToken = json_of(
        dora.post(s.url("/api/v1/tokens"))
            .json(&json!({"name": "ci"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let secret = token.secret;
    let bearer = |path: &str| s.script().get(s.url(path)).bearer_auth(&secret).send();
    assert_eq!(bearer("/api/v1/me").await.unwrap().status(), StatusCode::OK);

    let id = id_of(&s, &admin, "dora").await;
    let r = admin
        .patch(s.url(&format!("/api/v1/users/{id}")))
        .json(&json!({"disabled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        status_of(&dora, &s, "/api/v1/me").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        bearer("/api/v1/me").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let r = s
        .script()
        .post(s.url("/api/v1/session"))
        .json(&json!({"username": "dora", "password": password_of("dora")}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "a disabled account can't sign in"
    );
    assert!(error_of(r).await.message.contains("disabled"));

    // Enabling again revives neither the old sessions nor the old tokens.
    admin
        .patch(s.url(&format!("/api/v1/users/{id}")))
        .json(&json!({"disabled": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_of(&dora, &s, "/api/v1/me").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        bearer("/api/v1/me").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_last_admin_stays() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let me = id_of(&s, &admin, "admin").await;
    for (method, body) in [
        ("PATCH", json!({"role": "operator"})),
        ("PATCH", json!({"disabled": true})),
        ("DELETE", json!(null)),
    ] {
        let req = match method {
            "PATCH" => admin
                .patch(s.url(&format!("/api/v1/users/{me}")))
                .json(&body),
            _ => admin.delete(s.url(&format!("/api/v1/users/{me}"))),
        };
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::CONFLICT, "{method} {body}");
    }
    // With a second admin, the first may step down.
    s.user(&admin, "second", "admin").await;
    let r = admin
        .patch(s.url(&format!("/api/v1/users/{me}")))
        .json(&json!({"role": "operator"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_admin_password_reset_forces_a_change_and_ends_sessions() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let eve = s.user(&admin, "eve", "viewer").await;
    let id = id_of(&s, &admin, "eve").await;
    let r = admin
        .patch(s.url(&format!("/api/v1/users/{id}")))
        .json(&json!({"password": "temporary-pass-99"}))
        .send()
        .await
        .unwrap();
    assert!(json_of::<UserDto>(r).await.must_change_password);
    assert_eq!(
        status_of(&eve, &s, "/api/v1/me").await,
        StatusCode::UNAUTHORIZED
    );
    let eve = s.login("eve", "temporary-pass-99").await;
    assert_eq!(
        status_of(&eve, &s, "/api/v1/tokens").await,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn tokens_are_shown_once_act_with_the_owners_role_and_can_be_revoked() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let vic = s.user(&admin, "vic", "viewer").await;
    let r = vic
        .post(s.url("/api/v1/tokens"))
        .json(&json!({"name": "grafana"}))
        .send()
        .await
        .unwrap();
    let created: CreatedToken = expect_json(r, StatusCode::CREATED).await;
    let secret = created.secret.clone();
    assert!(secret.starts_with("bsn_") && secret.len() > 40);

    let listed = text_of(&vic, &s, "/api/v1/tokens").await;
    assert!(
        listed.contains("grafana") && !listed.contains(&secret),
        "listing never shows the secret"
    );
    let dup = vic
        .post(s.url("/api/v1/tokens"))
        .json(&json!({"name": "grafana"}))
        .send()
        .await
        .unwrap();
    assert_eq!(dup.status(), StatusCode::CONFLICT);
    let blank = vic
        .post(s.url("/api/v1/tokens"))
        .json(&json!({"name": "  "}))
        .send()
        .await
        .unwrap();
    assert_eq!(blank.status(), StatusCode::BAD_REQUEST);

    let as_token = |path: &str| s.script().get(s.url(path)).bearer_auth(&secret).send();
    assert_eq!(
        json_of::<Me>(as_token("/api/v1/me").await.unwrap())
            .await
            .username,
        "vic"
    );
    assert_eq!(
        as_token("/api/v1/users").await.unwrap().status(),
        StatusCode::FORBIDDEN,
        "a viewer's token is a viewer"
    );
    let wrong = s
        .script()
        .get(s.url("/api/v1/me"))
        .bearer_auth("bsn_wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);

    // Someone else can't revoke it.
    let id = created.token.id;
    let r = admin
        .delete(s.url(&format!("/api/v1/tokens/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = vic
        .delete(s.url(&format!("/api/v1/tokens/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        as_token("/api/v1/me").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
}

/// A client that sends this bearer token with every request.
fn with_token(s: &TestServer, secret: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {secret}").parse().unwrap(),
    );
    s.client_builder().default_headers(headers).build().unwrap()
}

async fn new_token(client: &reqwest::Client, s: &TestServer, name: &str) -> CreatedToken {
    let r = client
        .post(s.url("/api/v1/tokens"))
        .json(&json!({"name": name}))
        .send()
        .await
        .unwrap();
    expect_json(r, StatusCode::CREATED).await
}

#[tokio::test]
async fn open_streams_end_as_soon_as_their_caller_loses_access() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let overview = "/api/v1/overview/events";
    let ended = Duration::from_secs(5);
    // The admin's own stream runs throughout: only the streams of those who lost access end.
    let mut control = Events::open(&admin, s.url(overview)).await;
    assert!(control.next::<Overview>(ended).await.is_some());

    // Disabled: the session's stream and the token's stream both end.
    let dora = s.user(&admin, "dora", "operator").await;
    let secret = new_token(&dora, &s, "ci").await.secret;
    let mut by_session = Events::open(&dora, s.url(overview)).await;
    let mut by_token = Events::open(&with_token(&s, &secret), s.url(overview)).await;
    assert!(by_session.next::<Overview>(ended).await.is_some());
    assert!(by_token.next::<Overview>(ended).await.is_some());
    assert!(
        !by_session.ends_within(Duration::from_secs(1)).await,
        "nothing changed yet"
    );
    let dora_id = id_of(&s, &admin, "dora").await;
    let r = admin
        .patch(s.url(&format!("/api/v1/users/{dora_id}")))
        .json(&json!({"disabled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        by_session.ends_within(ended).await,
        "the session's stream goes on"
    );
    assert!(
        by_token.ends_within(ended).await,
        "the token's stream goes on"
    );

    // Signed out everywhere: the session's stream ends, and so does the token's (tokens end
    // with every remediation of their owner).
    let eli = s.user(&admin, "eli", "viewer").await;
    let secret = new_token(&eli, &s, "wall").await.secret;
    let mut by_session = Events::open(&eli, s.url(overview)).await;
    let mut by_token = Events::open(&with_token(&s, &secret), s.url(overview)).await;
    assert!(by_session.next::<Overview>(ended).await.is_some());
    assert!(by_token.next::<Overview>(ended).await.is_some());
    let r = eli
        .delete(s.url("/api/v1/me/sessions"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(by_session.ends_within(ended).await);
    assert!(by_token.ends_within(ended).await);

    // The token revoked: its stream ends, and the session's goes on.
    let eli = s.login("eli", &password_of("eli")).await;
    let created = new_token(&eli, &s, "wall-2").await;
    let token_id = created.token.id;
    let secret = created.secret;
    let mut by_session = Events::open(&eli, s.url(overview)).await;
    let mut by_token = Events::open(&with_token(&s, &secret), s.url(overview)).await;
    assert!(by_session.next::<Overview>(ended).await.is_some());
    assert!(by_token.next::<Overview>(ended).await.is_some());
    let revoker = with_token(&s, &secret);
    let r = revoker
        .delete(s.url(&format!("/api/v1/tokens/{token_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(by_token.ends_within(ended).await);
    assert!(!by_session.ends_within(Duration::from_secs(1)).await);

    // Demoted: an operator made viewer loses the stream opened with the higher role.
    let fay = s.user(&admin, "fay", "operator").await;
    let mut by_session = Events::open(&fay, s.url("/api/v1/stats/events")).await;
    assert!(by_session.next::<StatsFrame>(ended).await.is_some());
    let fay_id = id_of(&s, &admin, "fay").await;
    let r = admin
        .patch(s.url(&format!("/api/v1/users/{fay_id}")))
        .json(&json!({"role": "viewer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(by_session.ends_within(ended).await);

    // The admin's stream was never cut off, and a reconnect by the disabled user is refused.
    assert!(!control.ends_within(Duration::from_secs(1)).await);
    assert_eq!(
        status_of(&dora, &s, overview).await,
        StatusCode::UNAUTHORIZED
    );
}
