//! One terminal: the WebSocket on one side, the engine's TTY on the other, until one of
//! them ends or a limit is reached; then every process it started is ended, and the audit
//! log gets who, which container, when, how long, and the bytes both ways.
//!
//! On the socket: binary frames are the terminal's bytes (keystrokes in, output out); text
//! frames are JSON messages. The browser sends `{"type":"resize","cols":C,"rows":R}`;
//! bosun sends `{"type":"ready",…}`, `{"type":"error","message":…}` and, before it closes,
//! `{"type":"closed","reason":…}`.

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use bosun_frontend::error::AppError;
use bosun_frontend::model::ContainerState;
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::io::AsyncWriteExt;

use super::request::OpenRequest;
use super::transcript::Transcript;
use super::{Slot, TerminalService, TerminalUser};
use crate::docker::{containers, tty};

/// Shells tried in order when no command is given.
const SHELLS: [&str; 2] = ["/bin/bash", "/bin/sh"];

/// A terminal about to be served on an upgraded WebSocket.
pub struct Connection {
    pub service: TerminalService,
    pub user: TerminalUser,
    /// The container as the caller named it (id, prefix or name).
    pub container: String,
    pub request: OpenRequest,
    /// Resolves when the caller's sign-in or token stops standing.
    pub ended: Pin<Box<dyn Future<Output = ()> + Send>>,
}

/// A started terminal and what it holds.
struct Opened {
    tty: tty::Tty,
    name: String,
    argv: Vec<String>,
    _slot: Slot,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Control {
    Resize { cols: u16, rows: u16 },
}

/// Why a terminal closed, with the WebSocket close code the page reads.
struct End {
    code: u16,
    reason: String,
}

impl End {
    fn new(code: u16, reason: impl Into<String>) -> Self {
        End {
            code,
            reason: reason.into(),
        }
    }
}

type Tx = futures::stream::SplitSink<WebSocket, Message>;

async fn send_json(tx: &mut Tx, value: serde_json::Value) -> bool {
    tx.send(Message::Text(Utf8Bytes::from(value.to_string())))
        .await
        .is_ok()
}

impl Connection {
    /// Serves the terminal until it ends, then cleans up and audits.
    pub async fn serve(self, socket: WebSocket) {
        let Connection {
            service,
            user,
            container,
            request,
            ended,
        } = self;
        let session = uuid::Uuid::new_v4().simple().to_string();
        let (mut tx, rx) = socket.split();
        let opened = open(&service, &user, &container, &request, &session).await;
        let opened = match opened {
            Ok(o) => o,
            Err(e) => {
                service
                    .record(&user.owner, "terminal.open", &container, Err(e.clone()))
                    .await;
                let _ = send_json(
                    &mut tx,
                    serde_json::json!({"type": "error", "message": e.message}),
                )
                .await;
                let _ = tx
                    .send(Message::Close(Some(CloseFrame {
                        code: 4000,
                        reason: Utf8Bytes::from_static("the terminal could not be opened"),
                    })))
                    .await;
                return;
            }
        };
        let shown_user = request
            .user
            .clone()
            .unwrap_or_else(|| "the container's user".into());
        let command = opened.argv.join(" ");
        service
            .record(
                &user.owner,
                "terminal.open",
                &opened.name,
                Ok(format!(
                    "session {session}: {command} as {shown_user}, {}×{}",
                    request.cols, request.rows
                )),
            )
            .await;
        let ready = serde_json::json!({
            "type": "ready", "session": session, "container": opened.name,
            "command": command, "user": shown_user,
        });
        let started = Instant::now();
        let started_at = time::OffsetDateTime::now_utc();
        let mut transcript = service
            .settings()
            .transcripts
            .as_ref()
            .map(|t| Transcript::new(t.limit));
        let handle = opened.tty.handle.clone();
        let (end, bytes_in, bytes_out) = if send_json(&mut tx, ready).await {
            pump(
                &service,
                opened.tty,
                &mut tx,
                rx,
                ended,
                transcript.as_mut(),
            )
            .await
        } else {
            (End::new(1000, "the browser went away"), 0, 0)
        };
        let _ = send_json(
            &mut tx,
            serde_json::json!({"type": "closed", "reason": end.reason}),
        )
        .await;
        let _ = tx
            .send(Message::Close(Some(CloseFrame {
                code: end.code,
                reason: Utf8Bytes::from(short(&end.reason)),
            })))
            .await;
        drop(tx);
        // Nothing the terminal started may outlive it.
        let cleaned = handle.end().await;
        let kept = match (&service.settings().transcripts, &transcript) {
            (Some(store), Some(t)) => match store.save(&session, t) {
                Ok(()) => ", transcript kept".to_owned(),
                Err(e) => {
                    tracing::error!(error = %e, "saving a terminal transcript failed");
                    ", the transcript could not be saved".to_owned()
                }
            },
            _ => String::new(),
        };
        let left = match cleaned {
            Ok(()) => String::new(),
            Err(e) => format!("; {e}"),
        };
        let opened_at = started_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let detail = format!(
            "session {session}: opened {opened_at}, open {} s, {}; {bytes_in} bytes in, {bytes_out} bytes out{kept}{left}",
            started.elapsed().as_secs(),
            end.reason
        );
        service
            .record(&user.owner, "terminal.close", &opened.name, Ok(detail))
            .await;
    }
}

/// A close reason fits in 123 bytes; the full one went in the `closed` message before it.
fn short(reason: &str) -> String {
    let mut end = reason.len().min(120);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    reason[..end].to_owned()
}

async fn open(
    service: &TerminalService,
    user: &TerminalUser,
    container: &str,
    request: &OpenRequest,
    session: &str,
) -> Result<Opened, AppError> {
    let engine = &service.inner.engine;
    engine.ready()?;
    let record = containers::inspect(engine, container).await.map_err(|e| {
        if e.is_not_found() {
            AppError::not_found(format!(
                "There is no container “{container}” on this host. Open Services to see the containers there are."
            ))
        } else {
            AppError::from(e)
        }
    })?;
    if record.state != ContainerState::Running {
        return Err(AppError::conflict(format!(
            "{} is not running, and a terminal runs inside a running container. Start it first.",
            record.name
        )));
    }
    let slot = service.claim(user)?;
    let argv = match &request.command {
        Some(argv) => argv.clone(),
        None => tty::first_shell(engine, &record.id, &SHELLS)
            .await
            .map_err(AppError::unavailable)?
            .map(|shell| vec![shell])
            .ok_or_else(|| {
                AppError::conflict(format!(
                    "{} has neither /bin/bash nor /bin/sh. Type a command it has (a program's path) to run it instead.",
                    record.name
                ))
            })?,
    };
    let spec = tty::Spec {
        argv: argv.clone(),
        user: request.user.clone(),
        session: session.to_owned(),
        cols: request.cols,
        rows: request.rows,
    };
    let tty = tty::open(engine, &record.id, spec)
        .await
        .map_err(AppError::unavailable)?;
    Ok(Opened {
        tty,
        name: record.name,
        argv,
        _slot: slot,
    })
}

/// Moves bytes both ways until something ends the terminal; returns why, and the bytes in
/// (typed) and out (shown).
async fn pump(
    service: &TerminalService,
    tty: tty::Tty,
    tx: &mut Tx,
    mut rx: futures::stream::SplitStream<WebSocket>,
    mut ended: Pin<Box<dyn Future<Output = ()> + Send>>,
    mut transcript: Option<&mut Transcript>,
) -> (End, u64, u64) {
    let settings = service.settings();
    let tty::Tty {
        mut output,
        mut input,
        handle,
    } = tty;
    let (mut bytes_in, mut bytes_out) = (0u64, 0u64);
    let deadline = tokio::time::Instant::now() + settings.max_time;
    let mut idle_until = tokio::time::Instant::now() + settings.idle;
    let end = loop {
        tokio::select! {
            message = rx.next() => match message {
                Some(Ok(Message::Binary(bytes))) => {
                    idle_until = tokio::time::Instant::now() + settings.idle;
                    bytes_in += bytes.len() as u64;
                    if input.write_all(&bytes).await.is_err() || input.flush().await.is_err() {
                        break End::new(1011, "the terminal stopped taking input");
                    }
                }
                Some(Ok(Message::Text(text))) => match serde_json::from_str::<Control>(&text) {
                    Ok(Control::Resize { cols, rows }) if (1..=500).contains(&cols) && (1..=300).contains(&rows) => {
                        if let Err(e) = handle.resize(cols, rows).await {
                            let _ = send_json(tx, serde_json::json!({"type": "error", "message": e})).await;
                        }
                    }
                    _ => {
                        let message = "bosun did not understand that message: send {\"type\":\"resize\",\"cols\":1–500,\"rows\":1–300}, or the terminal's bytes as binary";
                        let _ = send_json(tx, serde_json::json!({"type": "error", "message": message})).await;
                    }
                },
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break End::new(1000, "closed by the browser"),
                Some(Ok(_)) => {}
            },
            chunk = output.next() => match chunk {
                Some(Ok(bytes)) => {
                    bytes_out += bytes.len() as u64;
                    if let Some(t) = transcript.as_deref_mut() {
                        t.push(&bytes);
                    }
                    if tx.send(Message::Binary(bytes)).await.is_err() {
                        break End::new(1000, "the browser went away");
                    }
                }
                Some(Err(e)) => break End::new(1011, e),
                None => {
                    let reason = match handle.exit_code().await {
                        Some(code) => format!("the command ended (exit code {code})"),
                        None => "the command ended, or its container stopped".to_owned(),
                    };
                    break End::new(1000, reason);
                }
            },
            () = tokio::time::sleep_until(idle_until) => {
                break End::new(4001, format!("closed after {} without a keystroke (BOSUN_TERMINAL_IDLE)", humantime::format_duration(settings.idle)));
            }
            () = tokio::time::sleep_until(deadline) => {
                break End::new(4002, format!("closed {} after it opened (BOSUN_TERMINAL_MAX_TIME)", humantime::format_duration(settings.max_time)));
            }
            () = &mut ended => {
                break End::new(4003, "your sign-in ended (signed out, disabled, role changed or token revoked)");
            }
        }
    };
    (end, bytes_in, bytes_out)
}
