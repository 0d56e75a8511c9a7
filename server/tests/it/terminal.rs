//! The browser terminal against the real engine, over a real WebSocket: a shell that runs
//! commands, takes a new size, ends every process it started when the socket closes and is
//! audited with its bytes; every refusal (no sign-in, too low a role, a foreign Origin, a
//! revoked token, terminals off) audited; closed within 2 s when its user is disabled, after
//! the idle time, and capped per user.

use std::time::{Duration, Instant};

use bosun_frontend::model::{AuditEntry, AuditOutcome, CreatedToken, UserDto};
use futures::{SinkExt, StreamExt};
use reqwest::{Client, StatusCode};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use crate::api::{audit, expect_json};
use crate::harness::TestServer;
use crate::registry::docker;
use crate::stacks::{Project, unique};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const STACK: &str = r#"
services:
  deb:
    image: debian:bookworm-slim
    command: ["sleep", "infinity"]
    init: true
  bb:
    image: busybox:latest
    command: ["sh", "-c", "while true; do sleep 1; done"]
    init: true
"#;

/// The container of `service` in `project`, by name.
fn container(project: &str, service: &str) -> String {
    let id = docker(&[
        "ps",
        "-q",
        "--filter",
        &format!("label=com.docker.compose.project={project}"),
        "--filter",
        &format!("label=com.docker.compose.service={service}"),
    ]);
    docker(&["inspect", "-f", "{{.Name}}", id.trim()])
        .trim_start_matches('/')
        .to_owned()
}

async fn token(s: &TestServer, client: &Client) -> String {
    let r = client
        .post(s.url("/api/v1/tokens"))
        .json(&serde_json::json!({"name": unique("term")}))
        .send()
        .await
        .unwrap();
    expect_json::<CreatedToken>(r, StatusCode::CREATED)
        .await
        .secret
}

/// Opens the terminal WebSocket of `name` with `query`, a bearer token and an Origin.
async fn connect(
    s: &TestServer,
    name: &str,
    query: &str,
    token: Option<&str>,
    origin: Option<&str>,
) -> Result<Socket, WsError> {
    let url = format!(
        "{}/api/v1/containers/{name}/terminal?{query}",
        s.base.replacen("http", "ws", 1)
    );
    let mut request = url.into_client_request().unwrap();
    if let Some(t) = token {
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {t}").parse().unwrap());
    }
    if let Some(o) = origin {
        request.headers_mut().insert("origin", o.parse().unwrap());
    }
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(socket, _)| socket)
}

fn refused_with(result: Result<Socket, WsError>) -> StatusCode {
    match result {
        Err(WsError::Http(response)) => StatusCode::from_u16(response.status().as_u16()).unwrap(),
        Err(e) => panic!("expected an HTTP refusal, got {e}"),
        Ok(_) => panic!("the terminal opened; it should have been refused"),
    }
}

/// The next JSON message of `kind`, skipping output.
async fn message(socket: &mut Socket, kind: &str) -> serde_json::Value {
    let wait = async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(t))) => {
                    let v: serde_json::Value = serde_json::from_str(&t).unwrap();
                    if v["type"] == kind {
                        return v;
                    }
                }
                Some(Ok(_)) => {}
                other => panic!("the terminal ended before {kind}: {other:?}"),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), wait)
        .await
        .unwrap_or_else(|_| panic!("no {kind} message within 20 s"))
}

/// Types `input` and reads output until it holds `want`.
async fn run(socket: &mut Socket, input: &str, want: &str) -> String {
    socket
        .send(Message::Binary(input.as_bytes().to_vec().into()))
        .await
        .unwrap();
    let mut seen = String::new();
    let wait = async {
        while !seen.contains(want) {
            match socket.next().await {
                Some(Ok(Message::Binary(b))) => seen.push_str(&String::from_utf8_lossy(&b)),
                Some(Ok(_)) => {}
                other => panic!("the terminal ended while waiting for {want:?}: {other:?}\n{seen}"),
            }
        }
    };
    if tokio::time::timeout(Duration::from_secs(20), wait)
        .await
        .is_err()
    {
        panic!("{want:?} did not show within 20 s; the terminal showed:\n{seen}");
    }
    seen
}

/// The close frame's code, and how long it took to come.
async fn closed(socket: &mut Socket, within: Duration) -> (CloseCode, Duration) {
    let start = Instant::now();
    let wait = async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Close(Some(frame)))) => return frame.code,
                Some(Ok(_)) => {}
                other => panic!("the terminal ended without a close frame: {other:?}"),
            }
        }
    };
    let code = tokio::time::timeout(within, wait)
        .await
        .unwrap_or_else(|_| panic!("the terminal was still open after {within:?}"));
    (code, start.elapsed())
}

/// Processes in the container whose command line holds `needle` (from the engine's `top`).
fn processes(name: &str, needle: &str) -> Vec<String> {
    docker(&["top", name, "-eo", "pid,args"])
        .lines()
        .filter(|l| l.contains(needle))
        .map(str::to_owned)
        .collect()
}

async fn wait_gone(name: &str, needle: &str) {
    let start = Instant::now();
    while !processes(name, needle).is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "processes of a closed terminal are still running in {name}: {:?}",
            processes(name, needle)
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn entries<'a>(log: &'a [AuditEntry], action: &str, target: &str) -> Vec<&'a AuditEntry> {
    log.iter()
        .filter(|e| e.action == action && e.target.contains(target))
        .collect()
}

#[tokio::test]
async fn a_terminal_runs_a_shell_resizes_and_leaves_no_process_behind() {
    let p = Project::up(&unique("bosunterm"), STACK).await;
    let s = TestServer::start_with(&[
        "--admin-password",
        crate::harness::ADMIN_PASSWORD,
        "--tls",
        "off",
        "--terminal-transcripts",
        "on",
    ])
    .await;
    let admin = s.admin().await;
    let secret = token(&s, &admin).await;
    let deb = container(&p.name, "deb");
    let own = processes(&deb, "sleep infinity");
    assert!(!own.is_empty());

    let mut t = connect(&s, &deb, "cols=100&rows=30", Some(&secret), None)
        .await
        .expect("an admin opens a terminal");
    let ready = message(&mut t, "ready").await;
    assert_eq!(ready["command"], "/bin/bash", "{ready}");
    let session = ready["session"].as_str().unwrap().to_owned();
    run(&mut t, "echo $((6*7))\n", "42\r\n").await;
    run(&mut t, "stty size\n", "30 100").await;
    t.send(Message::Text(
        r#"{"type":"resize","cols":120,"rows":40}"#.into(),
    ))
    .await
    .unwrap();
    run(&mut t, "stty size\n", "40 120").await;
    // One process in the background, one in the foreground, then the browser goes away.
    run(&mut t, "sleep 1001 & sleep 1002\n", "").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(processes(&deb, "sleep 100").len(), 2, "both sleeps run");
    drop(t);
    wait_gone(&deb, "sleep 100").await;
    assert_eq!(
        processes(&deb, "sleep infinity"),
        own,
        "the container's own processes were left alone"
    );

    // busybox has no bash: its /bin/sh, and the same clean-up with busybox's tools.
    let bb = container(&p.name, "bb");
    let mut t = connect(&s, &bb, "", Some(&secret), None).await.unwrap();
    assert_eq!(message(&mut t, "ready").await["command"], "/bin/sh");
    run(&mut t, "echo $((6*7))\n", "42\r\n").await;
    run(&mut t, "sleep 1003\n", "").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    t.close(None).await.unwrap();
    wait_gone(&bb, "sleep 1003").await;

    // Opened and closed, with the bytes; what it showed kept for admins.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let log = audit(&s, &admin, "action=terminal.").await;
    let opened = entries(&log, "terminal.open", &deb);
    assert_eq!(opened.len(), 1, "{log:#?}");
    assert_eq!(opened[0].actor, "admin");
    assert!(opened[0].detail.as_deref().unwrap().contains("/bin/bash"));
    let close = entries(&log, "terminal.close", &deb);
    assert_eq!(close.len(), 1, "{log:#?}");
    let detail = close[0].detail.clone().unwrap();
    assert!(detail.contains(&session), "{detail}");
    assert!(detail.contains("closed by the browser"), "{detail}");
    assert!(detail.contains("transcript kept"), "{detail}");
    let bytes_in: u64 = detail
        .split(" bytes in")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(bytes_in >= "echo $((6*7))\n".len() as u64, "{detail}");
    let r = admin
        .get(s.url(&format!("/api/v1/terminal/transcripts/{session}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(String::from_utf8_lossy(&r.bytes().await.unwrap()).contains("42"));
    let viewer = s.user(&admin, "tv", "viewer").await;
    let r = viewer
        .get(s.url(&format!("/api/v1/terminal/transcripts/{session}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "transcripts are for admins"
    );
}

#[tokio::test]
async fn every_refused_terminal_is_audited_and_a_disabled_user_loses_theirs_at_once() {
    let p = Project::up(&unique("bosuntermno"), STACK).await;
    let s = TestServer::start_with(&[
        "--admin-password",
        crate::harness::ADMIN_PASSWORD,
        "--tls",
        "off",
        "--terminal-per-user",
        "1",
    ])
    .await;
    let admin = s.admin().await;
    let viewer = s.user(&admin, "termviewer", "viewer").await;
    let operator = s.user(&admin, "termop", "operator").await;
    let second = s.user(&admin, "termadmin", "admin").await;
    let name = container(&p.name, "bb");
    let (admin_t, viewer_t, operator_t, second_t) = (
        token(&s, &admin).await,
        token(&s, &viewer).await,
        token(&s, &operator).await,
        token(&s, &second).await,
    );

    assert_eq!(
        refused_with(connect(&s, &name, "", None, None).await),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        refused_with(connect(&s, &name, "", Some(&viewer_t), None).await),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        refused_with(connect(&s, &name, "", Some(&operator_t), None).await),
        StatusCode::FORBIDDEN
    );
    let foreign = connect(&s, &name, "", Some(&admin_t), Some("http://evil.example")).await;
    assert_eq!(refused_with(foreign), StatusCode::FORBIDDEN);
    let revoked = token(&s, &admin).await;
    let tokens: Vec<bosun_frontend::model::TokenDto> = expect_json(
        admin.get(s.url("/api/v1/tokens")).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    let newest = tokens.iter().map(|t| t.id).max().unwrap();
    let r = admin
        .delete(s.url(&format!("/api/v1/tokens/{newest}")))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    assert_eq!(
        refused_with(connect(&s, &name, "", Some(&revoked), None).await),
        StatusCode::UNAUTHORIZED
    );
    // A plain GET is told what the route is.
    let r = admin
        .get(s.url(&format!("/api/v1/containers/{name}/terminal")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    let log = audit(&s, &admin, "action=access.denied&limit=500").await;
    let denied = entries(
        &log,
        "access.denied",
        &format!("/api/v1/containers/{name}/terminal"),
    );
    let mut who: Vec<&str> = denied.iter().map(|e| e.actor.as_str()).collect();
    who.sort_unstable();
    assert_eq!(
        who,
        ["admin", "anonymous", "anonymous", "termop", "termviewer"],
        "{denied:#?}"
    );
    assert!(denied.iter().all(|e| e.outcome == AuditOutcome::Denied));
    let op = denied.iter().find(|e| e.actor == "termop").unwrap();
    assert!(
        op.detail
            .as_deref()
            .unwrap_or("")
            .contains("BOSUN_TERMINAL=admin"),
        "{op:?}"
    );

    // One terminal per user here: a second is refused with the reason, the first stays.
    let mut first = connect(&s, &name, "", Some(&second_t), None).await.unwrap();
    message(&mut first, "ready").await;
    let mut extra = connect(&s, &name, "", Some(&second_t), None).await.unwrap();
    let error = message(&mut extra, "error").await;
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("BOSUN_TERMINAL_PER_USER"),
        "{error}"
    );
    run(&mut first, "echo still-$((1+1))\n", "still-2").await;

    // Disabled: the terminal closes within 2 s.
    let users: Vec<UserDto> = expect_json(
        admin.get(s.url("/api/v1/users")).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    let id = users.iter().find(|u| u.username == "termadmin").unwrap().id;
    let r = admin
        .patch(s.url(&format!("/api/v1/users/{id}")))
        .json(&serde_json::json!({"disabled": true}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let (code, took) = closed(&mut first, Duration::from_secs(5)).await;
    assert_eq!(code, CloseCode::from(4003));
    assert!(took <= Duration::from_secs(2), "closed after {took:?}");
}

#[tokio::test]
async fn terminals_can_be_switched_off_or_opened_to_operators_and_close_when_idle() {
    let p = Project::up(&unique("bosuntermoff"), STACK).await;
    let name = container(&p.name, "bb");
    let off = TestServer::start_with(&[
        "--admin-password",
        crate::harness::ADMIN_PASSWORD,
        "--tls",
        "off",
        "--terminal",
        "off",
    ])
    .await;
    let admin = off.admin().await;
    let t = token(&off, &admin).await;
    assert_eq!(
        refused_with(connect(&off, &name, "", Some(&t), None).await),
        StatusCode::FORBIDDEN
    );
    let log = audit(&off, &admin, "action=access.denied").await;
    let denied = entries(&log, "access.denied", "/terminal");
    assert_eq!(denied.len(), 1, "{log:#?}");
    assert!(
        denied[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("switched off")
    );

    let open = TestServer::start_with(&[
        "--admin-password",
        crate::harness::ADMIN_PASSWORD,
        "--tls",
        "off",
        "--terminal",
        "operator",
        "--terminal-idle",
        "2s",
    ])
    .await;
    let admin = open.admin().await;
    let operator = open.user(&admin, "idleop", "operator").await;
    let t = token(&open, &operator).await;
    let mut socket = connect(&open, &name, "cmd=sh", Some(&t), None)
        .await
        .unwrap();
    assert_eq!(message(&mut socket, "ready").await["command"], "sh");
    let closed_msg = message(&mut socket, "closed").await;
    assert!(
        closed_msg["reason"]
            .as_str()
            .unwrap()
            .contains("without a keystroke"),
        "{closed_msg}"
    );
    let (code, _) = closed(&mut socket, Duration::from_secs(5)).await;
    assert_eq!(code, CloseCode::from(4001));
}
