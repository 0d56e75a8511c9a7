//! The inventory as the page and the API present it: grouped, sorted, with human status.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use bosun_frontend::model::{
    ContainerDto, ContainerState, InventoryState, LinkCheck, NetworkDto, Overview, PortDto,
    ProjectDto, ServiceDto,
};
use bosun_frontend::ports::ViewOptions;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::docker::record::{CONFIG_FILES, Port, Record, WORKING_DIR};
use crate::links::detect;

/// Reads what the page needs besides the records: busy markers and cached link checks.
pub trait Extras {
    fn busy(&self, project: &str, service: &str) -> Option<crate::busy::Running>;
    fn check(&self, url: &str) -> Option<LinkCheck>;
    /// The host links are checked on (see `links::check::Checker::host`).
    fn check_host(&self) -> &str;
    /// The most replicas a service may be scaled to (a setting).
    fn max_replicas(&self) -> u32;
    /// Whether its image has a newer build, and its latest update run.
    fn update(&self, project: &str, service: &str) -> Option<bosun_frontend::model::ServiceUpdate>;
}

/// Containers grouped as compose groups them: project → service → members in replica order,
/// and those outside any project by name. One-off (`compose run`) containers only when asked.
pub struct Grouped<'a> {
    pub projects: BTreeMap<&'a str, BTreeMap<&'a str, Vec<&'a Record>>>,
    pub other: Vec<&'a Record>,
}

pub fn group(records: &[Arc<Record>], include_oneoff: bool) -> Grouped<'_> {
    let mut projects: BTreeMap<&str, BTreeMap<&str, Vec<&Record>>> = BTreeMap::new();
    let mut other = Vec::new();
    for r in records.iter().filter(|r| include_oneoff || !r.oneoff()) {
        match (r.project(), r.service()) {
            (Some(p), Some(s)) => projects.entry(p).or_default().entry(s).or_default().push(r),
            _ => other.push(r.as_ref()),
        }
    }
    for members in projects.values_mut().flat_map(BTreeMap::values_mut) {
        members.sort_by(|a, b| a.number().cmp(&b.number()).then(a.name.cmp(&b.name)));
    }
    other.sort_by(|a, b| a.name.cmp(&b.name));
    Grouped { projects, other }
}

pub fn overview(
    records: &[Arc<Record>],
    engine: InventoryState,
    view: &ViewOptions,
    extras: &dyn Extras,
    now: OffsetDateTime,
) -> Overview {
    let Grouped {
        projects: grouped,
        other,
    } = group(records, view.include_oneoff);
    let other = other
        .into_iter()
        .map(|r| container(r, &view.host, now))
        .collect();

    // Which projects sit on each network (host/none are not networks to share).
    let mut network_projects: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for r in records {
        if let Some(p) = r.project() {
            for n in r
                .networks
                .iter()
                .filter(|n| !matches!(n.as_str(), "host" | "none"))
            {
                network_projects.entry(n).or_default().insert(p);
            }
        }
    }

    let projects = grouped
        .into_iter()
        .map(|(name, services)| {
            let any = services.values().flatten().next().copied();
            let networks = network_projects
                .iter()
                .filter(|(_, ps)| ps.contains(name))
                .map(|(n, ps)| NetworkDto {
                    name: (*n).to_owned(),
                    shared_with: ps
                        .iter()
                        .filter(|p| **p != name)
                        .map(|p| (*p).to_owned())
                        .collect(),
                })
                .collect();
            ProjectDto {
                name: name.to_owned(),
                working_dir: any.and_then(|r| r.label(WORKING_DIR)).map(str::to_owned),
                config_files: any.and_then(|r| r.label(CONFIG_FILES)).map(str::to_owned),
                networks,
                services: services
                    .into_iter()
                    .map(|(service, members)| {
                        service_dto(name, service, members, view, extras, now)
                    })
                    .collect(),
            }
        })
        .collect();
    let mut overview = Overview {
        projects,
        other,
        engine,
        max_replicas: extras.max_replicas(),
        revision: String::new(),
    };
    if !overview.engine.connected {
        mark_unconfirmed(&mut overview);
    }
    overview
}

/// While the engine is away the records are the last known picture: no container is shown
/// as healthy, and each says that its state is not current.
fn mark_unconfirmed(o: &mut Overview) {
    let containers = o
        .projects
        .iter_mut()
        .flat_map(|p| p.services.iter_mut())
        .flat_map(|s| s.containers.iter_mut())
        .chain(o.other.iter_mut());
    for c in containers {
        c.health = None;
        c.status = format!(
            "Unknown: the engine is unreachable (last seen: {})",
            c.status
        );
    }
}

fn service_dto(
    project: &str,
    name: &str,
    members: Vec<&Record>,
    view: &ViewOptions,
    extras: &dyn Extras,
    now: OffsetDateTime,
) -> ServiceDto {
    let newest = members.iter().max_by_key(|r| r.created).copied();
    // The check of each link was made on bosun's check host, never the browser's.
    let probed = detect::service_links(project, name, &members, extras.check_host());
    let links = detect::service_links(project, name, &members, &view.host)
        .into_iter()
        .zip(probed)
        .map(|(mut l, p)| {
            l.check = extras.check(&p.url);
            l
        })
        .collect();
    let busy = extras.busy(project, name);
    ServiceDto {
        name: name.to_owned(),
        image: newest.map(|r| r.image.clone()).unwrap_or_default(),
        running: members
            .iter()
            .filter(|r| r.state == ContainerState::Running)
            .count() as u32,
        containers: members
            .iter()
            .map(|r| container(r, &view.host, now))
            .collect(),
        links,
        busy: busy.as_ref().map(|b| b.what.clone()),
        progress: busy.and_then(|b| b.progress),
        single_replica: newest.and_then(single_replica),
        database: newest.and_then(|r| r.database),
        update: extras.update(project, name),
    }
}

/// Why a service cannot have a second replica: it binds host ports by number.
pub fn single_replica(r: &Record) -> Option<String> {
    (!r.fixed_ports.is_empty()).then(|| {
        format!(
            "It publishes fixed host port {}; a second replica could not bind it. To scale it, publish the container port only (e.g. \"{}\" instead of \"HOST:CONTAINER\") and put a proxy in front.",
            r.fixed_ports.join(", "),
            r.fixed_ports
                .first()
                .and_then(|p| p.split('→').nth(1))
                .and_then(|p| p.split('/').next())
                .unwrap_or("80")
        )
    })
}

pub fn container(r: &Record, host: &str, now: OffsetDateTime) -> ContainerDto {
    let fmt = |t: Option<OffsetDateTime>| t.and_then(|t| t.format(&Rfc3339).ok());
    ContainerDto {
        id: r.id.clone(),
        name: r.name.clone(),
        project: r.project().map(str::to_owned),
        service: r.service().map(str::to_owned),
        number: r.number(),
        oneoff: r.oneoff(),
        state: r.state,
        health: r.health,
        status: status_text(r, now),
        image: r.image.clone(),
        ports: r.ports.iter().map(|p| port(p, host)).collect(),
        started_at: fmt(r.started_at),
        finished_at: fmt(r.finished_at),
        restart_count: r.restart_count,
        exit_code: r.exit_code,
        oom_killed: r.oom_killed,
    }
}

fn port(p: &Port, host: &str) -> PortDto {
    PortDto {
        container_port: p.container_port,
        protocol: p.protocol.clone(),
        host_ip: p.host_ip.clone(),
        host_port: p.host_port,
        url: (p.protocol == "tcp")
            .then_some(p.host_port)
            .flatten()
            .map(|hp| format!("{}://{host}:{hp}", detect::scheme(p.container_port))),
    }
}

/// Like `docker ps`: "Up 5 minutes (healthy)", "Exited (137) 2 hours ago".
fn status_text(r: &Record, now: OffsetDateTime) -> String {
    let since = |t: Option<OffsetDateTime>| t.map(|t| human_duration((now - t).whole_seconds()));
    let health = r
        .health
        .map(|h| format!(" ({})", h.as_str()))
        .unwrap_or_default();
    match r.state {
        ContainerState::Running => match since(r.started_at) {
            Some(d) => format!("Up {d}{health}"),
            None => format!("Up{health}"),
        },
        ContainerState::Paused => {
            format!("Up {} (Paused)", since(r.started_at).unwrap_or_default())
        }
        ContainerState::Restarting => format!(
            "Restarting ({}) {} ago",
            r.exit_code.unwrap_or(0),
            since(r.finished_at).unwrap_or_default()
        ),
        ContainerState::Exited => {
            let oom = if r.oom_killed { ", out of memory" } else { "" };
            match since(r.finished_at) {
                Some(d) => format!("Exited ({}{oom}) {d} ago", r.exit_code.unwrap_or(0)),
                None => format!("Exited ({}{oom})", r.exit_code.unwrap_or(0)),
            }
        }
        ContainerState::Created => "Created".to_owned(),
        ContainerState::Removing => "Removal in progress".to_owned(),
        ContainerState::Dead => "Dead".to_owned(),
    }
}

/// Docker's wording for a duration (go-units HumanDuration).
pub fn human_duration(secs: i64) -> String {
    let secs = secs.max(0);
    let minutes = secs / 60;
    let hours = (secs as f64 / 3600.0).round() as i64;
    match secs {
        0 => "Less than a second".to_owned(),
        1 => "1 second".to_owned(),
        s if s < 60 => format!("{s} seconds"),
        _ if minutes == 1 => "About a minute".to_owned(),
        _ if minutes < 60 => format!("{minutes} minutes"),
        _ if hours == 1 => "About an hour".to_owned(),
        _ if hours < 48 => format!("{hours} hours"),
        _ if hours < 24 * 7 * 2 => format!("{} days", hours / 24),
        _ if hours < 24 * 30 * 2 => format!("{} weeks", hours / 24 / 7),
        _ if hours < 24 * 365 * 2 => format!("{} months", hours / 24 / 30),
        _ => format!("{} years", hours / 24 / 365),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::record::{NUMBER, ONEOFF, PROJECT, SERVICE};

    struct NoExtras;
    impl Extras for NoExtras {
        fn busy(&self, _: &str, _: &str) -> Option<crate::busy::Running> {
            None
        }
        fn check(&self, _: &str) -> Option<LinkCheck> {
            None
        }
        fn check_host(&self) -> &str {
            "127.0.0.1"
        }
        fn max_replicas(&self) -> u32 {
            20
        }
        fn update(&self, _: &str, _: &str) -> Option<bosun_frontend::model::ServiceUpdate> {
            None
        }
    }

    fn record(name: &str, labels: &[(&str, &str)], networks: &[&str]) -> Arc<Record> {
        let mut r = Record::running(name, "img", labels, &[(8080, 49153)]);
        r.networks = networks.iter().map(|n| (*n).to_owned()).collect();
        Arc::new(r)
    }

    fn compose(p: &str, s: &str, n: &str, nets: &[&str]) -> Arc<Record> {
        record(
            &format!("{p}_{s}_{n}"),
            &[(PROJECT, p), (SERVICE, s), (NUMBER, n)],
            nets,
        )
    }

    #[test]
    fn groups_by_labels_not_names_and_marks_shared_networks() {
        let records = vec![
            compose("shop", "web", "2", &["shop_default", "shared"]),
            compose("shop", "web", "1", &["shop_default", "shared"]),
            compose("shop", "db", "1", &["shop_default"]),
            compose("mqtt", "broker", "1", &["shared"]),
            record("loose", &[], &["bridge"]),
            record(
                "shop_web_run_1",
                &[(PROJECT, "shop"), (SERVICE, "web"), (ONEOFF, "True")],
                &["shop_default"],
            ),
        ];
        let view = ViewOptions {
            host: "nas.lan".into(),
            include_oneoff: false,
        };
        let o = overview(
            &records,
            InventoryState::default(),
            &view,
            &NoExtras,
            OffsetDateTime::now_utc(),
        );
        let names: Vec<_> = o.projects.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["mqtt", "shop"]);
        let shop = &o.projects[1];
        let web = shop.service("web").map(|s| {
            s.containers
                .iter()
                .map(|c| (c.number, c.name.clone()))
                .collect::<Vec<_>>()
        });
        assert_eq!(
            web,
            Some(vec![
                (Some(1), "shop_web_1".to_owned()),
                (Some(2), "shop_web_2".to_owned())
            ])
        );
        let shared = shop.networks.iter().find(|n| n.name == "shared");
        assert_eq!(
            shared.map(|n| n.shared_with.clone()),
            Some(vec!["mqtt".to_owned()])
        );
        assert_eq!(o.other.len(), 1);
        assert_eq!(
            shop.services[1].containers[0].ports[0].url.as_deref(),
            Some("http://nas.lan:49153")
        );

        let with_oneoff = ViewOptions {
            include_oneoff: true,
            ..view
        };
        let o = overview(
            &records,
            InventoryState::default(),
            &with_oneoff,
            &NoExtras,
            OffsetDateTime::now_utc(),
        );
        assert_eq!(
            o.projects[1].service("web").map(|s| s.containers.len()),
            Some(3)
        );
    }

    #[test]
    fn durations_read_like_docker_ps() {
        assert_eq!(human_duration(0), "Less than a second");
        assert_eq!(human_duration(45), "45 seconds");
        assert_eq!(human_duration(90), "About a minute");
        assert_eq!(human_duration(600), "10 minutes");
        assert_eq!(human_duration(3600), "About an hour");
        assert_eq!(human_duration(5 * 3600), "5 hours");
        assert_eq!(human_duration(3 * 86400), "3 days");
    }
}
