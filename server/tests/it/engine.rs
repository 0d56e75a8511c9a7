use std::time::Duration;

use bosun_frontend::model::{EngineStatus, Overview};
use futures::StreamExt;
use reqwest::StatusCode;

use crate::api::{json_get, text_of};
use crate::harness::TestServer;

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
    let mut status: Option<EngineStatus> = None;
    for _ in 0..50 {
        let now: EngineStatus = json_get(&viewer, &s, "/api/v1/engine").await;
        let connected = now.connected;
        status = Some(now);
        if connected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let status = status.unwrap();
    assert!(status.connected, "{status:?}");
    assert_eq!(status.version, Some(expected));
    let api: f32 = status.api_version.as_deref().unwrap().parse().unwrap();
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
    assert_eq!(
        r.headers()[reqwest::header::CONTENT_TYPE],
        "text/event-stream"
    );
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
    // The frame is an engine status (which always says whether it is connected).
    let status: Result<EngineStatus, _> = serde_json::from_str(data);
    assert!(status.is_ok(), "{data}");
}

/// A unix socket that forwards to the real engine while it runs: lets a test make the
/// engine "go away" and "come back" for one bosun without touching the shared engine.
struct EngineProxy {
    path: std::path::PathBuf,
    task: tokio::task::JoinHandle<()>,
    connections: std::sync::Arc<tokio::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl EngineProxy {
    fn start(path: &std::path::Path) -> Self {
        let _ = std::fs::remove_file(path);
        let listener = tokio::net::UnixListener::bind(path).unwrap();
        let connections: std::sync::Arc<tokio::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>> =
            Default::default();
        let conns = connections.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    return;
                };
                let handle = tokio::spawn(async move {
                    if let Ok(mut engine) =
                        tokio::net::UnixStream::connect("/var/run/docker.sock").await
                    {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut engine).await;
                    }
                });
                conns.lock().await.push(handle);
            }
        });
        EngineProxy {
            path: path.to_owned(),
            task,
            connections,
        }
    }

    async fn stop(self) {
        self.task.abort();
        for c in self.connections.lock().await.drain(..) {
            c.abort();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Waits (up to 30 s) until bosun's own engine status (`GET /api/v1/engine`) says `connected`:
/// what the CLI sees says nothing about bosun's connection.
pub async fn wait_for(client: &reqwest::Client, s: &TestServer, connected: bool) -> EngineStatus {
    let mut status = None;
    for _ in 0..300 {
        let now: EngineStatus = json_get(client, s, "/api/v1/engine").await;
        if now.connected == connected {
            return now;
        }
        status = Some(now);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("engine never became connected={connected}: {status:?}");
}

#[tokio::test]
async fn an_unreachable_engine_shows_a_banner_and_bosun_recovers_by_itself() {
    crate::harness::require_docker().await;
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("engine.sock");
    // Pointed at a socket nobody listens on yet.
    let host = format!("unix://{}", socket.display());
    let s = TestServer::start_with(&[
        "--admin-password",
        crate::harness::ADMIN_PASSWORD,
        "--docker-host",
        &host,
    ])
    .await;
    let admin = s.admin().await;

    // Nothing listens yet: bosun says so, and so does every page.
    let down = wait_for(&admin, &s, false).await;
    assert!(
        down.error.as_deref().is_some_and(|e| !e.is_empty()),
        "{down:?}"
    );
    let page = text_of(&admin, &s, "/").await;
    assert!(
        page.contains("engine-banner") && page.contains("Docker engine unreachable"),
        "no banner in the page"
    );

    // The engine appears: bosun connects without a restart.
    let proxy = EngineProxy::start(&socket);
    let up = wait_for(&admin, &s, true).await;
    assert_eq!(up.version, Some(engine_version().await));
    let page = text_of(&admin, &s, "/").await;
    assert!(!page.contains("engine-banner"), "banner still shown");

    // It goes away mid-stream: the services overview keeps the last picture and says
    // since when it may be stale; when the engine is back, it says there was an outage.
    proxy.stop().await;
    wait_for(&admin, &s, false).await;
    let stale: Overview = json_get(&admin, &s, "/api/v1/overview").await;
    assert!(!stale.engine.connected, "{:?}", stale.engine);
    assert!(stale.engine.disconnected_since.is_some());
    let refused = admin
        .post(s.url("/api/v1/containers/anything/restart"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let proxy = EngineProxy::start(&socket);
    wait_for(&admin, &s, true).await;
    let mut back = None;
    for _ in 0..50 {
        let now: Overview = json_get(&admin, &s, "/api/v1/overview").await;
        let connected = now.engine.connected;
        back = Some(now.engine);
        if connected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let back = back.unwrap();
    assert_eq!(back.disconnected_since, None);
    // An outage has a start (`from`, always set once there is one).
    assert!(back.last_outage.is_some(), "{back:?}");
    proxy.stop().await;
}
