//! Running a dump or a restore inside the database container through the engine's exec API.
//! No TTY, so stdout and stderr arrive apart: stdout is the dump (or is drained), stderr is
//! kept for the report. The exit code is read from the engine after the stream ends.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bosun_frontend::model::{Compression, DbEngine};
use bytes::Bytes;
use futures::StreamExt;
use tokio::io::AsyncWriteExt;

use super::command::{ExecSpec, abort_input, has_trailer, server_version, trailer};
use super::sink::{Sink, Written};
use crate::docker::Engine;
use crate::docker::exec::{Attached, Command, attach};
use crate::docker::output::Frame;

/// Enough for the commented roles ahead of pg_dump's own header.
const HEAD: usize = 64 * 1024;
const TAIL: usize = 512;
const STDERR_KEEP: usize = 2 * 1024;
const CHUNK: usize = 256 * 1024;

/// The first bytes of a stream, for a report.
#[derive(Default)]
struct Excerpt(Vec<u8>);

impl Excerpt {
    fn push(&mut self, bytes: &[u8]) {
        let room = STDERR_KEEP.saturating_sub(self.0.len());
        self.0.extend_from_slice(&bytes[..room.min(bytes.len())]);
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" | ")
    }
}

/// A good dump, written and durable under its final name.
#[derive(Debug)]
pub struct Dumped {
    pub dump_bytes: u64,
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
    if e.raw_os_error() == Some(28) {
        format!(
            "the disk holding {} filled up ({e}). Free some space there (or point --backup-dir elsewhere), then back up again.",
            dir.display()
        )
    } else {
        format!("writing the backup file failed: {e}")
    }
}

/// Runs the dump and streams its stdout into `sink`. Returns the reason when anything went
/// wrong; the sink (and its partial file) is then dropped, so no file remains.
pub async fn dump(
    docker: &Engine,
    container: &str,
    engine: DbEngine,
    spec: ExecSpec,
    sink: Sink,
    final_path: PathBuf,
    bytes: Arc<AtomicU64>,
) -> Result<Dumped, String> {
    let dir = final_path.parent().map(Path::to_owned).unwrap_or_default();
    let Attached {
        mut output, exit, ..
    } = attach(docker, container, command(spec, false)).await?;

    let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(32);
    let writer = tokio::task::spawn_blocking(move || {
        let mut sink = sink;
        while let Some(chunk) = rx.blocking_recv() {
            sink.write(&chunk)?;
        }
        let written = sink.finish()?;
        Ok((sink, written))
    });

    let mut head = Vec::with_capacity(HEAD);
    let mut tail: Vec<u8> = Vec::with_capacity(2 * TAIL);
    let mut stderr = Excerpt::default();
    let mut stream_error = None;
    let mut total = 0u64;
    while let Some(item) = output.next().await {
        match item {
            Ok(Frame::Stdout(message)) => {
                total += message.len() as u64;
                bytes.store(total, Ordering::Relaxed);
                if head.len() < HEAD {
                    let room = HEAD - head.len();
                    head.extend_from_slice(&message[..room.min(message.len())]);
                }
                tail.extend_from_slice(&message[message.len().saturating_sub(TAIL)..]);
                if tail.len() > TAIL {
                    tail.drain(..tail.len() - TAIL);
                }
                if tx.send(message).await.is_err() {
                    break;
                }
            }
            Ok(Frame::Stderr(message)) => stderr.push(&message),
            Err(e) => {
                stream_error = Some(e.to_string());
                break;
            }
        }
    }
    drop(tx);
    drop(output);
    let written = writer
        .await
        .map_err(|e| format!("the compression task failed: {e}"))?;
    let (sink, written) = written.map_err(|e| write_error(&e, &dir))?;
    if let Some(e) = stream_error {
        return Err(format!(
            "the connection to the engine broke during the dump ({e}); after {total} bytes. Check that the database container and the engine are up, then back up again."
        ));
    }
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
    if !has_trailer(engine, &tail) {
        return Err(format!(
            "the dump ended without its completion line “{}” after {total} bytes, so it is incomplete",
            trailer(engine)
        ));
    }
    let publish_path = final_path.clone();
    tokio::task::spawn_blocking(move || sink.publish(&publish_path))
        .await
        .map_err(|e| format!("the rename task failed: {e}"))?
        .map_err(|e| write_error(&e, &dir))?;
    Ok(Dumped {
        dump_bytes: total,
        written,
        server_version: server_version(engine, &head),
    })
}

/// Streams the decompressed `file` into the restore command's stdin. Returns the bytes fed.
pub async fn restore(
    docker: &Engine,
    container: &str,
    engine: DbEngine,
    spec: ExecSpec,
    file: PathBuf,
    compression: Compression,
    bytes: Arc<AtomicU64>,
) -> Result<u64, String> {
    let Attached {
        mut output,
        mut input,
        exit,
    } = attach(docker, container, command(spec, true)).await?;
    // Drain the output concurrently, or a chatty client could block on a full pipe.
    let drain = tokio::spawn(async move {
        let mut stderr = Excerpt::default();
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
    let reader = tokio::task::spawn_blocking(move || {
        let opened = std::fs::File::open(&file).and_then(|f| {
            let f = std::io::BufReader::new(f);
            Ok::<Box<dyn Read>, std::io::Error>(match compression {
                Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(f)),
                Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(f)?),
            })
        });
        let mut plain = match opened {
            Ok(r) => r,
            Err(e) => {
                let _ = tx.blocking_send(Err(e));
                return;
            }
        };
        loop {
            let mut buf = vec![0u8; CHUNK];
            match plain.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => {
                    buf.truncate(n);
                    if tx.blocking_send(Ok(Bytes::from(buf))).is_err() {
                        return;
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            }
        }
    });

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
    drop(input);
    let (stderr, broken) = drain
        .await
        .map_err(|e| format!("the output task failed: {e}"))?;
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
