//! Containers that die with an error, are OOM-killed or turn unhealthy, from the engine's
//! events. A container stopped or killed on purpose (by bosun, compose or docker) is not news.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bosun_frontend::model::NotifyEvent;
use tokio::sync::broadcast::error::RecvError;

use super::{Notification, Notifier, Severity};
use crate::docker::Engine;
use crate::docker::monitor::Lifecycle;
use crate::docker::record::{NUMBER, PROJECT, SERVICE};

/// A `die` this soon after a `kill`/`stop` of the same container was asked for.
const ON_PURPOSE: Duration = Duration::from_secs(30);
/// At most one notification per container and kind in this time (restart loops).
const QUIET: Duration = Duration::from_secs(600);
pub const OPT_OUT_LABEL: &str = "bosun.notify";

fn who(ev: &Lifecycle) -> String {
    match (
        ev.labels.get(PROJECT),
        ev.labels.get(SERVICE),
        ev.labels.get(NUMBER),
    ) {
        (Some(p), Some(s), Some(n)) => format!("{p}/{s} #{n} ({})", ev.name),
        _ => ev.name.clone(),
    }
}

/// What to say about an event, given whether a stop was asked for just before.
pub fn judge(ev: &Lifecycle, stopped_on_purpose: bool) -> Option<Notification> {
    if ev.labels.get(OPT_OUT_LABEL).is_some_and(|v| v == "false") {
        return None;
    }
    let who = who(ev);
    let details = serde_json::json!({
        "container": ev.name,
        "id": ev.id,
        "project": ev.labels.get(PROJECT),
        "service": ev.labels.get(SERVICE),
        "exit_code": ev.exit_code,
    });
    match ev.action.as_str() {
        "oom" => Some(Notification::new(
            NotifyEvent::ContainerDied,
            Severity::Critical,
            format!("{who} ran out of memory"),
            format!(
                "The kernel killed {who} for using more memory than it may (OOM). Raise its memory limit or find the leak; its logs are on bosun's Logs page."
            ),
            details,
        )),
        "die" if !stopped_on_purpose && ev.exit_code.is_some_and(|c| c != 0) => {
            let code = ev.exit_code.unwrap_or_default();
            Some(Notification::new(
                NotifyEvent::ContainerDied,
                Severity::Critical,
                format!("{who} died (exit code {code})"),
                format!(
                    "{who} stopped by itself with exit code {code}. Its last log lines are on bosun's Logs page."
                ),
                details,
            ))
        }
        a if a.starts_with("health_status") && a.ends_with("unhealthy") => Some(Notification::new(
            NotifyEvent::ContainerUnhealthy,
            Severity::Warning,
            format!("{who} is unhealthy"),
            format!(
                "{who}'s health check fails. It is still running; see its logs on bosun's Logs page."
            ),
            details,
        )),
        _ => None,
    }
}

/// Runs for as long as bosun does.
pub async fn watch(notifier: Notifier, engine: Engine) {
    let mut rx = engine.lifecycle();
    let mut stopped: HashMap<String, Instant> = HashMap::new();
    let mut sent: HashMap<(String, NotifyEvent), Instant> = HashMap::new();
    loop {
        let ev = match rx.recv().await {
            Ok(ev) => ev,
            Err(RecvError::Lagged(n)) => {
                tracing::warn!(
                    missed = n,
                    "container events came faster than notifications; some were skipped"
                );
                continue;
            }
            Err(RecvError::Closed) => return,
        };
        let now = Instant::now();
        stopped.retain(|_, t| now.duration_since(*t) < ON_PURPOSE);
        sent.retain(|_, t| now.duration_since(*t) < QUIET);
        if matches!(ev.action.as_str(), "kill" | "stop") {
            stopped.insert(ev.id.clone(), now);
            continue;
        }
        let Some(n) = judge(&ev, stopped.contains_key(&ev.id)) else {
            continue;
        };
        let key = (ev.id.clone(), n.event);
        if sent.contains_key(&key) {
            continue;
        }
        sent.insert(key, now);
        notifier.send(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(action: &str, code: Option<i64>, labels: &[(&str, &str)]) -> Lifecycle {
        Lifecycle {
            id: "abc".into(),
            name: "p_web_1".into(),
            action: action.into(),
            exit_code: code,
            labels: labels
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect(),
        }
    }

    #[test]
    fn only_unplanned_deaths_ooms_and_bad_health_are_news() {
        let compose = [(PROJECT, "p"), (SERVICE, "web"), (NUMBER, "1")];
        let n = judge(&ev("die", Some(1), &compose), false).unwrap();
        assert_eq!(n.event, NotifyEvent::ContainerDied);
        assert_eq!(n.title, "p/web #1 (p_web_1) died (exit code 1)");
        assert!(
            judge(&ev("die", Some(137), &[]), true).is_none(),
            "stopped on purpose"
        );
        assert!(
            judge(&ev("die", Some(0), &[]), false).is_none(),
            "a clean exit"
        );
        assert_eq!(
            judge(&ev("oom", None, &[]), true).unwrap().severity,
            Severity::Critical
        );
        assert_eq!(
            judge(&ev("health_status: unhealthy", None, &[]), false)
                .unwrap()
                .event,
            NotifyEvent::ContainerUnhealthy
        );
        assert!(judge(&ev("health_status: healthy", None, &[]), false).is_none());
        assert!(judge(&ev("die", Some(1), &[(OPT_OUT_LABEL, "false")]), false).is_none());
    }
}
