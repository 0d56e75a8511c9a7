//! Ending a job's process inside the database container when bosun stops waiting for it (it
//! ran past the backup timeout, or the disk is running out): a fixed script sends INT, then
//! TERM, then KILL to the announced pid, which it takes as an argument (never a shell line
//! built from a value). pg_dump and psql cancel their query on INT, so the server session and
//! its locks end with them. Also: the backups a stopped bosun left running, marked
//! interrupted at start.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use super::Owner;
use super::stderr::Pid;
use crate::docker::Engine;

/// `$1` is the pid. Each signal gets 5 s to work; exit 1 if the process outlives KILL.
const SCRIPT: &str = r#"p="$1"
for s in INT TERM KILL; do
  kill -s "$s" "$p" 2>/dev/null || exit 0
  i=0
  while [ "$i" -lt 20 ] && kill -0 "$p" 2>/dev/null; do sleep 0.25; i=$((i+1)); done
done
! kill -0 "$p" 2>/dev/null"#;

/// How long the script may take in all (three signals of 5 s, and the engine's overhead).
const LIMIT: Duration = Duration::from_secs(30);

/// The argument list that ends `pid`.
fn argv(pid: u32) -> Vec<String> {
    vec![
        "sh".into(),
        "-c".into(),
        SCRIPT.into(),
        "bosun-stop".into(),
        pid.to_string(),
    ]
}

/// Ends the job's process in `container`. The error says why it may still run.
pub async fn end(engine: &Engine, container: &str, pid: &Pid) -> Result<(), String> {
    let Some(pid) = pid.get() else {
        return Err("its process id inside the container was never announced".into());
    };
    let done = crate::docker::reload::run(engine, container, &argv(pid), 512, LIMIT).await?;
    if done.code == 0 {
        Ok(())
    } else {
        Err(format!(
            "process {pid} was still running after SIGKILL{}",
            if done.output.is_empty() {
                String::new()
            } else {
                format!(" ({})", done.output)
            }
        ))
    }
}

/// Ends the job's process and says, for the failure's reason, when that did not work: a dump
/// left running may hold locks, so the user needs to know.
pub async fn end_or_say(engine: &Engine, container: &str, pid: &Pid, what: &str) -> String {
    match end(engine, container, pid).await {
        Ok(()) => String::new(),
        Err(e) => {
            tracing::warn!(container, error = %e, "could not end a stopped {what} inside its container");
            format!(
                " bosun could not end the {what} inside the container ({e}): look for a leftover {what} process there (`docker top`) and end it."
            )
        }
    }
}

/// Why a job that ran too long failed, and what to do.
pub fn timeout_reason(what: &str, limit: Duration) -> String {
    format!(
        "the {what} ran longer than the backup timeout of {} (--backup-timeout / BOSUN_BACKUP_TIMEOUT) and was stopped. If the database is really this big, raise BOSUN_BACKUP_TIMEOUT; otherwise look for what holds it up (a session holding locks on its tables, a slow disk), then try again.",
        humantime::format_duration(limit)
    )
}

impl super::BackupService {
    /// Backups a stopped bosun left running are failed backups: marked interrupted, audited
    /// and notified like any other failure.
    pub(super) async fn mark_interrupted(&self) {
        let now = self.inner.clock.now_ms();
        match self.inner.store.interrupt_running_backups(now).await {
            Ok(rows) => {
                for row in rows {
                    let owner = Owner {
                        username: row.actor.clone(),
                        client: IpAddr::V4(Ipv4Addr::LOCALHOST),
                        request_id: "startup".into(),
                    };
                    self.inner
                        .audit
                        .record(
                            owner.who(),
                            "backup.create",
                            &format!("{}/{} #{}", row.project, row.service, row.id),
                            bosun_frontend::model::AuditOutcome::Failed,
                            row.reason.clone(),
                        )
                        .await;
                    // A backup cut off by a crash is a failed backup: the same news as any other.
                    let reason = row.reason.clone().unwrap_or_default();
                    self.inner.notifier.send(crate::notify::Notification::new(
                    bosun_frontend::model::NotifyEvent::BackupFailed,
                    crate::notify::Severity::Critical,
                    format!("Backup of {}/{} was interrupted", row.project, row.service),
                    format!("Backup #{} of {}/{} (database {}, started by {}) did not finish: {reason}", row.id, row.project, row.service, row.database, row.actor),
                    serde_json::json!({"backup_id": row.id, "project": row.project, "service": row.service, "database": row.database, "reason": reason, "interrupted": true}),
                ));
                }
            }
            Err(e) => tracing::error!(error = %e, "could not mark interrupted backups"),
        }
        match self.inner.store.interrupt_running_sets(now).await {
            Ok(sets) => {
                for set in sets {
                    self.inner
                        .audit
                        .record(
                            Owner::system(&set.actor).who(),
                            "backup.set",
                            &format!("{} set #{}", set.project, set.id),
                            bosun_frontend::model::AuditOutcome::Failed,
                            set.reason.clone(),
                        )
                        .await;
                }
            }
            Err(e) => tracing::error!(error = %e, "could not mark interrupted backup sets"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pid_is_an_argument_not_part_of_the_script() {
        let a = argv(4242);
        assert_eq!(a[..2], ["sh", "-c"]);
        assert!(!a[2].contains("4242"));
        assert_eq!(a[4], "4242");
        // INT first (pg_dump and psql then cancel their query), KILL last.
        let order: Vec<usize> = ["INT", "TERM", "KILL"]
            .iter()
            .filter_map(|s| a[2].find(s))
            .collect();
        assert!(order.len() == 3 && order.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn the_timeout_reason_names_the_setting_and_the_limit() {
        let r = timeout_reason("dump", Duration::from_secs(6 * 3600));
        assert!(
            r.contains("BOSUN_BACKUP_TIMEOUT") && r.contains("6h"),
            "{r}"
        );
        assert!(r.starts_with("the dump ran longer"));
    }
}
