//! The health gate a new container passes before its old one goes: healthy within the
//! service's own health-check budget; or, without a health check, running and never restarted
//! for the service's wait (`bosun.update.wait`, 10 s by default).

use std::time::Duration;

use bosun_frontend::model::{ContainerState, Health};

use super::{DEFAULT_WAIT, WAIT_LABEL};
use crate::docker::Engine;
use crate::docker::containers;
use crate::docker::record::Record;

/// How often the new container is looked at during the gate.
const LOOK_EVERY: Duration = Duration::from_millis(250);

/// What the gate waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    /// Healthy within this long.
    Healthy(Duration),
    /// Running, with no restart, for this long.
    Running(Duration),
}

impl Gate {
    pub fn of(budget: Option<Duration>, wait: Duration) -> Gate {
        budget.map_or(Gate::Running(wait), Gate::Healthy)
    }
}

/// The wait a service sets with `bosun.update.wait` (`30s`, `2m`; 1 s to 10 min), else 10 s.
pub fn wait_of(r: &Record) -> Result<Duration, String> {
    let Some(raw) = r.label(WAIT_LABEL) else {
        return Ok(DEFAULT_WAIT);
    };
    let d = humantime::parse_duration(raw.trim()).map_err(|e| {
        format!("its label {WAIT_LABEL}={raw:?} is not a duration ({e}); write e.g. 10s or 2m")
    })?;
    if d < Duration::from_secs(1) || d > Duration::from_secs(600) {
        return Err(format!(
            "its label {WAIT_LABEL}={raw:?} is outside 1s to 10m"
        ));
    }
    Ok(d)
}

/// What one look at the new container says.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Passed(String),
    Failed(String),
    Waiting,
}

/// Judges one look, `waited` into the gate.
pub fn judge(gate: Gate, r: &Record, waited: Duration) -> Verdict {
    if !r.is_running() || r.state == ContainerState::Restarting {
        let code = r
            .exit_code
            .map(|c| format!(" with code {c}"))
            .unwrap_or_default();
        let oom = if r.oom_killed { " (out of memory)" } else { "" };
        return Verdict::Failed(format!("the new container exited{code}{oom}"));
    }
    if r.restart_count > 0 {
        return Verdict::Failed(format!(
            "the new container restarted {} time(s)",
            r.restart_count
        ));
    }
    match gate {
        Gate::Healthy(budget) => match r.health {
            Some(Health::Healthy) => {
                Verdict::Passed(format!("healthy after {:.1} s", waited.as_secs_f64()))
            }
            Some(Health::Unhealthy) => Verdict::Failed("the new container turned unhealthy".into()),
            _ if waited >= budget => Verdict::Failed(format!(
                "the new container was not healthy within its health check's budget ({} s)",
                budget.as_secs()
            )),
            _ => Verdict::Waiting,
        },
        Gate::Running(wait) if waited >= wait => Verdict::Passed(format!(
            "running without a restart for {} s",
            wait.as_secs()
        )),
        Gate::Running(_) => Verdict::Waiting,
    }
}

/// Watches container `id` until the gate passes or fails.
pub async fn pass(engine: &Engine, id: &str, gate: Gate) -> Result<String, String> {
    let started = tokio::time::Instant::now();
    loop {
        let waited = started.elapsed();
        let record = containers::inspect(engine, id)
            .await
            .map_err(|e| format!("the new container could not be read: {e}"))?;
        match judge(gate, &record, waited) {
            Verdict::Passed(how) => return Ok(how),
            Verdict::Failed(why) => return Err(why),
            Verdict::Waiting => tokio::time::sleep(LOOK_EVERY).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running() -> Record {
        Record::running("web", "demo", &[], &[])
    }

    #[test]
    fn without_a_health_check_the_container_must_keep_running() {
        let gate = Gate::Running(Duration::from_secs(10));
        let r = running();
        assert_eq!(judge(gate, &r, Duration::from_secs(3)), Verdict::Waiting);
        assert!(matches!(
            judge(gate, &r, Duration::from_secs(10)),
            Verdict::Passed(_)
        ));
        let mut restarted = running();
        restarted.restart_count = 1;
        assert!(
            matches!(judge(gate, &restarted, Duration::from_secs(1)), Verdict::Failed(w) if w.contains("restarted"))
        );
        let mut exited = running();
        exited.state = ContainerState::Exited;
        exited.exit_code = Some(1);
        assert_eq!(
            judge(gate, &exited, Duration::from_secs(1)),
            Verdict::Failed("the new container exited with code 1".into())
        );
    }

    #[test]
    fn with_a_health_check_it_must_turn_healthy_in_time() {
        let gate = Gate::Healthy(Duration::from_secs(20));
        let mut r = running();
        r.health = Some(Health::Starting);
        assert_eq!(judge(gate, &r, Duration::from_secs(5)), Verdict::Waiting);
        assert!(
            matches!(judge(gate, &r, Duration::from_secs(20)), Verdict::Failed(w) if w.contains("within"))
        );
        r.health = Some(Health::Unhealthy);
        assert!(
            matches!(judge(gate, &r, Duration::from_secs(1)), Verdict::Failed(w) if w.contains("unhealthy"))
        );
        r.health = Some(Health::Healthy);
        assert!(matches!(
            judge(gate, &r, Duration::from_secs(1)),
            Verdict::Passed(_)
        ));
    }

    #[test]
    fn the_wait_label_is_a_bounded_duration() {
        let with = |v: &str| Record::running("web", "demo", &[(WAIT_LABEL, v)], &[]);
        assert_eq!(wait_of(&running()), Ok(DEFAULT_WAIT));
        assert_eq!(wait_of(&with("30s")), Ok(Duration::from_secs(30)));
        assert!(
            wait_of(&with("soon"))
                .unwrap_err()
                .contains("not a duration")
        );
        assert!(wait_of(&with("2h")).is_err());
    }
}
