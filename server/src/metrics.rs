//! bosun's own metrics, in the Prometheus text format (`GET /metrics`): the engine streams it
//! holds open by kind, the people connected, the work running by kind, how audited actions
//! ended since start, and the catalogued backups, runbook runs and updates by status. Every
//! figure is read when scraped; only the audit counts are kept for it.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::busy::{Busy, Work};
use crate::store::counts::StatusCount;

/// The content type of what `render` writes.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Every kind of work, for a zero when none runs (so a graph has no gaps).
const WORK: [Work; 11] = [
    Work::Start,
    Work::Stop,
    Work::Restart,
    Work::Scale,
    Work::Backup,
    Work::Restore,
    Work::Renewal,
    Work::Reload,
    Work::Task,
    Work::Update,
    Work::Hook,
];

fn work_label(work: Work) -> &'static str {
    match work {
        Work::Start => "start",
        Work::Stop => "stop",
        Work::Restart => "restart",
        Work::Scale => "scale",
        Work::Backup => "backup",
        Work::Restore => "restore",
        Work::Renewal => "renewal",
        Work::Reload => "reload",
        Work::Task => "task",
        Work::Update => "update",
        Work::Hook => "hook",
    }
}

/// What a scrape reports, gathered from the running services.
#[derive(Clone, Debug, Default)]
pub struct Figures {
    pub engine_connected: bool,
    /// Engine streams open now: the events stream, one log stream per followed container,
    /// one stats stream per sampled container, one exec stream per open terminal.
    pub engine_streams: Vec<(&'static str, u64)>,
    /// Live views (event streams) open, and the sign-ins and tokens holding them.
    pub live_views: u64,
    pub viewer_credentials: u64,
    pub log_followers: u64,
    pub stats_watchers: u64,
    /// Work running now, by kind.
    pub running: Vec<(&'static str, u64)>,
    /// Audit records since start: (action, outcome) and how many.
    pub audited: Vec<((String, &'static str), u64)>,
    pub catalogue: Vec<StatusCount>,
    pub failing_certificates: i64,
}

/// The work running now by kind, every kind listed.
pub fn running(busy: &Busy) -> Vec<(&'static str, u64)> {
    WORK.iter()
        .map(|w| (work_label(*w), busy.of(*w).len() as u64))
        .collect()
}

type Labels = Vec<(&'static str, String)>;

fn gauge(registry: &mut Registry, name: &str, help: &str, value: i64) {
    let g = Gauge::<i64>::default();
    g.set(value);
    registry.register(name, help, g);
}

fn family(registry: &mut Registry, name: &str, help: &str, rows: &[(Labels, i64)]) {
    let f = Family::<Labels, Gauge>::default();
    for (labels, v) in rows {
        f.get_or_create(labels).set(*v);
    }
    registry.register(name, help, f);
}

fn int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The figures as Prometheus (OpenMetrics) text.
pub fn render(f: &Figures) -> Result<String, std::fmt::Error> {
    let mut r = Registry::with_prefix("bosun");
    gauge(
        &mut r,
        "engine_connected",
        "Whether bosun reaches the Docker engine (1) or not (0).",
        i64::from(f.engine_connected),
    );
    let by_kind = |rows: &[(&'static str, u64)]| -> Vec<(Labels, i64)> {
        rows.iter()
            .map(|(k, n)| (vec![("kind", (*k).to_owned())], int(*n)))
            .collect()
    };
    family(
        &mut r,
        "engine_streams",
        "Engine streams bosun holds open now, by kind (one log stream per followed container, whatever the number of followers).",
        &by_kind(&f.engine_streams),
    );
    gauge(
        &mut r,
        "live_views",
        "Live views (server-sent event streams) open now.",
        int(f.live_views),
    );
    gauge(
        &mut r,
        "viewer_credentials",
        "Sign-ins and API tokens holding live views open now.",
        int(f.viewer_credentials),
    );
    gauge(
        &mut r,
        "log_followers",
        "Log followers now, over every followed container.",
        int(f.log_followers),
    );
    gauge(
        &mut r,
        "stats_watchers",
        "Live views of container CPU and memory now.",
        int(f.stats_watchers),
    );
    family(
        &mut r,
        "jobs_running",
        "Work running now, by kind.",
        &by_kind(&f.running),
    );
    let audited = Family::<Labels, Counter>::default();
    for ((action, outcome), n) in &f.audited {
        audited
            .get_or_create(&vec![
                ("action", action.clone()),
                ("outcome", (*outcome).to_owned()),
            ])
            .inc_by(*n);
    }
    r.register(
        "audit_events",
        "Audited actions since bosun started, by action and outcome (backup.create, backup.restore, certificate.renew, task.run, service.update, …).",
        audited,
    );
    let catalogue: Vec<(Labels, i64)> = f
        .catalogue
        .iter()
        .map(|c| {
            (
                vec![("kind", c.kind.to_owned()), ("status", c.status.clone())],
                c.count,
            )
        })
        .collect();
    family(
        &mut r,
        "catalogue_runs",
        "Backups, runbook runs and image updates in bosun's catalogue, by status.",
        &catalogue,
    );
    gauge(
        &mut r,
        "certificates_failing",
        "Certificates whose last renewal failed.",
        f.failing_certificates,
    );
    let mut out = String::new();
    encode(&mut out, &r)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_family_with_its_labels() {
        let f = Figures {
            engine_connected: true,
            engine_streams: vec![("events", 1), ("logs", 2)],
            live_views: 5,
            viewer_credentials: 2,
            log_followers: 7,
            stats_watchers: 1,
            running: running(&Busy::default()),
            audited: vec![(("backup.create".into(), "failed"), 3)],
            catalogue: vec![StatusCount {
                kind: "backup",
                status: "ok".into(),
                count: 4,
            }],
            failing_certificates: 0,
        };
        let text = render(&f).unwrap();
        for line in [
            "bosun_engine_connected 1",
            "bosun_engine_streams{kind=\"logs\"} 2",
            "bosun_live_views 5",
            "bosun_log_followers 7",
            "bosun_jobs_running{kind=\"restore\"} 0",
            "bosun_audit_events_total{action=\"backup.create\",outcome=\"failed\"} 3",
            "bosun_catalogue_runs{kind=\"backup\",status=\"ok\"} 4",
            "bosun_certificates_failing 0",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
        }
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn every_kind_of_work_has_its_own_label() {
        let labels: std::collections::BTreeSet<_> = WORK.iter().map(|w| work_label(*w)).collect();
        assert_eq!(labels.len(), WORK.len());
    }
}
