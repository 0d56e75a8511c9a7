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

    /// Sends `signal` to the command's process. The engine has no way to signal an exec, so
    /// bosun signals the process itself, by the id the engine reports, and only when that
    /// process is visible to bosun and runs exactly `argv` (so never another process that
    /// happens to have the number, as when bosun runs in a container of its own).
    pub async fn signal(&self, argv: &[String], signal: Signal) -> Result<Signalled, String> {
        let docker = self
            .engine
            .client()
            .map_err(|e| format!("the engine is unreachable: {}", e.message()))?;
        let inspect = || async {
            docker.inspect_exec(&self.id).await.map_err(|e| {
                format!(
                    "the engine lost track of the command: {}",
                    engine_message(&e)
                )
            })
        };
        let mut inspected = inspect().await?;
        // Just after the start the engine may report the command running before it reports
        // its process: ask again for a moment rather than fail the cancel.
        for _ in 0..40 {
            if inspected.running != Some(true) || inspected.pid.is_some_and(|p| p > 0) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            inspected = inspect().await?;
        }
        if inspected.running != Some(true) {
            return Ok(Signalled::AlreadyEnded);
        }
        let pid = inspected
            .pid
            .filter(|p| *p > 0)
            .ok_or_else(|| "the engine did not say which process runs the command".to_owned())?;
        let ours = tokio::fs::read(format!("/proc/{pid}/cmdline"))
            .await
            .ok()
            .is_some_and(|cmdline| same_argv(&cmdline, argv));
        let raw = i32::try_from(pid)
            .ok()
            .and_then(rustix::process::Pid::from_raw);
        let (true, Some(pid)) = (ours, raw) else {
            return Err("bosun cannot reach the command's process from where it runs (its own container's process namespace); the engine offers no way to stop a command started with exec".into());
        };
        let sig = match signal {
            Signal::Term => rustix::process::Signal::TERM,
            Signal::Kill => rustix::process::Signal::KILL,
        };
        rustix::process::kill_process(pid, sig)
            .map(|()| Signalled::Sent)
            .map_err(|e| format!("signalling the process failed: {e}"))
    }
}

/// The signals bosun sends a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// Asks it to end.
    Term,
    /// Ends it.
    Kill,
}

/// What a signal did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signalled {
    Sent,
    /// The command had already ended.
    AlreadyEnded,
}

/// A process's `/proc/PID/cmdline` (NUL-separated) is exactly `argv`.
fn same_argv(cmdline: &[u8], argv: &[String]) -> bool {
    let body = cmdline.strip_suffix(&[0]).unwrap_or(cmdline);
    let parts: Vec<&[u8]> = body.split(|b| *b == 0).collect();
    parts.len() == argv.len() && parts.iter().zip(argv).all(|(p, a)| *p == a.as_bytes())
}

/// Who runs an attached command, and where (the container's own user and directory when None).
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub user: Option<String>,
    pub workdir: Option<String>,
}

/// Runs `command` in `container` without a TTY, so stdout and stderr arrive apart.
pub async fn attach(
    engine: &Engine,
    container: &str,
    command: Command,
) -> Result<Attached, String> {
    attach_with(engine, container, command, Options::default()).await
}

/// [`attach`], as another user or in another working directory.
pub async fn attach_with(
    engine: &Engine,
    container: &str,
    command: Command,
    options: Options,
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
                user: options.user,
                working_dir: options.workdir,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_process_running_exactly_the_command_is_ours() {
        let argv = ["sleep".to_owned(), "a b".to_owned()];
        assert!(same_argv(b"sleep\0a b\0", &argv));
        assert!(!same_argv(b"sleep\0a\0b\0", &argv));
        assert!(!same_argv(b"bosun\0", &argv));
        assert!(!same_argv(b"", &argv));
    }
}
