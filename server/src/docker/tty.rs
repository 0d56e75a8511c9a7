//! An interactive command in a container with a terminal (the engine's exec with a TTY):
//! raw bytes both ways, a window size that can change, and an end that leaves no process
//! behind.
//!
//! The engine does not end an exec when the client that attached to it goes away: a shell
//! (and whatever it started) would keep running in the container. So every terminal's
//! processes carry a marker in their environment, and [`Tty::end`] has the processes that
//! carry it signalled from inside the container, by a second, short exec.

use std::pin::Pin;

use bollard::exec::{CreateExecOptions, ResizeExecOptions, StartExecOptions, StartExecResults};
use bytes::Bytes;
use futures::{Stream, StreamExt};
use tokio::io::AsyncWrite;

use super::Engine;
use super::client::engine_message;
use super::exec::run_captured;

/// The environment variable that marks a terminal's processes: `BOSUN_TERMINAL_SESSION=<id>`.
pub const MARKER: &str = "BOSUN_TERMINAL_SESSION";

/// Signals (HUP, then KILL to what is left a second later) every process whose environment
/// holds exactly `$1`. A fixed script: the marker arrives as its argument, never inside it.
const REAPER: &str = r#"m="$1"
for s in HUP KILL; do
  found=
  for d in /proc/[0-9]*; do
    if tr '\0' '\n' < "$d/environ" 2>/dev/null | grep -qxF "$m"; then
      kill -s "$s" "${d#/proc/}" 2>/dev/null && found=1
    fi
  done
  [ -z "$found" ] && exit 0
  sleep 1
done"#;

/// What to run and how.
pub struct Spec {
    pub argv: Vec<String>,
    /// `user`, `user:group`, uid or uid:gid; the container's own user when None.
    pub user: Option<String>,
    /// The session's id, put into the marker.
    pub session: String,
    pub cols: u16,
    pub rows: u16,
}

/// The terminal's output, as the engine sends it (one stream: a TTY merges stdout and stderr).
pub type Output = Pin<Box<dyn Stream<Item = Result<Bytes, String>> + Send>>;

/// A started terminal.
pub struct Tty {
    pub output: Output,
    pub input: Pin<Box<dyn AsyncWrite + Send>>,
    pub handle: Handle,
}

/// What is needed to resize and end a terminal (cheap to clone, no stream in it).
#[derive(Clone)]
pub struct Handle {
    engine: Engine,
    container: String,
    exec: String,
    marker: String,
    user: Option<String>,
}

/// The first of `candidates` that runs in `container` (`CANDIDATE -c true` exits 0).
pub async fn first_shell(
    engine: &Engine,
    container: &str,
    candidates: &[&str],
) -> Result<Option<String>, String> {
    let docker = engine.client().map_err(|e| e.message().to_owned())?;
    for shell in candidates {
        let argv = [(*shell).to_owned(), "-c".to_owned(), "true".to_owned()];
        let ran = run_captured(
            &docker,
            container,
            &argv,
            256,
            std::time::Duration::from_secs(10),
        )
        .await?;
        if ran.code == 0 {
            return Ok(Some((*shell).to_owned()));
        }
    }
    Ok(None)
}

/// Starts `spec` in `container` with a TTY of the given size.
pub async fn open(engine: &Engine, container: &str, spec: Spec) -> Result<Tty, String> {
    let docker = engine.client().map_err(|e| e.message().to_owned())?;
    let marker = format!("{MARKER}={}", spec.session);
    let exec = docker
        .create_exec(
            container,
            CreateExecOptions {
                attach_stdin: Some(true),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                tty: Some(true),
                cmd: Some(spec.argv),
                env: Some(vec![marker.clone(), "TERM=xterm-256color".to_owned()]),
                user: spec.user.clone(),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| format!("the engine refused the terminal: {}", engine_message(&e)))?;
    let started = docker
        .start_exec(
            &exec.id,
            Some(StartExecOptions {
                detach: false,
                tty: true,
                output_capacity: Some(64 * 1024),
            }),
        )
        .await
        .map_err(|e| {
            format!(
                "the engine did not start the terminal: {}",
                engine_message(&e)
            )
        })?;
    let StartExecResults::Attached { output, input } = started else {
        return Err("the engine started the terminal detached".into());
    };
    let handle = Handle {
        engine: engine.clone(),
        container: container.to_owned(),
        exec: exec.id,
        marker,
        user: spec.user,
    };
    // The size before the first byte is drawn (a failure here is not fatal: the browser
    // sends its size again when it changes).
    let _ = handle.resize(spec.cols, spec.rows).await;
    let output = output
        .map(|frame| match frame {
            Ok(frame) => Ok(frame.into_bytes()),
            Err(e) => Err(format!("the terminal's connection broke: {e}")),
        })
        .boxed();
    Ok(Tty {
        output,
        input,
        handle,
    })
}

impl Handle {
    /// Sets the terminal's window size (the shell gets SIGWINCH).
    pub async fn resize(&self, cols: u16, rows: u16) -> Result<(), String> {
        let docker = self.engine.client().map_err(|e| e.message().to_owned())?;
        docker
            .resize_exec(
                &self.exec,
                ResizeExecOptions {
                    width: cols,
                    height: rows,
                },
            )
            .await
            .map_err(|e| {
                format!(
                    "the engine did not resize the terminal: {}",
                    engine_message(&e)
                )
            })
    }

    /// The shell's exit code, once it has ended (None while it runs or when unknown).
    pub async fn exit_code(&self) -> Option<i64> {
        let docker = self.engine.client().ok()?;
        let exec = docker.inspect_exec(&self.exec).await.ok()?;
        if exec.running == Some(true) {
            return None;
        }
        exec.exit_code
    }

    /// Ends every process the terminal started, in the container itself, as the terminal's
    /// user (a process's environment is readable by its own user; root in a container lacks
    /// the capability to read another user's). A container without `sh` cannot be cleaned
    /// this way: the error says so.
    pub async fn end(&self) -> Result<(), String> {
        let docker = self.engine.client().map_err(|e| e.message().to_owned())?;
        let exec = docker
            .create_exec(
                &self.container,
                CreateExecOptions {
                    attach_stdout: Some(true),
                    attach_stderr: Some(true),
                    tty: Some(false),
                    user: self.user.clone(),
                    cmd: Some(vec![
                        "sh".to_owned(),
                        "-c".to_owned(),
                        REAPER.to_owned(),
                        "bosun-terminal-end".to_owned(),
                        self.marker.clone(),
                    ]),
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| {
                format!(
                    "the terminal's processes could not be ended: {}",
                    engine_message(&e)
                )
            })?;
        let started = docker.start_exec(&exec.id, None).await.map_err(|e| {
            format!(
                "the terminal's processes could not be ended: {}",
                engine_message(&e)
            )
        })?;
        if let StartExecResults::Attached { mut output, .. } = started {
            let drain = async { while output.next().await.is_some() {} };
            // HUP, a second, KILL: a few seconds at most.
            let _ = tokio::time::timeout(std::time::Duration::from_secs(10), drain).await;
        }
        Ok(())
    }
}
