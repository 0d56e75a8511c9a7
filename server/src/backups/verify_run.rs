//! The middle of a verification: wait for the throwaway server, create the dump's roles
//! (PostgreSQL), restore the file with the client path a real restore uses, count every
//! table's rows and compare them with the source's.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use bosun_frontend::model::DbEngine;
use futures::StreamExt;
use tokio::io::AsyncWriteExt;

use super::plain::Source;
use super::tally::Figures;
use super::verify::Found;
use super::{BackupService, command, exec, probe};
use crate::docker::exec::{Command, attach};
use crate::docker::output::Frame;
use crate::docker::throwaway::Throwaway;
use crate::store::backups::BackupRow;

/// How long a fresh server may take to accept connections.
const STARTUP: Duration = Duration::from_secs(180);
/// How much of the dump's start is read for PostgreSQL's roles.
const HEAD: usize = 256 * 1024;

impl BackupService {
    pub(super) async fn restore_and_count(
        &self,
        box_: &Throwaway,
        row: &BackupRow,
        server: &probe::Server,
        file: &Source,
        source: &Figures,
    ) -> Result<Found, String> {
        let engine = row.engine();
        let ready = probe::ready(engine, server, &row.database);
        let deadline = Instant::now() + STARTUP;
        loop {
            if run(self, &box_.id, &ready.argv, &ready.env, None)
                .await
                .is_ok_and(|r| r.0 == 0)
            {
                break;
            }
            if !box_.running().await {
                return Err(format!(
                    "the throwaway server from the database's image stopped before it accepted connections: {}",
                    box_.last_lines(10).await
                ));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "the throwaway server did not accept connections within {} s",
                    STARTUP.as_secs()
                ));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        if engine == DbEngine::Postgres {
            let head = read_head(file.clone()).await?;
            let roles = probe::pg_roles(&head);
            if !roles.is_empty() {
                let psql = vec![
                    "psql".into(),
                    "--no-password".into(),
                    "--no-psqlrc".into(),
                    "--quiet".into(),
                ];
                // Roles that exist already (the server's own user) fail alone; that is fine.
                let _ = run(self, &box_.id, &psql, &ready.env, Some(roles.into_bytes())).await;
            }
        }
        let job = exec::Job {
            docker: &self.inner.engine,
            container: &box_.id,
            engine,
            bytes: Arc::new(AtomicU64::new(0)),
            timeout: self.inner.timeout,
        };
        let spec = command::restore(engine, &server.user, &row.database, Some(&server.secret));
        exec::restore(job, spec, file.clone()).await?;
        let count = probe::count(engine, server, &row.database);
        let (code, out, err) = run(self, &box_.id, &count.argv, &count.env, None).await?;
        if code != 0 {
            return Err(format!(
                "counting the restored rows failed (exit code {code}): {}",
                err.trim()
            ));
        }
        let restored = probe::parse_counts(&out)?;
        probe::compare(source, &restored)?;
        Ok(Found {
            tables: restored.len() as u64,
            rows: restored.values().sum(),
        })
    }
}

/// Runs `argv` in the throwaway server, with `input` on stdin; its exit code, stdout, stderr.
async fn run(
    service: &BackupService,
    container: &str,
    argv: &[String],
    env: &[String],
    input: Option<Vec<u8>>,
) -> Result<(i64, String, String), String> {
    let command = Command {
        argv: argv.to_vec(),
        env: env.to_vec(),
        stdin: input.is_some(),
    };
    let mut attached = attach(&service.inner.engine, container, command).await?;
    if let Some(bytes) = input {
        let _ = attached.input.write_all(&bytes).await;
    }
    let _ = attached.input.shutdown().await;
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let collect = async {
        while let Some(frame) = attached.output.next().await {
            match frame {
                Ok(Frame::Stdout(b)) if out.len() < 16 << 20 => out.extend_from_slice(&b),
                Ok(Frame::Stderr(b)) if err.len() < 64 << 10 => err.extend_from_slice(&b),
                Ok(_) => {}
                Err(e) => return Err(format!("the connection to the engine broke: {e}")),
            }
        }
        Ok(())
    };
    tokio::time::timeout(Duration::from_secs(600), collect)
        .await
        .map_err(|_| "a command in the throwaway server ran for 10 minutes".to_owned())??;
    let code = attached.exit.code().await?;
    Ok((
        code,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    ))
}

/// The first bytes of the backup, decompressed.
async fn read_head(file: Source) -> Result<Vec<u8>, String> {
    tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let mut head = Vec::new();
        file.open()
            .and_then(|r| r.take(HEAD as u64).read_to_end(&mut head))
            .map_err(|e| format!("could not read the backup file: {e}"))?;
        Ok(head)
    })
    .await
    .map_err(|e| e.to_string())?
}
