//! Services against the real engine: projects started with the compose CLI outside bosun,
//! live events, lifecycle actions with busy guard and audit, stats, links.

use std::time::Duration;

use bosun_frontend::model::{
    ActionReport, AuditOutcome, ContainerState, Health, LinkDto, Overview, ProjectDto, ServiceDto,
    StatsFrame, StatsStatus,
};
use reqwest::StatusCode;

use crate::api::{audit, expect_json, json_get, json_of, refused, state_in, wait_listed};
use crate::harness::{ADMIN_PASSWORD, TestServer};
use crate::sse::Events;
use crate::stacks::{Demo, Network, Project, unique};

fn project<'a>(projects: &'a [ProjectDto], name: &str) -> &'a ProjectDto {
    projects
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("{name} not in {projects:#?}"))
}

fn service<'a>(projects: &'a [ProjectDto], name: &str, service: &str) -> &'a ServiceDto {
    let p = project(projects, name);
    p.service(service)
        .unwrap_or_else(|| panic!("{service} not in {p:#?}"))
}

/// Two small projects on one external network; `slow` ignores SIGTERM, so stopping it
/// takes its whole 4 s grace period.
fn small_project(network: &str) -> String {
    format!(
        r#"
services:
  app:
    image: busybox:latest
    command: ["sh", "-c", "while true; do sleep 1; done"]
    init: true
    networks: [shared]
  slow:
    image: busybox:latest
    command: ["sh", "-c", "trap '' TERM; while true; do sleep 1; done"]
    stop_grace_period: 4s
    networks: [shared]
networks:
  shared:
    external: true
    name: {network}
"#
    )
}

#[tokio::test]
async fn projects_started_outside_bosun_are_listed_with_their_services_and_containers() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let viewer = s.user(&admin, "watcher", "viewer").await;
    let network = Network::create("itnet");
    // Three projects, brought up side by side.
    let (b_name, c_name, yaml) = (unique("itb"), unique("itc"), small_project(&network.0));
    let (demo, b, c) = tokio::join!(
        Demo::up("itlist"),
        Project::up(&b_name, &yaml),
        Project::up(&c_name, &yaml),
    );
    b.compose(&["run", "-d", "app", "sleep", "60"]).await;
    let loose = unique("itloose");
    let status = std::process::Command::new("docker")
        .args([
            "run",
            "-d",
            "--name",
            &loose,
            "busybox:latest",
            "sleep",
            "60",
        ])
        .output()
        .unwrap();
    assert!(status.status.success());

    // The inventory follows events; give it a moment to see the last container.
    let mut projects: Vec<ProjectDto> = Vec::new();
    for _ in 0..50 {
        projects = json_get(&viewer, &s, "/api/v1/projects").await;
        let listed = |p: &str| projects.iter().any(|x| x.name == p);
        if listed(&demo.project) && listed(&b.name) && listed(&c.name) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let d = project(&projects, &demo.project);
    let names: Vec<&str> = d.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["db", "proxy", "web", "worker"]);
    for svc in ["db", "proxy", "web", "worker"] {
        let containers = &service(&projects, &demo.project, svc).containers;
        assert_eq!(containers.len(), 1, "{svc}: {containers:?}");
        assert_eq!(containers[0].number, Some(1));
        assert_eq!(containers[0].state, ContainerState::Running);
        assert!(containers[0].status.starts_with("Up "));
        assert!(containers[0].started_at.is_some());
        assert_eq!(containers[0].restart_count, 0);
    }
    assert_eq!(
        service(&projects, &demo.project, "db").containers[0].health,
        Some(Health::Healthy)
    );
    // The web port is published on a random host port: the link uses it and our host.
    let web = &service(&projects, &demo.project, "web").containers[0];
    let inspect = bollard::Docker::connect_with_defaults()
        .unwrap()
        .inspect_container(&web.id, None)
        .await
        .unwrap();
    let published = inspect.network_settings.unwrap().ports.unwrap()["8080/tcp"]
        .clone()
        .unwrap()[0]
        .host_port
        .clone()
        .unwrap();
    let port = web.ports.iter().find(|p| p.container_port == 8080).unwrap();
    assert_eq!(
        port.host_port.map(|p| p.to_string()),
        Some(published.clone())
    );
    assert_eq!(port.url, Some(format!("http://127.0.0.1:{published}")));

    // Shared network, both ways; one-offs hidden unless asked for.
    let net = project(&projects, &b.name)
        .networks
        .iter()
        .find(|n| n.name == network.0)
        .unwrap_or_else(|| panic!("{} not in {projects:#?}", network.0));
    assert_eq!(net.shared_with, vec![c.name.clone()]);
    assert_eq!(service(&projects, &b.name, "app").containers.len(), 1);
    let with_oneoff: Vec<ProjectDto> = json_get(&viewer, &s, "/api/v1/projects?oneoff=true").await;
    let app = &service(&with_oneoff, &b.name, "app").containers;
    assert_eq!(app.len(), 2);
    assert!(app.iter().any(|c| c.oneoff));

    // Outside any project: the "Other" group, once the inventory has seen its events (the
    // wait above was for the projects, which came up before this container).
    let mut overview: Overview = json_get(&viewer, &s, "/api/v1/overview").await;
    for _ in 0..50 {
        if overview.other.iter().any(|c| c.name == loose) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        overview = json_get(&viewer, &s, "/api/v1/overview").await;
    }
    assert!(
        overview.other.iter().any(|c| c.name == loose),
        "{loose} not in Other within 5 s: {:?}",
        overview.other.iter().map(|c| &c.name).collect::<Vec<_>>()
    );

    // One project, one service, and clear errors.
    let one: ProjectDto =
        json_get(&viewer, &s, &format!("/api/v1/projects/{}", demo.project)).await;
    assert_eq!(one.services.len(), 4);
    let web: ServiceDto = json_get(
        &viewer,
        &s,
        &format!("/api/v1/projects/{}/services/web", demo.project),
    )
    .await;
    assert_eq!(web.containers.len(), 1);
    let r = viewer
        .get(s.url("/api/v1/projects/nosuchproject"))
        .send()
        .await
        .unwrap();
    assert!(
        refused(r, StatusCode::NOT_FOUND)
            .await
            .message
            .contains("nosuchproject")
    );
    let r = viewer
        .get(s.url("/api/v1/projects/bad%20name"))
        .send()
        .await
        .unwrap();
    let e = refused(r, StatusCode::BAD_REQUEST).await;
    assert_eq!(e.field.as_deref(), Some("project"));
    let operator = s.user(&admin, "oscar", "operator").await;
    let r = operator
        .post(s.url(&format!(
            "/api/v1/projects/{}/services/web/explode",
            demo.project
        )))
        .send()
        .await
        .unwrap();
    let e = refused(r, StatusCode::BAD_REQUEST).await;
    assert_eq!(e.field.as_deref(), Some("action"));
    assert!(e.message.contains("start, stop or restart"));

    // Taken down side by side too (the network after the projects on it).
    let _ = tokio::join!(
        tokio::task::spawn_blocking(move || {
            let _ = std::process::Command::new("docker")
                .args(["rm", "-f", &loose])
                .output();
        }),
        tokio::task::spawn_blocking(move || drop(demo)),
        tokio::task::spawn_blocking(move || drop(b)),
        tokio::task::spawn_blocking(move || drop(c)),
    );
}

#[tokio::test]
async fn a_stop_through_the_api_arrives_on_the_events_stream_and_is_audited() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let operator = s.user(&admin, "oscar", "operator").await;
    let viewer = s.user(&admin, "watcher", "viewer").await;
    let demo = Demo::up("itstop").await;
    let p = demo.project.clone();
    let state_of = move |o: &Overview, svc: &str| state_in(o, &p, svc);
    let mut events = Events::open(&viewer, s.url("/api/v1/overview/events")).await;
    events
        .until(Duration::from_secs(10), |o: &Overview| {
            state_of(o, "worker") == Some(ContainerState::Running)
        })
        .await;

    let r = operator
        .post(s.url(&format!(
            "/api/v1/projects/{}/services/worker/stop",
            demo.project
        )))
        .send()
        .await
        .unwrap();
    let report: ActionReport = expect_json(r, StatusCode::OK).await;
    assert_eq!(
        report.containers.first().and_then(|c| c.state),
        Some(ContainerState::Exited),
        "{report:?}"
    );
    // Pushed to the watching viewer within 2 s, no reload.
    events
        .until(Duration::from_secs(2), |o: &Overview| {
            state_of(o, "worker") == Some(ContainerState::Exited)
        })
        .await;
    let stopped: ServiceDto = json_get(
        &viewer,
        &s,
        &format!("/api/v1/projects/{}/services/worker", demo.project),
    )
    .await;
    assert!(stopped.containers[0].status.starts_with("Exited ("));
    assert!(stopped.containers[0].exit_code.is_some());

    // One container, by name, back on.
    let name = stopped.containers[0].name.clone();
    let r = operator
        .post(s.url(&format!("/api/v1/containers/{name}/start")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    events
        .until(Duration::from_secs(2), |o: &Overview| {
            state_of(o, "worker") == Some(ContainerState::Running)
        })
        .await;

    // Viewers may watch but not act.
    let r = viewer
        .post(s.url(&format!(
            "/api/v1/projects/{}/services/worker/stop",
            demo.project
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let target = format!("{}/worker", demo.project);
    let records = audit(&s, &admin, "action=service.stop").await;
    assert!(
        records
            .iter()
            .any(|r| r.actor == "oscar" && r.target == target && r.outcome == AuditOutcome::Ok),
        "{records:?}"
    );
    let records = audit(&s, &admin, "action=container.start").await;
    assert!(
        records.iter().any(|r| r.actor == "oscar"
            && r.outcome == AuditOutcome::Ok
            && r.target.contains(&name))
    );
}

#[tokio::test]
async fn a_second_action_on_a_busy_service_is_refused_with_409() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let operator = s.user(&admin, "oscar", "operator").await;
    let network = Network::create("itbusy");
    let project = Project::up(&unique("itbusy"), &small_project(&network.0)).await;
    let stop_url = s.url(&format!(
        "/api/v1/projects/{}/services/slow/stop",
        project.name
    ));
    wait_listed(&operator, &s, &project.name).await;

    let first = tokio::spawn({
        let operator = operator.clone();
        let url = stop_url.clone();
        async move { operator.post(url).send().await.unwrap() }
    });
    tokio::time::sleep(Duration::from_millis(700)).await;
    let second = operator.post(&stop_url).send().await.unwrap();
    let e = refused(second, StatusCode::CONFLICT).await;
    assert!(e.message.contains("busy"), "{e:?}");
    // The busy marker is visible to everyone meanwhile.
    let svc: ServiceDto = json_get(
        &operator,
        &s,
        &format!("/api/v1/projects/{}/services/slow", project.name),
    )
    .await;
    assert_eq!(svc.busy.as_deref(), Some("stopping"));
    // A container of the same service shares the guard.
    let id = svc.containers[0].id.clone();
    let r = operator
        .post(s.url(&format!("/api/v1/containers/{id}/restart")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);

    let first = first.await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let svc: ServiceDto = json_get(
        &operator,
        &s,
        &format!("/api/v1/projects/{}/services/slow", project.name),
    )
    .await;
    assert_eq!(svc.busy, None);
    assert_eq!(svc.containers[0].state, ContainerState::Exited);
    let records = audit(&s, &admin, "action=service.stop").await;
    assert!(records.iter().any(|r| r.outcome == AuditOutcome::Failed
        && r.detail.as_deref().unwrap_or_default().contains("busy")));
}

#[tokio::test]
async fn stats_are_collected_while_watched_and_stop_afterwards() {
    let s =
        TestServer::start_with(&["--admin-password", ADMIN_PASSWORD, "--stats-linger", "1s"]).await;
    let admin = s.admin().await;
    // Any running container will do: a small one starts in a moment.
    let p = Project::up(
        &unique("itstats"),
        "services:\n  db:\n    image: busybox:latest\n    command: [\"sh\", \"-c\", \"while true; do sleep 1; done\"]\n    init: true\n",
    )
    .await;
    wait_listed(&admin, &s, &p.name).await;
    let projects: Vec<ProjectDto> = json_get(&admin, &s, "/api/v1/projects").await;
    let db = service(&projects, &p.name, "db").containers[0].id.clone();
    let idle: StatsStatus = json_get(&admin, &s, "/api/v1/stats").await;
    assert_eq!(idle.watchers, 0);
    assert_eq!(idle.collecting, Vec::<String>::new());

    let mut events = Events::open(&admin, s.url("/api/v1/stats/events")).await;
    let frame = events
        .until(Duration::from_secs(20), |f: &StatsFrame| {
            f.containers
                .get(&db)
                .is_some_and(|c| c.memory.iter().any(|&m| m > 0))
        })
        .await;
    let stats = &frame.containers[&db];
    assert!(stats.memory_limit > 0);
    assert!(stats.cpu_percent.iter().all(|&c| c >= 0.0));
    let busy: StatsStatus = json_get(&admin, &s, "/api/v1/stats").await;
    assert_eq!(busy.watchers, 1);
    assert!(busy.collecting.contains(&db));

    // Nobody watches: collection stops after the linger time.
    drop(events);
    let mut status = StatsStatus::default();
    for _ in 0..50 {
        status = json_get(&admin, &s, "/api/v1/stats").await;
        if status.watchers == 0 && status.collecting.is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("stats collection did not stop: {status:?}");
}

#[tokio::test]
async fn links_use_the_browsers_host_and_are_checked_by_bosun() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let demo = Demo::up("itlinks").await;
    let mine = |links: Vec<LinkDto>| -> Option<LinkDto> {
        links
            .into_iter()
            .find(|l| l.project.as_deref() == Some(demo.project.as_str()))
    };
    let mut link = None;
    for _ in 0..50 {
        link = mine(json_get(&admin, &s, "/api/v1/links").await);
        if link.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let link = link.expect("the demo's link is listed");
    assert_eq!(link.title, "Demo web");
    assert_eq!(link.service.as_deref(), Some("web"));
    assert!(link.url.starts_with("http://127.0.0.1:"), "{link:?}");
    let check = link.check.as_ref();
    assert_eq!(check.map(|c| c.up), Some(true), "{link:?}");
    assert_eq!(check.and_then(|c| c.status), Some(200));

    // Opened as https://nas.invalid:… the link points there for the browser, but bosun
    // checks it on its own check host, not on what a request's Host header says.
    let other_host = admin
        .get(s.url("/api/v1/links"))
        .header("host", "nas.invalid:8443")
        .send()
        .await
        .unwrap();
    let link = mine(json_of(other_host).await).expect("the demo's link is listed");
    assert!(link.url.starts_with("http://nas.invalid:"), "{link:?}");
    let check = link.check.as_ref();
    assert_eq!(check.map(|c| c.up), Some(true), "{link:?}");
}

#[tokio::test]
async fn an_action_runs_to_its_end_and_is_audited_when_the_client_goes_away() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let network = Network::create("itgone");
    let project = Project::up(&unique("itgone"), &small_project(&network.0)).await;
    let path = format!("/api/v1/projects/{}/services/slow", project.name);
    wait_listed(&admin, &s, &project.name).await;
    // The client gives up after half a second; stopping `slow` takes 4 s.
    let r = admin
        .post(s.url(&format!("{path}/stop")))
        .timeout(Duration::from_millis(500))
        .send()
        .await;
    assert!(r.is_err(), "expected the client to time out");
    let target = format!("{}/slow", project.name);
    let mut records = Vec::new();
    for _ in 0..100 {
        records = audit(&s, &admin, "action=service.stop").await;
        if !records.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        records
            .iter()
            .any(|r| r.target == target && r.outcome == AuditOutcome::Ok),
        "{records:?}"
    );
    let svc: ServiceDto = json_get(&admin, &s, &path).await;
    assert_eq!(svc.containers[0].state, ContainerState::Exited);
    assert_eq!(svc.busy, None);
}
