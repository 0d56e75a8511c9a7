//! Sign-in through the team's identity provider: a real OpenID provider (`oidc-provider`),
//! groups mapped to roles at every sign-in, refusals audited, forged answers refused, key
//! rotation, passwords for local admins only, and signing out at the provider too.

use bosun_frontend::model::{AuditOutcome, Me, UserDto};
use reqwest::StatusCode;
use serde_json::json;

use crate::api::{audit, expect_json, status_of};
use crate::harness::{ADMIN_PASSWORD, TestServer};
use crate::oidc_provider::{Provider, sign_in, to_callback};

async fn bosun_with(p: &Provider, extra: &[&str]) -> TestServer {
    let mut flags: Vec<String> = vec!["--admin-password".into(), ADMIN_PASSWORD.into()];
    flags.extend(p.flags());
    flags.extend(extra.iter().map(|s| (*s).to_owned()));
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let s = TestServer::start_with(&flags).await;
    p.register(&s).await;
    s
}

async fn me(s: &TestServer, client: &reqwest::Client) -> Me {
    let r = client.get(s.url("/api/v1/me")).send().await.expect("me");
    expect_json(r, StatusCode::OK).await
}

#[tokio::test]
async fn provider_groups_give_roles_at_every_sign_in_and_refusals_are_audited() {
    let p = Provider::start().await;
    let s = bosun_with(&p, &["--password-login", "admins"]).await;
    let admin = s.admin().await;

    // An admin by group: signed in, on the way to the page they asked for.
    let alice = sign_in(&s, "alice", "/users").await;
    assert_eq!(alice.status, StatusCode::OK, "{}", alice.body);
    assert!(alice.body.contains("url=/users"), "{}", alice.body);
    let m = me(&s, &alice.client).await;
    assert_eq!((m.username.as_str(), m.role.as_str()), ("alice", "admin"));
    assert_eq!(
        status_of(&alice.client, &s, "/api/v1/users").await,
        StatusCode::OK
    );

    // A viewer by group cannot reach the admin's pages.
    let vera = sign_in(&s, "vera", "/").await;
    assert_eq!(me(&s, &vera.client).await.role.as_str(), "viewer");
    assert_eq!(
        status_of(&vera.client, &s, "/api/v1/users").await,
        StatusCode::FORBIDDEN
    );

    // No mapped group: refused with its reason, not signed in, and audited.
    let nobody = sign_in(&s, "nobody", "/").await;
    assert_eq!(nobody.refused().as_deref(), Some("no-role"));
    assert_eq!(
        status_of(&nobody.client, &s, "/api/v1/me").await,
        StatusCode::UNAUTHORIZED
    );
    let denied = audit(&s, &admin, "action=session.login").await;
    assert!(
        denied.iter().any(|e| e.outcome == AuditOutcome::Denied
            && e.detail.as_deref().is_some_and(|d| d.contains("marketing"))),
        "{denied:?}"
    );

    // Moved to another group: the new role at the next sign-in, audited as the provider's.
    let first = sign_in(&s, "oscar", "/").await;
    assert_eq!(me(&s, &first.client).await.role.as_str(), "operator");
    p.set_groups("oscar", &["bosun-admins"]).await;
    let again = sign_in(&s, "oscar", "/").await;
    assert_eq!(me(&s, &again.client).await.role.as_str(), "admin");
    let changes = audit(&s, &admin, "action=user.role.provider").await;
    assert!(
        changes.iter().any(|e| e.target == "user:oscar"
            && e.detail
                .as_deref()
                .is_some_and(|d| d.contains("operator → admin"))),
        "{changes:?}"
    );

    // The Users page shows where the role comes from, and bosun will not change it.
    let users: Vec<UserDto> = expect_json(
        admin.get(s.url("/api/v1/users")).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    let oscar = users.iter().find(|u| u.username == "oscar").expect("oscar");
    assert_eq!(
        oscar.provider_groups.as_deref(),
        Some(&["bosun-admins".to_owned()][..])
    );
    let r = admin
        .patch(s.url(&format!("/api/v1/users/{}", oscar.id)))
        .json(&json!({"role": "viewer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(
        me(&s, &again.client).await.role.as_str(),
        "admin",
        "unchanged"
    );

    // Passwords are for local admins only: the admin's works, a local operator's does not.
    let r = admin
        .post(s.url("/api/v1/users"))
        .json(&json!({"username": "localop", "password": "an-initial-passphrase", "role": "operator"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = s
        .browser()
        .post(s.url("/api/v1/session"))
        .json(&json!({"username": "localop", "password": "an-initial-passphrase"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("local admins only"));
}

#[tokio::test]
async fn forged_or_replayed_answers_are_refused_and_rotated_keys_still_work() {
    let p = Provider::start().await;
    let s = bosun_with(&p, &[]).await;

    // A token for another audience, expired, signed by an unknown key, unsigned, or for
    // another sign-in (nonce): each refused, nobody signed in.
    for kind in ["aud", "expired", "unknown-key", "none", "nonce"] {
        p.tamper(kind).await;
        let l = sign_in(&s, "alice", "/").await;
        assert_eq!(l.refused().as_deref(), Some("failed"), "{kind}: {}", l.body);
        let r = l.client.get(s.url("/api/v1/me")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{kind}");
    }
    let admin = s.admin().await;
    let failed = audit(&s, &admin, "action=session.login&outcome=failed").await;
    assert!(
        failed.len() >= 5
            && failed
                .iter()
                .all(|e| e.detail.as_deref().is_some_and(|d| d.contains("ID token"))),
        "{failed:?}"
    );

    // The same answer twice, with the browser's own state cookie: the second is refused by
    // bosun because its started sign-in was spent (not by the provider's code check, and not
    // for a missing cookie).
    let l = sign_in(&s, "alice", "/").await;
    assert_eq!(l.status, StatusCode::OK);
    let state = url::Url::parse(&l.callback)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let replay = s
        .script()
        .get(&l.callback)
        .header("Cookie", format!("bosun_oidc_state={state}"))
        .send()
        .await
        .unwrap();
    assert!(replay.status().is_redirection());
    assert!(
        replay.headers()["location"]
            .to_str()
            .unwrap()
            .contains("refused=failed"),
        "a replayed answer"
    );
    let why = |entries: &[bosun_frontend::model::AuditEntry]| {
        entries[0].detail.clone().unwrap_or_default()
    };
    let failed = audit(&s, &admin, "action=session.login&outcome=failed").await;
    assert!(why(&failed).contains("state"), "{:?}", failed[0]);

    // A state this browser did not start: another browser, with a sign-in of its own (and
    // so a state cookie of its own), brings alice's answer before she does. Refused, and her
    // own sign-in is not spent by it: she still comes in.
    let (alice, callback) = to_callback(&s, "alice", "/").await;
    let other = s.browser();
    let started = other
        .get(s.url("/auth/oidc/start?next=/"))
        .send()
        .await
        .unwrap();
    assert!(started.status().is_redirection());
    let r = other.get(&callback).send().await.unwrap();
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .contains("refused=failed")
    );
    let failed = audit(&s, &admin, "action=session.login&outcome=failed").await;
    assert!(why(&failed).contains("state"), "{:?}", failed[0]);
    assert_eq!(
        status_of(&other, &s, "/api/v1/me").await,
        StatusCode::UNAUTHORIZED
    );
    let r = alice.get(&callback).send().await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "alice's own answer still counts"
    );
    assert_eq!(me(&s, &alice).await.username, "alice");

    // The provider rotates its signing key: bosun reads the new keys and signs in.
    p.rotate_keys().await;
    let l = sign_in(&s, "alice", "/").await;
    assert_eq!(
        l.status,
        StatusCode::OK,
        "after key rotation: {:?}",
        l.location
    );
    assert_eq!(me(&s, &l.client).await.username, "alice");

    // Signing out ends bosun's session and goes on to the provider's sign-out page.
    let r = l
        .client
        .post(s.url("/sfn/public/logout"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .unwrap();
    let to = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    assert!(
        to.as_deref()
            .is_some_and(|t| t.starts_with(&p.issuer) && t.contains("id_token_hint=")),
        "{to:?}"
    );
    let r = l.client.get(s.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_second_factor_at_the_provider_satisfies_a_role_that_requires_one() {
    let p = Provider::start().await;
    let s = bosun_with(&p, &[]).await;
    let admin = s.admin().await;
    let r = admin
        .put(s.url("/api/v1/settings/security"))
        .json(&json!({"totp_required": ["admin"]}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    // mia's provider reports `amr: ["pwd", "otp"]`; alice's only a password.
    let mia = sign_in(&s, "mia", "/").await;
    assert!(!me(&s, &mia.client).await.must_enrol_totp);
    let alice = sign_in(&s, "alice", "/services").await;
    assert!(alice.body.contains("url=/account"), "{}", alice.body);
    assert!(me(&s, &alice.client).await.must_enrol_totp);

    // Once alice has bosun's second factor, a provider sign-in without one asks for her code.
    let (_, recovery) = crate::totp::enrol(&alice.client, &s).await;
    let again = sign_in(&s, "alice", "/services").await;
    assert!(
        again.body.contains("url=/login?step=code"),
        "{}",
        again.body
    );
    let r = again.client.get(s.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "not signed in before the code"
    );
    let code_step = |code: &str| {
        again
            .client
            .post(s.url("/sfn/public/login_code"))
            .form(&[("code", code)])
            .send()
    };
    let wrong = code_step("000000").await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let right = code_step(&recovery[0]).await.unwrap();
    // A server function's redirect: the page goes on to where alice was going.
    assert!(right.status().is_success(), "{}", right.status());
    assert_eq!(right.headers()["location"], "/services");
    let m = me(&s, &again.client).await;
    assert_eq!((m.username.as_str(), m.must_enrol_totp), ("alice", false));
}

#[tokio::test]
async fn groups_that_only_userinfo_has_still_give_the_role() {
    let p = Provider::start().await;
    let s = bosun_with(&p, &[]).await;
    // As OpenID recommends for the code flow: the ID token names only the subject.
    p.conform(true).await;
    let oscar = sign_in(&s, "oscar", "/").await;
    assert_eq!(oscar.status, StatusCode::OK, "{}", oscar.body);
    let m = me(&s, &oscar.client).await;
    assert_eq!(
        (m.username.as_str(), m.role.as_str()),
        ("oscar", "operator")
    );
    // A group change there is read at the next sign-in, from userinfo too.
    p.set_groups("oscar", &["marketing"]).await;
    let again = sign_in(&s, "oscar", "/").await;
    assert_eq!(
        again.refused().as_deref(),
        Some("no-role"),
        "{}",
        again.body
    );
}
