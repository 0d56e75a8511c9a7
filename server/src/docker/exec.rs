//! Commands run inside containers through the engine's exec API (no TTY, so stdout and
//! stderr arrive apart; the exit code is read back from the engine afterwards).

use std::time::Duration;

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::exec::{CreateExecOptions, StartExecResults};
use futures::StreamExt;

use super::client::engine_message;

/// Waits until the engine reports the command's exit code (it may trail the stream's end).
pub async fn exit_code(docker: &Docker, exec_id: &str) -> Result<i64, String> {
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
