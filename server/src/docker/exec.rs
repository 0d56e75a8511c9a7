//! Commands run inside containers through the engine's exec API (no TTY, so stdout and
//! stderr arrive apart; the exit code is read back from the engine afterwards).

use std::pin::Pin;
use std::time::Duration;

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::exec::{CreateExecOptions, StartExecOptions, StartExecResults};
use futures::StreamExt;
use tokio::io::AsyncWrite;

use super::Engine;
use super::client::engine_message;
use super::output::{Frames, frames};

/// Waits until the engine reports the command's exit code (it may trail the stream's end).
async fn exit_code(docker: &Docker, exec_id: &str) -> Result<i64, String> {
    for _ in 0..150 {
        match docker.inspect_exec(exec_id).await {
            Ok(r) if r.running == Some(false) => {
                return r
                    .exit_code
                    .ok_or_else(|| "the engine reported no exit code".to_owned());
            }
            Ok(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            Err(e) => {
                return Err(format!(
                    "the engine lost track of the command: {}",
                    engine_message(&e)
                ));
            }
        }
    }
    Err("the command was still running 15 s after its output ended".into())
}

/// What a short command did: its exit code and the first `keep` bytes of its output.
pub struct Captured {
    pub code: i64,
    pub output: String,
}

/// Runs `argv` in `container` and collects its output, for at most `timeout`.
pub async fn run_captured(
    docker: &Docker,
    container: &str,
    argv: &[String],
    keep: usize,
    timeout: Duration,
) -> Result<Captured, String> {
    let exec = docker
        .create_exec(
            container,
            CreateExecOptions {
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                tty: Some(false),
                cmd: Some(argv.to_vec()),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| format!("the engine refused to run it: {}", engine_message(&e)))?;
    let started = docker
        .start_exec(&exec.id, None)
        .await
        .map_err(|e| format!("the engine did not start it: {}", engine_message(&e)))?;
    let mut output = Vec::new();
    if let StartExecResults::Attached {
        output: mut out, ..
    } = started
    {
        let collect = async {
            while let Some(frame) = out.next().await {
                match frame {
                    Ok(LogOutput::StdOut { message } | LogOutput::StdErr { message }) => {
                        let room = keep.saturating_sub(output.len());
                        output.extend_from_slice(&message[..room.min(message.len())]);
                    }
                    Ok(_) => {}
                    Err(e) => return Err(format!("its output broke off: {e}")),
                }
            }
            Ok(())
        };
        tokio::time::timeout(timeout, collect)
            .await
            .map_err(|_| format!("it did not finish within {} s", timeout.as_secs()))??;
    }
    let code = exit_code(docker, &exec.id).await?;
    Ok(Captured {
        code,
        output: String::from_utf8_lossy(&output).trim().to_owned(),
    })
}

/// A command for [`attach`]: an argument list (never a shell string), extra environment
/// (`NAME=value`, for secrets: the engine keeps it out of the process list), and whether
/// bosun will write to its stdin.
pub struct Command {
    pub argv: Vec<String>,
    pub env: Vec<String>,
    pub stdin: bool,
}

/// Bytes per output frame asked of the engine for streamed commands (dumps are large).
const STREAM_CHUNK: usize = 256 * 1024;

/// A started command: its output, its stdin (closed at once unless asked for), and where to
/// read its exit code once the output has ended.
pub struct Attached {
    pub output: Frames,
    pub input: Pin<Box<dyn AsyncWrite + Send>>,
    pub exit: Exit,
}

/// The way to a finished command's exit code.
pub struct Exit {
    engine: Engine,
    id: String,
}

impl Exit {
    /// Waits until the engine reports the exit code (it may trail the output's end).
    pub async fn code(&self) -> Result<i64, String> {
        let docker = self
            .engine
            .client()
            .map_err(|e| format!("the engine lost track of the command: {}", e.message()))?;
        exit_code(&docker, &self.id).await
    }
}

/// Runs `command` in `container` without a TTY, so stdout and stderr arrive apart.
pub async fn attach(
    engine: &Engine,
    container: &str,
    command: Command,
) -> Result<Attached, String> {
    let docker = engine.client().map_err(|e| e.message().to_owned())?;
    let exec = docker
        .create_exec(
            container,
            CreateExecOptions {
                attach_stdin: Some(command.stdin),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                tty: Some(false),
                cmd: Some(command.argv),
                env: Some(command.env),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| {
            format!(
                "the engine refused to run the command in the container: {}",
                engine_message(&e)
            )
        })?;
    let started = docker
        .start_exec(
            &exec.id,
            Some(StartExecOptions {
                detach: false,
                tty: false,
                output_capacity: Some(STREAM_CHUNK),
            }),
        )
        .await
        .map_err(|e| {
            format!(
                "the engine did not start the command: {}",
                engine_message(&e)
            )
        })?;
    let StartExecResults::Attached { output, input } = started else {
        return Err("the engine ran the command detached; it could not be attached to".into());
    };
    Ok(Attached {
        output: frames(output),
        input,
        exit: Exit {
            engine: engine.clone(),
            id: exec.id,
        },
    })
}
