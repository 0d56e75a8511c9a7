//! What the services table shows of a service, worked out without the page: how much trouble
//! it is in (problems sort first), whether a filter finds it, its published ports, its uptime.

use crate::model::{ContainerDto, ContainerState, Health, PortDto, ProjectDto, ServiceDto};

/// How a service is doing, worst last; the table sorts the worst first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Condition {
    /// Every container runs (and is healthy where it has a health check).
    Up,
    /// Still starting, or some but not all containers run.
    Partly,
    /// Nothing runs, all by choice (exited 0 or stopped).
    Down,
    /// Exited with an error, killed for memory, unhealthy, restarting or dead.
    Failing,
}

impl Condition {
    pub fn of(s: &ServiceDto) -> Condition {
        let mine: Vec<&ContainerDto> = s.containers.iter().filter(|c| !c.oneoff).collect();
        if mine.iter().any(|c| failing(c)) {
            return Condition::Failing;
        }
        let running = mine
            .iter()
            .filter(|c| c.state == ContainerState::Running)
            .count();
        let starting = mine.iter().any(|c| c.health == Some(Health::Starting));
        match running {
            0 if !mine.is_empty() => Condition::Down,
            n if n < mine.len() || starting => Condition::Partly,
            _ => Condition::Up,
        }
    }

    /// The worst condition among a project's services.
    pub fn of_project(p: &ProjectDto) -> Condition {
        p.services
            .iter()
            .map(Condition::of)
            .max()
            .unwrap_or(Condition::Up)
    }

    pub fn class(self) -> &'static str {
        match self {
            Condition::Up => "cond-up",
            Condition::Partly => "cond-partly",
            Condition::Down => "cond-down",
            Condition::Failing => "cond-failing",
        }
    }

    /// For screen readers, beside the coloured dot.
    pub fn words(self) -> &'static str {
        match self {
            Condition::Up => "running",
            Condition::Partly => "partly running",
            Condition::Down => "stopped",
            Condition::Failing => "failing",
        }
    }
}

fn failing(c: &ContainerDto) -> bool {
    c.oom_killed
        || c.health == Some(Health::Unhealthy)
        || matches!(c.state, ContainerState::Restarting | ContainerState::Dead)
        || (c.state == ContainerState::Exited
            && c.exit_code
                .is_some_and(|code| !STOPPED_ON_PURPOSE.contains(&code)))
}

/// Exit codes of a container stopped on purpose: done (0), or ended by `docker stop`'s
/// SIGTERM (143) or its SIGKILL after the grace period (137; an OOM kill is flagged apart).
const STOPPED_ON_PURPOSE: [i64; 3] = [0, 137, 143];

/// The filter as typed, lower-cased; empty finds everything.
pub fn finds(filter: &str, project: &str, s: &ServiceDto) -> bool {
    let q = filter.trim().to_lowercase();
    if q.is_empty() {
        return true;
    }
    let hit = |text: &str| text.to_lowercase().contains(&q);
    hit(&s.name)
        || hit(&format!("{project}/{}", s.name))
        || hit(&s.image)
        || s.containers.iter().any(|c| {
            hit(&c.name)
                || hit(&c.image)
                || c.ports.iter().any(|p| {
                    p.host_port.is_some_and(|h| h.to_string() == q)
                        || p.container_port.to_string() == q
                })
        })
}

/// The ports a service's containers publish, each once, lowest first.
pub fn published(s: &ServiceDto) -> Vec<PortDto> {
    let mut out: Vec<PortDto> = Vec::new();
    for p in s.containers.iter().flat_map(|c| &c.ports) {
        if p.host_port.is_none() {
            continue;
        }
        let same = |o: &PortDto| {
            o.host_port == p.host_port
                && o.container_port == p.container_port
                && o.protocol == p.protocol
        };
        if !out.iter().any(same) {
            out.push(p.clone());
        }
    }
    out.sort_by_key(|p| (p.host_port, p.container_port));
    out
}

/// Seconds since the Unix epoch of an RFC 3339 time as the engine writes it
/// (`2026-12-05T02:35:28.123456789Z`, or with an offset).
pub fn epoch_secs(rfc3339: &str) -> Option<i64> {
    let b = rfc3339.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' {
        return None;
    }
    let num = |from: usize, to: usize| rfc3339.get(from..to)?.parse::<i64>().ok();
    let (y, m, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hh, mm, ss) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    // The zone: after the fraction, `Z` or `±hh:mm`.
    let rest = rfc3339
        .get(19..)?
        .trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    let offset = match rest {
        "Z" | "z" => 0,
        z if z.len() == 6 => {
            let sign = if z.starts_with('-') { -1 } else { 1 };
            sign * (z.get(1..3)?.parse::<i64>().ok()? * 3600
                + z.get(4..6)?.parse::<i64>().ok()? * 60)
        }
        _ => return None,
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss - offset)
}

/// "45 s", "12 min", "5 h", "3 d": how long, compactly.
pub fn span(secs: i64) -> String {
    match secs.max(0) {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{} h", s / 3600),
        s => format!("{} d", s / 86_400),
    }
}

/// Since when the service has been up: its longest-running container's start.
pub fn up_since(s: &ServiceDto) -> Option<i64> {
    s.containers
        .iter()
        .filter(|c| c.state == ContainerState::Running && !c.oneoff)
        .filter_map(|c| epoch_secs(c.started_at.as_deref()?))
        .min()
}

/// Now, in seconds since the epoch, wherever this runs.
pub fn now_secs() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        (web_sys::js_sys::Date::now() / 1000.0) as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(name: &str, state: ContainerState, exit: Option<i64>) -> ContainerDto {
        ContainerDto {
            id: format!("id-{name}"),
            name: name.into(),
            project: Some("p".into()),
            service: Some("s".into()),
            number: Some(1),
            oneoff: false,
            state,
            health: None,
            status: String::new(),
            image: "nginx:1.27".into(),
            ports: vec![PortDto {
                container_port: 80,
                protocol: "tcp".into(),
                host_ip: None,
                host_port: Some(8080),
                url: None,
            }],
            started_at: Some("2026-12-05T02:00:00.5Z".into()),
            finished_at: None,
            restart_count: 0,
            exit_code: exit,
            oom_killed: false,
        }
    }

    fn service(containers: Vec<ContainerDto>) -> ServiceDto {
        ServiceDto {
            name: "web".into(),
            image: "nginx:1.27".into(),
            running: 0,
            containers,
            links: vec![],
            busy: None,
            progress: None,
            single_replica: None,
            database: None,
            update: None,
        }
    }

    #[test]
    fn an_error_exit_is_worse_than_a_stop_and_problems_sort_first() {
        let up = service(vec![container("a", ContainerState::Running, None)]);
        let half = service(vec![
            container("a", ContainerState::Running, None),
            container("b", ContainerState::Exited, Some(0)),
        ]);
        let stopped = service(vec![container("a", ContainerState::Exited, Some(143))]);
        let crashed = service(vec![container("a", ContainerState::Exited, Some(3))]);
        let mut all = [&crashed, &up, &stopped, &half].map(Condition::of);
        assert_eq!(
            all,
            [
                Condition::Failing,
                Condition::Up,
                Condition::Down,
                Condition::Partly
            ]
        );
        all.sort_by(|a, b| b.cmp(a));
        assert_eq!(all[0], Condition::Failing);
        assert_eq!(all[3], Condition::Up);
    }

    #[test]
    fn the_filter_finds_containers_images_and_ports() {
        let s = service(vec![container("demo-web-1", ContainerState::Running, None)]);
        assert!(finds("", "demo", &s));
        assert!(finds("WEB-1", "demo", &s));
        assert!(finds("nginx", "demo", &s));
        assert!(finds("8080", "demo", &s));
        assert!(finds("demo/web", "demo", &s));
        assert!(!finds("808", "demo", &s), "a port is matched whole");
        assert!(!finds("postgres", "demo", &s));
    }

    #[test]
    fn published_ports_are_listed_once() {
        let s = service(vec![
            container("a", ContainerState::Running, None),
            container("b", ContainerState::Running, None),
        ]);
        assert_eq!(published(&s).len(), 1);
    }

    #[test]
    fn engine_times_read_as_epoch_seconds() {
        assert_eq!(epoch_secs("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            epoch_secs("2026-12-05T02:35:28.123456789Z"),
            Some(1_796_438_128)
        );
        assert_eq!(epoch_secs("2026-12-05T03:35:28+01:00"), Some(1_796_438_128));
        assert_eq!(
            epoch_secs("0001-01-01T00:00:00Z").map(|s| s < 0),
            Some(true)
        );
        assert_eq!(epoch_secs("yesterday"), None);
        assert_eq!(span(59), "59 s");
        assert_eq!(span(3 * 3600 + 5), "3 h");
        assert_eq!(span(5 * 86_400), "5 d");
    }
}
