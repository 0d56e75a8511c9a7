//! A followed log whose connection dropped: the browser reconnects with the last event's id
//! (`Last-Event-ID`), and the stream goes on after the last line it had, not from the tail
//! again, so no line shows twice.

use std::time::Duration;

use bosun_frontend::model::{LogFrame, ServiceDto};

use crate::api::{json_get, wait_listed};
use crate::harness::TestServer;
use crate::logs::{SAYER, lines_of, say};
use crate::sse::Events;
use crate::stacks::{Project, unique};

#[tokio::test]
async fn a_reconnected_follower_gets_only_the_lines_it_missed() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let project = Project::up(&unique("itresume"), SAYER).await;
    wait_listed(&admin, &s, &project.name).await;
    let p = &project.name;
    let svc: ServiceDto =
        json_get(&admin, &s, &format!("/api/v1/projects/{p}/services/sayer")).await;
    let id = svc.containers[0].id.clone();
    let url = s.url(&format!("/api/v1/containers/{id}/logs?follow=true"));

    let mut first = Events::open(&admin, url.clone()).await;
    for word in ["one", "two"] {
        say(&id, word).await;
        first
            .until(Duration::from_secs(10), |f: &LogFrame| {
                lines_of(f).iter().any(|l| l.text == word)
            })
            .await;
    }
    let seen = first
        .last_id
        .clone()
        .expect("frames with lines carry an id");
    drop(first);

    // Written while the browser was away, then it reconnects.
    say(&id, "three").await;
    let mut again = Events::resume(&admin, url, Some(&seen)).await;
    let mut texts = Vec::new();
    while !texts.iter().any(|t| t == "three") {
        let frame: LogFrame = again
            .next(Duration::from_secs(10))
            .await
            .unwrap_or_else(|| panic!("no \"three\" after the reconnect; got {texts:?}"));
        texts.extend(lines_of(&frame).iter().map(|l| l.text.clone()));
    }
    assert_eq!(texts, ["three"], "only what it missed, once");
}
