//! Running a dump or a restore inside the database container through the engine's exec API.
//! No TTY, so stdout and stderr arrive apart: stdout is the dump (or is drained), stderr is
//! kept for the report. The exit code is read from the engine after the stream ends. A job
//! bosun stops waiting for (past the timeout, or the disk running low) is ended inside the
//! container, so it cannot linger holding locks.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bosun_frontend::model::DbEngine;
use bytes::Bytes;
use futures::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio::time::{Instant, timeout_at};

use super::command::{ExecSpec, abort_input, has_trailer, server_version, trailer};
use super::plain::Source;
use super::sink::{Sink, Written};
use super::space::low_space;
use super::stderr::Stderr;
use super::stop::{end_or_say, timeout_reason};
use crate::docker::Engine;
use crate::docker::exec::{Attached, Command, attach};
use crate::docker::output::Frame;

/// Enough for the commented roles ahead of pg_dump's own header.
const HEAD: usize = 64 * 1024;
const TAIL: usize = 512;

/// One dump or restore: where it runs, how long it may take, and its byte counter.
pub struct Job<'a> {
    pub docker: &'a Engine,
    pub container: &'a str,
    pub engine: DbEngine,
    pub bytes: Arc<AtomicU64>,
    pub timeout: Duration,
}

/// A good dump, written and durable under its final name.
#[derive(Debug)]
pub struct Dumped {
    pub dump_bytes: u64,
    /// The tables and their rows, as the dump holds them.
    pub figures: super::tally::Figures,
    pub written: Written,
    pub server_version: Option<String>,
}

fn command(spec: ExecSpec, stdin: bool) -> Command {
    Command {
        argv: spec.cmd,
        env: spec.env,
        stdin,
    }
}

fn write_error(e: &std::io::Error, dir: &Path) -> String {
    if let Some(low) = low_space(e) {
        low.to_string()
    } else if e.raw_os_error() == Some(28) {
        format!(
            "the disk holding {} filled up ({e}). Free some space there (or point --backup-dir elsewhere), then back up again.",
            dir.display()
        )
    } else {
        format!("writing the backup file failed: {e}")
    }
}

/// What the dump's output has shown so far: its head (for the version), its tail (for the
/// completion line) and its size.
#[derive(Default)]
struct Seen {
    head: Vec<u8>,
    tail: Vec<u8>,
    total: u64,
}

impl Seen {
    fn push(&mut self, message: &[u8]) {
        self.total += message.len() as u64;
        if self.head.len() < HEAD {
            let room = HEAD - self.head.len();
            self.head
                .extend_from_slice(&message[..room.min(message.len())]);
        }
        self.tail
            .extend_from_slice(&message[message.len().saturating_sub(TAIL)..]);
        if self.tail.len() > TAIL {
            self.tail.drain(..self.tail.len() - TAIL);
        }
    }
}

/// How the reading of a dump's output ended.
enum Ended {
    /// The output ended: the dump exited.
    Done,
    /// The file's writer stopped (its error says why).
    WriterStopped,
    Broke(String),
    TimedOut,
}

/// Runs the dump and streams its stdout into `sink`. Returns the reason when anything went
/// wrong; the sink (and its partial file) is then dropped, so no file remains.
pub async fn dump(
    job: Job<'_>,
    spec: ExecSpec,
    sink: Sink,
    tally: super::tally::Tally,
    final_path: PathBuf,
) -> Result<Dumped, String> {
    let deadline = Instant::now() + job.timeout;
    let dir = final_path.parent().map(Path::to_owned).unwrap_or_default();
    let Attached {
        mut output, exit, ..
    } = attach(job.docker, job.container, command(spec, false)).await?;

    let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(32);
    let writer = tokio::task::spawn_blocking(move || {
        let (mut sink, mut tally) = (sink, tally);
        while let Some(chunk) = rx.blocking_recv() {
            sink.write(&chunk)?;
            tally.push(&chunk);
        }
        Ok::<_, std::io::Error>((sink, tally))
    });

    let mut seen = Seen::default();
    let mut stderr = Stderr::default();
    let ended = timeout_at(deadline, async {
        while let Some(item) = output.next().await {
            match item {
                Ok(Frame::Stdout(message)) => {
                    seen.push(&message);
                    job.bytes.store(seen.total, Ordering::Relaxed);
                    if tx.send(message).await.is_err() {
                        return Ended::WriterStopped;
                    }
                }
                Ok(Frame::Stderr(message)) => stderr.push(&message),
                Err(e) => return Ended::Broke(e.to_string()),
            }
        }
        Ended::Done
    })
    .await
    .unwrap_or(Ended::TimedOut);
    drop(tx);
    let written = writer
        .await
        .map_err(|e| format!("the compression task failed: {e}"))?;
    let total = seen.total;
    // On any failure the sink is dropped here, which removes the partial file.
    let sink = match (&ended, written) {
        (_, Err(e)) => Err(write_error(&e, &dir)),
        (Ended::TimedOut, Ok(_)) => Err(timeout_reason("dump", job.timeout)),
        (Ended::Broke(e), Ok(_)) => Err(format!(
            "the connection to the engine broke during the dump ({e}); after {total} bytes. Check that the database container and the engine are up, then back up again."
        )),
        (Ended::WriterStopped, Ok(_)) => Err("the backup file's writer stopped".to_owned()),
        (Ended::Done, Ok(done)) => Ok(done),
    };
    let (sink, tally) = match sink {
        Ok(done) => done,
        Err(reason) => {
            // The dump may still run: it must not linger in the container holding locks.
            let left = if matches!(ended, Ended::Done) {
                String::new()
            } else {
                end_or_say(job.docker, job.container, &stderr.pid(), "dump").await
            };
            return Err(format!("{reason}{left}"));
        }
    };
    drop(output);
    let code = exit.code().await?;
    if code != 0 {
        let why = stderr.text();
        return Err(format!(
            "the dump exited with code {code}{}",
            if why.is_empty() {
                " and no message (was the container stopped or killed?)".to_owned()
            } else {
                format!(": {why}")
            }
        ));
    }
    if !has_trailer(job.engine, &seen.tail) {
        return Err(format!(
            "the dump ended without its completion line “{}” after {total} bytes, so it is incomplete",
            trailer(job.engine)
        ));
    }
    let written = tokio::task::spawn_blocking(move || {
        let mut sink = sink;
        let written = sink.finish()?;
        sink.publish(&final_path)?;
        Ok::<_, std::io::Error>(written)
    })
    .await
    .map_err(|e| format!("the rename task failed: {e}"))?
    .map_err(|e| write_error(&e, &dir))?;
    Ok(Dumped {
        dump_bytes: total,
        figures: tally.finish(),
        written,
        server_version: server_version(job.engine, &seen.head),
    })
}

/// Streams the dump in `source` into the restore command's stdin. Returns the bytes fed.
pub async fn restore(job: Job<'_>, spec: ExecSpec, source: Source) -> Result<u64, String> {
    let deadline = Instant::now() + job.timeout;
    let Attached {
        mut output,
        mut input,
        exit,
    } = attach(job.docker, job.container, command(spec, true)).await?;
    let stderr = Stderr::default();
    let pid = stderr.pid();
    // Drain the output concurrently, or a chatty client could block on a full pipe.
    let mut drain = tokio::spawn(async move {
        let mut stderr = stderr;
        let mut broken = None;
        while let Some(item) = output.next().await {
            match item {
                Ok(Frame::Stderr(message)) => stderr.push(&message),
                Ok(Frame::Stdout(_)) => {}
                Err(e) => {
                    broken = Some(e.to_string());
                    break;
                }
            }
        }
        (stderr, broken)
    });

    let (tx, mut rx) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(16);
    let reader = tokio::task::spawn_blocking(move || super::plain::pump(source.open(), &tx));
    let bytes = job.bytes.clone();
    let engine = job.engine;
    // Until the client has exited. Its stdin stays open if time runs out: an end of input
    // would make it commit what it has, so it is ended first (below).
    let finished = timeout_at(deadline, async {
        let mut fed = 0u64;
        let mut feed_error = None;
        while let Some(chunk) = rx.recv().await {
            match chunk {
                Ok(chunk) => {
                    if let Err(e) = input.write_all(&chunk).await {
                        feed_error = Some(format!(
                            "the database client stopped reading after {fed} bytes ({e})"
                        ));
                        break;
                    }
                    fed += chunk.len() as u64;
                    bytes.store(fed, Ordering::Relaxed);
                }
                Err(e) => {
                    feed_error = Some(format!("reading the backup file failed: {e}"));
                    break;
                }
            }
        }
        drop(rx);
        let _ = reader.await;
        if feed_error.is_some() {
            // A cut-off script must not be committed as if it were whole: end it with an error.
            let _ = input.write_all(abort_input(engine).as_bytes()).await;
        }
        // End of input: the client commits (or rolls back) and exits.
        let _ = input.shutdown().await;
        let drained = (&mut drain)
            .await
            .map_err(|e| format!("the output task failed: {e}"));
        (fed, feed_error, drained)
    })
    .await;
    let Ok((fed, feed_error, drained)) = finished else {
        let left = end_or_say(job.docker, job.container, &pid, "restore").await;
        drop(input);
        drain.abort();
        return Err(format!("{}{left}", timeout_reason("restore", job.timeout)));
    };
    drop(input);
    let (stderr, broken) = drained?;
    if let Some(e) = broken {
        return Err(format!(
            "the connection to the engine broke during the restore ({e})"
        ));
    }
    let code = exit.code().await?;
    let why = stderr.text();
    match (code, feed_error) {
        (0, None) => Ok(fed),
        (code, feed) => Err(format!(
            "the restore failed (exit code {code}){}{}",
            feed.map(|f| format!("; {f}")).unwrap_or_default(),
            if why.is_empty() {
                String::new()
            } else {
                format!(": {why}")
            }
        )),
    }
}
