//! What needs attention on this host, first: the counts of projects, services and containers
//! by state, and the problems, each with the page where it is fixed. Worked out here from the
//! views the other pages show (containers, backups, certificates), so every page agrees.

use serde::{Deserialize, Serialize};

/// Counts for the line at the top of the home page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Counts {
    pub projects: u32,
    pub services: u32,
    pub running: u32,
    pub stopped: u32,
    pub unhealthy: u32,
    pub restarting: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    Warning,
}

/// One problem, and where to fix it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AttentionItem {
    pub severity: Severity,
    /// `container`, `backup`, `certificate` or `engine`.
    pub kind: String,
    pub title: String,
    pub detail: String,
    /// The page where it is fixed.
    pub href: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AttentionView {
    pub counts: Counts,
    /// Most severe first; empty when all is well.
    pub items: Vec<AttentionItem>,
    /// When this was worked out (RFC 3339).
    pub checked_at: String,
}

/// Worked out on the server only: none of it goes into the wasm bundle.
#[cfg(feature = "ssr")]
pub use compute::{NO_GOOD_BACKUP_DAYS, from_backups, from_certs, from_overview, view};

#[cfg(feature = "ssr")]
mod compute {
    use super::{AttentionItem, AttentionView, Counts, Severity};
    use crate::model::backup::BackupStatus;
    use crate::model::backup_view::BackupsView;
    use crate::model::cert::{CertificatesView, Urgency};
    use crate::model::services::{ContainerDto, ContainerState, Health, Overview};

    /// A database without a good backup for this long needs one.
    pub const NO_GOOD_BACKUP_DAYS: i64 = 7;

    fn item(
        severity: Severity,
        kind: &str,
        title: String,
        detail: String,
        href: String,
    ) -> AttentionItem {
        AttentionItem {
            severity,
            kind: kind.to_owned(),
            title,
            detail,
            href,
        }
    }

    /// The container's problem, if it has one: exited with an error, OOM-killed, unhealthy or
    /// restarting. A container stopped on purpose (exit code 0, or stopped by a signal bosun or
    /// compose sent) is not a problem.
    fn container_problem(c: &ContainerDto) -> Option<AttentionItem> {
        let href = format!("/containers/{}", c.id);
        let name = c.name.clone();
        if c.oom_killed {
            return Some(item(
                Severity::Critical,
                "container",
                format!("{name} was killed: out of memory"),
                "Raise its memory limit, or find what grew.".into(),
                href,
            ));
        }
        match c.state {
            ContainerState::Restarting => Some(item(
                Severity::Critical,
                "container",
                format!("{name} keeps restarting"),
                format!("Restarted {} times. Read its logs.", c.restart_count),
                href,
            )),
            ContainerState::Exited | ContainerState::Dead => match c.exit_code {
                // 143 and 137: stopped by SIGTERM/SIGKILL, as `docker stop` does.
                Some(code) if code != 0 && code != 143 && code != 137 => Some(item(
                    Severity::Critical,
                    "container",
                    format!("{name} exited with code {code}"),
                    "Read its last log lines, then start it again.".into(),
                    href,
                )),
                _ => None,
            },
            ContainerState::Running if c.health == Some(Health::Unhealthy) => Some(item(
                Severity::Warning,
                "container",
                format!("{name} is unhealthy"),
                "Its health check fails. Read its logs.".into(),
                href,
            )),
            _ => None,
        }
    }

    /// Counts and container problems from the engine's picture.
    pub fn from_overview(o: &Overview) -> (Counts, Vec<AttentionItem>) {
        let mut counts = Counts {
            projects: o.projects.len() as u32,
            services: o.projects.iter().map(|p| p.services.len() as u32).sum(),
            ..Counts::default()
        };
        let mut items = Vec::new();
        let containers = o
            .projects
            .iter()
            .flat_map(|p| p.services.iter().flat_map(|s| s.containers.iter()))
            .chain(o.other.iter());
        for c in containers {
            match c.state {
                ContainerState::Running => counts.running += 1,
                ContainerState::Restarting => counts.restarting += 1,
                _ => counts.stopped += 1,
            }
            if c.health == Some(Health::Unhealthy) {
                counts.unhealthy += 1;
            }
            items.extend(container_problem(c));
        }
        if !o.engine.connected {
            items.push(item(
                Severity::Critical,
                "engine",
                "The Docker engine cannot be reached".into(),
                match &o.engine.disconnected_since {
                    Some(since) => format!("Since {since}; what is shown may be out of date. bosun reconnects by itself."),
                    None => "What is shown may be out of date. bosun reconnects by itself.".into(),
                },
                "/".into(),
            ));
        }
        (counts, items)
    }

    /// Failed and missed backups (dumps, file backups, a project's last set), and databases
    /// without a good backup for a week. `now` in Unix
    /// seconds; backup times are RFC 3339.
    pub fn from_backups(v: &BackupsView, now: i64) -> Vec<AttentionItem> {
        let mut items = Vec::new();
        for d in &v.databases {
            let name = format!("{}/{}", d.project, d.service);
            let href = "/backups".to_owned();
            let good_at = d
                .last_good
                .as_ref()
                .and_then(|b| b.finished_at.as_deref())
                .and_then(seconds);
            if let Some(failed) = &d.last_failed
                && failed.status == BackupStatus::Failed
                && seconds(&failed.started_at) > good_at
            {
                items.push(item(
                    Severity::Critical,
                    "backup",
                    format!("The last backup of {name} failed"),
                    failed
                        .reason
                        .clone()
                        .unwrap_or_else(|| "See the backup for its reason.".into()),
                    href.clone(),
                ));
            }
            for s in d.schedules.iter().filter(|s| s.missed.is_some()) {
                items.push(item(
                    Severity::Warning,
                    "backup",
                    format!("A scheduled backup of {name} was missed"),
                    format!(
                        "It was due at {} while bosun was not running.",
                        s.missed.clone().unwrap_or_default()
                    ),
                    href.clone(),
                ));
            }
            match good_at {
                Some(at) if now - at <= NO_GOOD_BACKUP_DAYS * 86_400 => {}
                Some(_) => items.push(item(
                    Severity::Warning,
                    "backup",
                    format!("{name} has no good backup from the last {NO_GOOD_BACKUP_DAYS} days"),
                    "Back it up now, or give it a schedule.".into(),
                    href,
                )),
                None => items.push(item(
                    Severity::Warning,
                    "backup",
                    format!("{name} has never been backed up"),
                    "Back it up now, or give it a schedule.".into(),
                    href,
                )),
            }
        }
        for f in &v.files {
            if let Some(failed) = f
                .last_failed
                .as_ref()
                .filter(|b| b.status == BackupStatus::Failed)
            {
                items.push(item(
                    Severity::Critical,
                    "backup",
                    format!("The last file backup of {}/{} failed", f.project, f.service),
                    failed
                        .reason
                        .clone()
                        .unwrap_or_else(|| "See the backup for its reason.".into()),
                    "/backups".into(),
                ));
            }
        }
        // A project's newest set, when it failed or was cut off.
        let mut seen = Vec::new();
        for set in &v.sets {
            if seen.contains(&set.project) {
                continue;
            }
            seen.push(set.project.clone());
            if matches!(set.status, BackupStatus::Failed | BackupStatus::Interrupted) {
                items.push(item(
                    Severity::Critical,
                    "backup",
                    format!(
                        "The last set of project {} is {}",
                        set.project,
                        set.status.as_str()
                    ),
                    set.reason
                        .clone()
                        .unwrap_or_else(|| "Back up the project again.".into()),
                    "/backups".into(),
                ));
            }
        }
        items
    }

    /// Certificates in their warning or critical window, expired ones, and failed renewals.
    pub fn from_certs(v: &CertificatesView) -> Vec<AttentionItem> {
        v.certs
            .iter()
            .filter_map(|c| {
                let failed = c.managed.as_ref().and_then(|m| m.last_error.clone());
                let (severity, title) = match c.urgency {
                    Urgency::Expired => (Severity::Critical, format!("{} has expired", c.title)),
                    Urgency::Critical => (
                        Severity::Critical,
                        format!("{} expires in {} days", c.title, c.days_left),
                    ),
                    Urgency::Warning => (
                        Severity::Warning,
                        match &failed {
                            Some(_) => format!("Renewing {} failed", c.title),
                            None => format!("{} expires in {} days", c.title, c.days_left),
                        },
                    ),
                    Urgency::Ok => return None,
                };
                let detail = failed
                    .or_else(|| c.problem.clone())
                    .unwrap_or_else(|| "Renew or replace it on the Certificates page.".into());
                Some(item(
                    severity,
                    "certificate",
                    title,
                    detail,
                    "/certificates".into(),
                ))
            })
            .collect()
    }

    /// All of it, most severe first.
    pub fn view(
        o: &Overview,
        b: Option<&BackupsView>,
        c: Option<&CertificatesView>,
        now: i64,
        checked_at: String,
    ) -> AttentionView {
        let (counts, mut items) = from_overview(o);
        if let Some(b) = b {
            items.extend(from_backups(b, now));
        }
        if let Some(c) = c {
            items.extend(from_certs(c));
        }
        items.sort_by_key(|i| i.severity);
        AttentionView {
            counts,
            items,
            checked_at,
        }
    }

    fn seconds(rfc3339: &str) -> Option<i64> {
        time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
            .ok()
            .map(|t| t.unix_timestamp())
    }
}

#[cfg(test)]
#[cfg(feature = "ssr")]
mod tests {
    use super::*;
    use crate::model::services::Overview;
    use serde_json::json;

    fn container(
        name: &str,
        state: &str,
        exit: Option<i64>,
        health: Option<&str>,
        oom: bool,
    ) -> serde_json::Value {
        json!({
            "id": format!("id-{name}"), "name": name, "project": null, "service": null, "number": null,
            "oneoff": false, "state": state, "health": health, "status": "", "image": "x",
            "ports": [], "started_at": null, "finished_at": null, "restart_count": 4,
            "exit_code": exit, "oom_killed": oom
        })
    }

    fn overview(other: Vec<serde_json::Value>, connected: bool) -> Overview {
        let web = container("shop-web-1", "running", None, Some("healthy"), false);
        serde_json::from_value(json!({
            "projects": [{"name": "shop", "working_dir": null, "config_files": null, "networks": [],
                "services": [{"name": "web", "image": "x", "running": 1, "containers": [web], "links": [],
                    "busy": null, "progress": null, "single_replica": null, "database": null, "update": null}]}],
            "other": other,
            "engine": {"connected": connected, "synced_at": null, "disconnected_since": null, "last_outage": null},
            "max_replicas": 20
        }))
        .expect("an overview")
    }

    #[test]
    fn containers_that_failed_need_attention_and_those_stopped_on_purpose_do_not() {
        let o = overview(
            vec![
                container("crashed", "exited", Some(3), None, false),
                container("stopped", "exited", Some(0), None, false),
                container("docker-stopped", "exited", Some(143), None, false),
                container("looping", "restarting", None, None, false),
                container("sick", "running", None, Some("unhealthy"), false),
                container("oom", "exited", Some(137), None, true),
            ],
            true,
        );
        let (counts, items) = from_overview(&o);
        assert_eq!(
            (
                counts.projects,
                counts.services,
                counts.running,
                counts.stopped,
                counts.unhealthy,
                counts.restarting
            ),
            (1, 1, 2, 4, 1, 1)
        );
        let titles: Vec<&str> = items.iter().map(|i| i.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "crashed exited with code 3",
                "looping keeps restarting",
                "sick is unhealthy",
                "oom was killed: out of memory"
            ]
        );
        assert_eq!(items[0].href, "/containers/id-crashed");
    }

    #[test]
    fn an_unreachable_engine_is_the_first_thing_said() {
        let v = view(
            &overview(
                vec![container("sick", "running", None, Some("unhealthy"), false)],
                false,
            ),
            None,
            None,
            0,
            String::new(),
        );
        assert_eq!(v.items[0].kind, "engine");
        assert_eq!(v.items[0].severity, Severity::Critical);
        assert_eq!(v.items[1].severity, Severity::Warning);
    }

    fn backup(status: &str, started: &str) -> serde_json::Value {
        json!({
            "id": 1, "project": "shop", "service": "db", "engine": "postgres", "database": "shop",
            "kind": "scheduled", "status": status, "reason": (status == "failed").then_some("disk full"),
            "file_name": null, "compression": "gzip", "dump_bytes": 0, "file_bytes": 0,
            "sha256": null, "server_version": null, "started_at": started,
            "finished_at": started, "duration_ms": null, "actor": "schedule", "verify": null
        })
    }

    fn database(good: Option<&str>, failed: Option<&str>) -> crate::model::BackupsView {
        serde_json::from_value(json!({
            "databases": [{"project": "shop", "service": "db", "engine": "postgres", "database": "shop",
                "user": "shop", "password_env": null, "container": null, "problem": null,
                "last_good": good.map(|t| backup("ok", t)), "last_failed": failed.map(|t| backup("failed", t)),
                "job": null, "schedules": []}],
            "recent": []
        }))
        .expect("a backups view")
    }

    #[test]
    fn backups_need_attention_when_the_last_failed_or_the_last_good_one_is_old() {
        // 2026-12-04T12:00:00Z
        let now = 1_796_385_600;
        let titles = |v: &crate::model::BackupsView| -> Vec<String> {
            from_backups(v, now).into_iter().map(|i| i.title).collect()
        };
        assert!(
            titles(&database(
                Some("2026-12-04T03:00:00Z"),
                Some("2026-12-01T03:00:00Z")
            ))
            .is_empty()
        );
        assert_eq!(
            titles(&database(
                Some("2026-12-03T03:00:00Z"),
                Some("2026-12-04T03:00:00Z")
            )),
            ["The last backup of shop/db failed"]
        );
        assert_eq!(
            titles(&database(Some("2026-11-20T03:00:00Z"), None)),
            ["shop/db has no good backup from the last 7 days"]
        );
        assert_eq!(
            titles(&database(None, None)),
            ["shop/db has never been backed up"]
        );
    }

    #[test]
    fn a_failed_file_backup_and_a_cut_off_set_need_attention_but_an_older_failed_set_not() {
        let mut v = database(Some("2026-12-04T03:00:00Z"), None);
        let mut failed: crate::model::BackupDto =
            serde_json::from_value(backup("failed", "2026-12-04T04:00:00Z")).expect("a backup");
        failed.service = "app".into();
        v.files.push(crate::model::FileSourceDto {
            project: "shop".into(),
            service: "app".into(),
            container: "shop-app-1".into(),
            paths: vec!["/srv/media".into()],
            stop: false,
            before: None,
            after: None,
            problem: None,
            last_good: None,
            last_failed: Some(failed),
            job: None,
        });
        let set = |id: i64, status: &str| -> crate::model::BackupSetDto {
            serde_json::from_value(json!({"id": id, "project": "shop", "status": status,
                "reason": null, "started_at": "2026-12-04T05:00:00Z", "finished_at": null,
                "actor": "ann", "kind": "manual", "parts": []}))
            .expect("a set")
        };
        // Newest first: the cut-off set is the news; the failed one before it is history.
        v.sets = vec![set(3, "interrupted"), set(2, "failed")];
        let titles: Vec<String> = from_backups(&v, 1_796_385_600)
            .into_iter()
            .map(|i| i.title)
            .collect();
        assert_eq!(
            titles,
            [
                "The last file backup of shop/app failed",
                "The last set of project shop is interrupted"
            ]
        );
        v.sets = vec![set(4, "ok"), set(3, "interrupted")];
        assert_eq!(from_backups(&v, 1_796_385_600).len(), 1);
    }

    #[test]
    fn all_good_is_an_empty_list() {
        let v = view(
            &overview(vec![], true),
            Some(&crate::model::BackupsView::default()),
            None,
            0,
            "now".into(),
        );
        assert!(v.items.is_empty());
        assert_eq!(v.counts.running, 1);
    }
}
