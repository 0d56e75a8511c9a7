//! The Docker engine going away and coming back, in the audit log: after an outage the log
//! says when bosun lost the engine (and why) and when it had it again, next to the jobs that
//! failed meanwhile.

use bosun_frontend::model::{AuditOutcome, EngineStatus};
use tokio::sync::watch;

use super::{AuditService, Owner};

const TARGET: &str = "Docker engine";

/// What to record for a change from `was_connected` to `now`, if anything. The first
/// connection at start-up is not news; a loss is, and so is the return after one.
fn transition(was_connected: bool, lost_before: bool, now: &EngineStatus) -> Option<Entry> {
    match (was_connected, now.connected) {
        (true, false) => Some(Entry {
            action: "engine.disconnected",
            outcome: AuditOutcome::Failed,
            detail: now.error.clone(),
        }),
        (false, true) if lost_before => Some(Entry {
            action: "engine.reconnected",
            outcome: AuditOutcome::Ok,
            detail: now.version.as_ref().map(|v| format!("Docker {v}")),
        }),
        _ => None,
    }
}

#[derive(Debug, PartialEq)]
struct Entry {
    action: &'static str,
    outcome: AuditOutcome,
    detail: Option<String>,
}

/// Runs for as long as bosun does.
pub async fn watch(audit: AuditService, mut status: watch::Receiver<EngineStatus>) {
    let owner = Owner::system("engine");
    let mut connected = false;
    let mut lost = false;
    loop {
        let now = status.borrow_and_update().clone();
        if let Some(e) = transition(connected, lost, &now) {
            lost |= !now.connected;
            audit
                .record(owner.who(), e.action, TARGET, e.outcome, e.detail)
                .await;
        }
        connected = now.connected;
        if status.changed().await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(connected: bool) -> EngineStatus {
        EngineStatus {
            connected,
            version: connected.then(|| "20.10.24".to_owned()),
            api_version: None,
            error: (!connected).then(|| "connection refused".to_owned()),
            since: String::new(),
        }
    }

    #[test]
    fn losses_and_returns_are_recorded_but_not_the_first_connection() {
        assert_eq!(transition(false, false, &status(true)), None);
        assert_eq!(transition(false, false, &status(false)), None);
        assert_eq!(transition(true, false, &status(true)), None);
        let lost = transition(true, false, &status(false)).unwrap();
        assert_eq!(lost.action, "engine.disconnected");
        assert_eq!(lost.outcome, AuditOutcome::Failed);
        assert_eq!(lost.detail.as_deref(), Some("connection refused"));
        let back = transition(false, true, &status(true)).unwrap();
        assert_eq!(back.action, "engine.reconnected");
        assert_eq!(back.detail.as_deref(), Some("Docker 20.10.24"));
    }
}
