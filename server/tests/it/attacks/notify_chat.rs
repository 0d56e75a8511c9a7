//! Chat notifications cannot be used to ping or phish a channel: a user name typed at the
//! sign-in form (no account needed) reaches Slack and Discord escaped, with mentions off.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::TestServer;
use crate::notify::{add, receiver};

/// The first request a receiver got, as JSON.
async fn body(inbox: &crate::notify::Inbox) -> Value {
    for _ in 0..100 {
        if let Some(b) = inbox.bodies().into_iter().next() {
            return serde_json::from_str::<Value>(&b).unwrap();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("nothing delivered");
}

/// At most 65 characters: what bosun keeps of a typed name.
const EVIL: &str = "<!channel> [here](https://e.vil) <https://e.vil|x> @everyone";

#[tokio::test]
async fn a_user_name_with_chat_markup_reaches_slack_and_discord_escaped() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let (slack_url, slack) = receiver().await;
    let (discord_url, discord) = receiver().await;
    add(
        &admin,
        &s,
        "slack",
        &slack_url,
        "slack",
        &["login.failures"],
    )
    .await;
    add(
        &admin,
        &s,
        "discord",
        &discord_url,
        "discord",
        &["login.failures"],
    )
    .await;
    // Five failures for that "name" from five addresses: news, sent to both targets.
    for i in 0..5u8 {
        let stranger = s
            .client_builder()
            .local_address(std::net::IpAddr::from([127, 0, 0, 21 + i]))
            .build()
            .unwrap();
        let r = stranger
            .post(s.url("/api/v1/session"))
            .json(&json!({"username": EVIL, "password": "whatever-long"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let s_body = body(&slack).await;
    let text = s_body["text"].as_str().unwrap();
    assert!(text.contains("&lt;!channel&gt;"), "{text}");
    assert!(
        !text.contains("<!channel>") && !text.contains("<https://"),
        "no live mention or link: {text}"
    );
    let d_body = body(&discord).await;
    let content = d_body["content"].as_str().unwrap();
    assert!(
        content.contains("\\[here\\]\\(https://e.vil\\)") && content.contains("\\@everyone"),
        "{content}"
    );
    assert_eq!(d_body["allowed_mentions"]["parse"], json!([]));
}
