//! A stranger cannot lock an account out: failures from one address make that address wait,
//! not the user, over real connections from two loopback addresses.

use std::net::IpAddr;

use reqwest::StatusCode;
use serde_json::json;

use crate::api::audit;
use crate::harness::{ADMIN_PASSWORD, TestServer};

/// A client whose connections come from `from` (any 127.0.0.0/8 address is this machine).
fn client_from(s: &TestServer, from: [u8; 4]) -> reqwest::Client {
    s.client_builder()
        .local_address(IpAddr::from(from))
        .build()
        .unwrap()
}

async fn sign_in(client: &reqwest::Client, s: &TestServer, password: &str) -> reqwest::Response {
    client
        .post(s.url("/api/v1/session"))
        .json(&json!({"username": "admin", "password": password}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_lockout_attempt_from_another_address_does_not_stop_the_real_admin() {
    let s = TestServer::start().await;
    let attacker = client_from(&s, [127, 0, 0, 2]);
    let mut statuses = Vec::new();
    for i in 0..12 {
        statuses.push(
            sign_in(&attacker, &s, &format!("guess-{i}-wrong"))
                .await
                .status(),
        );
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|c| **c == StatusCode::UNAUTHORIZED)
            .count(),
        3,
        "three tries, then the attacker's address waits: {statuses:?}"
    );
    assert!(
        statuses[3..]
            .iter()
            .all(|c| *c == StatusCode::TOO_MANY_REQUESTS)
    );
    // Even the right password waits at the attacker's address…
    let r = sign_in(&attacker, &s, ADMIN_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    // …while the real admin, from their own address, signs in at once, and can change the
    // password (which checks the current one through the same throttle).
    let admin = client_from(&s, [127, 0, 0, 1]);
    let r = sign_in(&admin, &s, ADMIN_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK);
    let denied = audit(&s, &s.admin().await, "action=session.login&outcome=denied").await;
    assert!(
        denied
            .iter()
            .all(|e| e.client.as_deref() == Some("127.0.0.2")),
        "only the attacker's address was refused: {denied:?}"
    );
}
