//! Sign-in by a trusted proxy's headers (forward-auth): honoured from the proxy's address
//! only, with the same group-to-role map as the identity provider; ignored (and audited) from
//! anywhere else.

use bosun_frontend::model::{AuditOutcome, Me};
use reqwest::{Client, StatusCode};

use crate::api::{audit, expect_json};
use crate::harness::{ADMIN_PASSWORD, TestServer};

const ROLES: &str = "admin:bosun-admins,operator:bosun-operators,viewer:*";

async fn start(trusted: &str) -> TestServer {
    TestServer::start_with(&[
        "--admin-password",
        ADMIN_PASSWORD,
        "--trusted-proxies",
        trusted,
        "--auth-header",
        "Remote-User",
        "--auth-groups-header",
        "Remote-Groups",
        "--oidc-roles",
        ROLES,
    ])
    .await
}

async fn me_as(s: &TestServer, c: &Client, user: Option<&str>, groups: &str) -> reqwest::Response {
    let mut r = c.get(s.url("/api/v1/me"));
    if let Some(user) = user {
        r = r
            .header("Remote-User", user)
            .header("Remote-Groups", groups);
    }
    r.send().await.expect("me")
}

#[tokio::test]
async fn a_trusted_proxys_headers_sign_in_with_the_role_their_groups_give() {
    // The tests reach bosun from 127.0.0.1: here that is the proxy.
    let s = start("127.0.0.1/32").await;
    let browser = s.browser();
    let m: Me = expect_json(
        me_as(&s, &browser, Some("carol"), "bosun-operators").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (m.username.as_str(), m.role.as_str()),
        ("carol", "operator")
    );
    // The sign-in is a session: the next request needs no header.
    let m: Me = expect_json(me_as(&s, &browser, None, "").await, StatusCode::OK).await;
    assert_eq!(m.username, "carol");
    // New groups: the new role at once, audited as the proxy's doing.
    let m: Me = expect_json(
        me_as(&s, &browser, Some("carol"), "bosun-admins, other").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(m.role.as_str(), "admin");
    let admin = s.admin().await;
    let changes = audit(&s, &admin, "action=user.role.provider").await;
    assert!(
        changes.iter().any(|e| e.target == "user:carol"
            && e.detail
                .as_deref()
                .is_some_and(|d| d.contains("operator → admin"))),
        "{changes:?}"
    );
    // The proxy now names someone else: that is who is signed in.
    let m: Me = expect_json(me_as(&s, &browser, Some("dave"), "").await, StatusCode::OK).await;
    assert_eq!((m.username.as_str(), m.role.as_str()), ("dave", "viewer"));
    // A name bosun cannot use is refused, not mangled.
    let r = me_as(&s, &s.browser(), Some("no spaces allowed"), "bosun-admins").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_headers_from_anywhere_else_are_ignored_and_that_is_audited() {
    let s = start("10.9.9.9/32").await;
    for _ in 0..3 {
        let r = me_as(&s, &s.browser(), Some("mallory"), "bosun-admins").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let admin = s.admin().await;
    let ignored: Vec<_> = audit(&s, &admin, "action=session.login&outcome=denied")
        .await
        .into_iter()
        .filter(|e| {
            e.detail
                .as_deref()
                .is_some_and(|d| d.contains("not a trusted proxy"))
        })
        .collect();
    assert_eq!(
        ignored.len(),
        1,
        "one entry per address, not one per request: {ignored:?}"
    );
    assert_eq!(ignored[0].outcome, AuditOutcome::Denied);
    assert_eq!(ignored[0].actor, "mallory");
}
