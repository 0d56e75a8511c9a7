//! Two-factor sign-in against a real bosun: enrolment, sign-in with a code, no replays,
//! recovery codes used once, throttling, roles that require it, and an admin's reset.

use bosun_frontend::error::AppError;
use bosun_frontend::model::{
    AuditOutcome, Credentials, Me, RecoveryCodes, Role, SecuritySettings, TotpSetup, UserDto,
};
use reqwest::{Client, StatusCode};
use serde_json::json;

use crate::api::{
    audit, error_of, expect_json, json_get, json_of, post_json, refused, status_of, text_of,
};
use crate::harness::{ADMIN_PASSWORD, TestServer, password_of};

fn now() -> u64 {
    time::OffsetDateTime::now_utc().unix_timestamp() as u64
}

fn code(secret: &str) -> String {
    bosun_server::auth::totp::code_at(secret, now()).unwrap()
}

/// Sets up TOTP for the signed-in `client`; returns (secret, recovery codes).
pub(crate) async fn enrol(client: &Client, s: &TestServer) -> (String, Vec<String>) {
    let r = client.post(s.url("/api/v1/me/totp")).send().await.unwrap();
    let setup: TotpSetup = expect_json(r, StatusCode::OK).await;
    let secret = setup.secret.clone();
    assert!(setup.otpauth_url.starts_with("otpauth://totp/bosun:"));
    assert!(setup.qr_svg.contains("<svg"));
    let r = post_json(
        client,
        s,
        "/api/v1/me/totp/confirm",
        json!({"code": "000000"}),
    )
    .await;
    // (A wrong code is refused; one in a million it is right by chance, so allow that.)
    if r.status() == StatusCode::BAD_REQUEST {
        assert_eq!(error_of(r).await.field.as_deref(), Some("code"));
    }
    let r = post_json(
        client,
        s,
        "/api/v1/me/totp/confirm",
        json!({"code": code(&secret)}),
    )
    .await;
    let codes = expect_json::<RecoveryCodes>(r, StatusCode::OK).await.codes;
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

/// Signs in with the password (and code); the status, and who signed in or why not.
async fn sign_in(
    s: &TestServer,
    user: &str,
    password: &str,
    code: Option<&str>,
) -> (StatusCode, Result<Me, AppError>, Client) {
    let client = s.browser();
    let body = Credentials {
        username: user.to_owned(),
        password: password.to_owned(),
        code: code.map(str::to_owned),
    };
    let r = client
        .post(s.url("/api/v1/session"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let answer = if status.is_success() {
        Ok(json_of(r).await)
    } else {
        Err(error_of(r).await)
    };
    (status, answer, client)
}

#[tokio::test]
async fn sign_in_takes_a_current_code_once_or_a_recovery_code_once() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let (secret, recovery) = enrol(&admin, &s).await;
    assert!(json_get::<Me>(&admin, &s, "/api/v1/me").await.totp_enabled);

    // The password alone is the first step: a 401 that asks for the code, not a failure.
    let (status, e, _) = sign_in(&s, "admin", ADMIN_PASSWORD, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let e = e.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("code"));
    assert!(e.message.contains("6-digit code"));
    // A wrong password still says only that.
    let (status, e, _) = sign_in(&s, "admin", "not-the-password", Some(&code(&secret))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let e = e.unwrap_err();
    assert!(e.field.is_none(), "{e:?}");

    // A code signs in (the session works); the same code again does not. The next step's
    // code (one step of clock skew is allowed) is always newer than the enrolment's.
    let next_code = bosun_server::auth::totp::code_at(&secret, now() + 30).unwrap();
    let (status, me, client) = sign_in(&s, "admin", ADMIN_PASSWORD, Some(&next_code)).await;
    assert_eq!(status, StatusCode::OK, "{me:?}");
    assert_eq!(
        status_of(&client, &s, "/api/v1/users").await,
        StatusCode::OK
    );
    let (status, e, _) = sign_in(&s, "admin", ADMIN_PASSWORD, Some(&next_code)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a code is good once");
    assert!(e.unwrap_err().message.contains("used already"));

    // A recovery code works once, typed in any case, with or without its dashes.
    let typed = recovery[3].to_uppercase().replace('-', " ");
    let (status, _, _) = sign_in(&s, "admin", ADMIN_PASSWORD, Some(&typed)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = sign_in(&s, "admin", ADMIN_PASSWORD, Some(&recovery[3])).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let used = audit(&s, &admin, "action=user.totp.recovery_code").await;
    assert_eq!(used[0].detail.as_deref(), Some("9 recovery codes left"));

    // Wrong codes count like wrong passwords: after three, this client waits.
    let mut last = StatusCode::OK;
    for _ in 0..6 {
        last = sign_in(&s, "admin", ADMIN_PASSWORD, Some("999999")).await.0;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    let actions: Vec<String> = audit(&s, &admin, "action=user.totp.")
        .await
        .iter()
        .map(|e| format!("{}:{}", e.action, e.outcome.as_str()))
        .collect();
    for wanted in [
        "user.totp.start:ok",
        "user.totp.enable:failed",
        "user.totp.enable:ok",
    ] {
        assert!(
            actions.contains(&wanted.to_owned()),
            "{wanted} missing from {actions:?}"
        );
    }
    // The secret is never shown again (anywhere in the answer as sent).
    let me = text_of(&admin, &s, "/api/v1/me").await;
    assert!(!me.contains(&secret));
}

#[tokio::test]
async fn a_role_can_require_it_and_an_admin_can_reset_it() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let operator = s.user(&admin, "op", "operator").await;
    let viewer = s.user(&admin, "vi", "viewer").await;
    // Only admins may change the setting; bad roles are a 400.
    let r = operator
        .put(s.url("/api/v1/settings/security"))
        .json(&json!({"totp_required": ["operator"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = admin
        .put(s.url("/api/v1/settings/security"))
        .json(&json!({"totp_required": ["pilot"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = admin
        .put(s.url("/api/v1/settings/security"))
        .json(&json!({"totp_required": ["operator", "operator"]}))
        .send()
        .await
        .unwrap();
    let settings: SecuritySettings = expect_json(r, StatusCode::OK).await;
    assert_eq!(settings.totp_required, [Role::Operator]);

    // The operator may only set it up until they have; the viewer carries on.
    let me: Me = json_get(&operator, &s, "/api/v1/me").await;
    assert!(me.must_enrol_totp);
    let r = operator
        .get(s.url("/api/v1/projects"))
        .send()
        .await
        .unwrap();
    assert!(
        refused(r, StatusCode::FORBIDDEN)
            .await
            .message
            .contains("two-factor")
    );
    assert_eq!(
        status_of(&viewer, &s, "/api/v1/projects").await,
        StatusCode::OK
    );
    let (secret, _) = enrol(&operator, &s).await;
    assert_eq!(
        status_of(&operator, &s, "/api/v1/projects").await,
        StatusCode::OK
    );
    // Required: they can't turn it off themselves.
    let r = operator
        .delete(s.url("/api/v1/me/totp"))
        .json(&json!({"password": password_of("op")}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);

    // The admin resets it (a lost phone): the operator's sessions end, and they sign in
    // with the password alone, then have to set it up again.
    let users: Vec<UserDto> = json_get(&admin, &s, "/api/v1/users").await;
    let op = users.iter().find(|u| u.username == "op").unwrap();
    let id = op.id;
    assert!(op.totp_enabled);
    let r = admin
        .delete(s.url(&format!("/api/v1/users/{id}/totp")))
        .send()
        .await
        .unwrap();
    assert!(!expect_json::<UserDto>(r, StatusCode::OK).await.totp_enabled);
    assert_eq!(
        status_of(&operator, &s, "/api/v1/me").await,
        StatusCode::UNAUTHORIZED
    );
    let (status, me, again) = sign_in(&s, "op", &password_of("op"), None).await;
    assert_eq!(status, StatusCode::OK, "{me:?}");
    assert!(me.unwrap().must_enrol_totp);
    assert_eq!(
        status_of(&again, &s, "/api/v1/projects").await,
        StatusCode::FORBIDDEN
    );
    let _ = secret;
    let r = admin
        .delete(s.url(&format!("/api/v1/users/{id}/totp")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT, "nothing left to reset");

    // Without the requirement, a user turns it off with their password (a wrong one: 400).
    let r = admin
        .put(s.url("/api/v1/settings/security"))
        .json(&json!({"totp_required": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (_, _) = enrol(&viewer, &s).await;
    let r = viewer
        .delete(s.url("/api/v1/me/totp"))
        .json(&json!({"password": "wrong-password-x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = viewer
        .delete(s.url("/api/v1/me/totp"))
        .json(&json!({"password": password_of("vi")}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (status, _, _) = sign_in(&s, "vi", &password_of("vi"), None).await;
    assert_eq!(status, StatusCode::OK);
    let entries = audit(&s, &admin, "action=settings.security").await;
    assert_eq!(
        entries[0].detail.as_deref(),
        Some("two-factor sign-in required for: nobody")
    );
    let resets = audit(&s, &admin, "action=user.totp.reset").await;
    let outcomes: Vec<AuditOutcome> = resets.iter().map(|e| e.outcome).collect();
    assert_eq!(
        outcomes,
        [AuditOutcome::Failed, AuditOutcome::Ok],
        "newest first: the second reset had nothing to do"
    );
}
