use std::time::Duration;

use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::Value;

use crate::harness::{TestServer, json_of};

async fn engine_version() -> String {
    let docker = bollard::Docker::connect_with_defaults().unwrap();
    docker.version().await.unwrap().version.unwrap()
}

#[tokio::test]
async fn bosun_reports_the_engine_it_talks_to() {
    let s = TestServer::start().await;
    let viewer = {
        let admin = s.admin().await;
        s.user(&admin, "watcher", "viewer").await
    };
    let expected = engine_version().await;
    let mut status = Value::Null;
    for _ in 0..50 {
        status = json_of(viewer.get(s.url("/api/v1/engine")).send().await.unwrap()).await;
        if status["connected"] == true {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(status["connected"], true, "{status}");
    assert_eq!(status["version"], expected.as_str());
    let api: f32 = status["api_version"].as_str().unwrap().parse().unwrap();
    assert!(api >= 1.41, "negotiated API {api}");
}

#[tokio::test]
async fn the_engine_status_streams_as_server_sent_events() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let r = admin
        .get(s.url("/api/v1/engine/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    let mut body = r.bytes_stream();
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !text.contains("\n\n") {
        let chunk = tokio::time::timeout_at(deadline, body.next())
            .await
            .expect("an event within 10 s")
            .unwrap()
            .unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    let data = text
        .lines()
        .find_map(|l| l.strip_prefix("data: "))
        .expect("a data line");
    let status: Value = serde_json::from_str(data).unwrap();
    assert!(status.get("connected").is_some(), "{status}");
}
