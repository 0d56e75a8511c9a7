//! Scaling compose services through bosun against the real engine, checked with the compose
//! CLI and the engine's own DNS.

use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;

use bosun_frontend::model::{
    AuditEntry, AuditOutcome, ContainerState, Overview, ScaleReport, ServiceDto,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api::{audit, expect_json, refused, wait_listed};
use crate::harness::TestServer;
use crate::sse::Events;
use crate::stacks::{Project, compose, unique};

/// `web` may be scaled (random host port, two networks); `probe` asks DNS; `fixed` binds a
/// host port by number; `db` is a database by label; `slow` takes 3 s to stop.
fn stack(fixed_port: u16) -> String {
    format!(
        r#"
services:
  web:
    image: busybox:latest
    command: ["sh", "-c", "while true; do sleep 1; done"]
    init: true
    ports: ["8080"]
    environment:
      GREETING: hello
    labels:
      team: portal
    networks: [default, back]
  probe:
    image: busybox:latest
    command: ["sh", "-c", "while true; do sleep 1; done"]
    init: true
  fixed:
    image: busybox:latest
    command: ["sh", "-c", "while true; do sleep 1; done"]
    init: true
    ports: ["127.0.0.1:{fixed_port}:8080"]
  db:
    image: busybox:latest
    command: ["sh", "-c", "while true; do sleep 1; done"]
    init: true
    labels:
      bosun.backup.engine: postgres
  slow:
    image: busybox:latest
    command: ["sh", "-c", "trap '' TERM; while true; do sleep 1; done"]
    stop_grace_period: 3s
networks:
  back:
"#
    )
}

fn docker(args: &[&str]) -> String {
    let out = Command::new("docker").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// The ids of a service's containers, as the engine labels them (compose's own view).
fn ids(project: &str, service: &str) -> BTreeSet<String> {
    docker(&[
        "ps",
        "-aq",
        "--no-trunc",
        "--filter",
        &format!("label=com.docker.compose.project={project}"),
        "--filter",
        &format!("label=com.docker.compose.service={service}"),
    ])
    .lines()
    .map(str::to_owned)
    .collect()
}

/// What `docker-compose -p P ps -q SERVICE` says.
async fn compose_ps(p: &Project, service: &str) -> BTreeSet<String> {
    let mut cmd = compose();
    cmd.extend(["-p", &p.name, "ps", "-q", service].map(str::to_owned));
    let dir = p.dir().to_owned();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(&cmd[0])
            .args(&cmd[1..])
            .current_dir(dir)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let short: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    let all = ids(&p.name, service);
    // compose v1 prints full ids, v2 may print short ones.
    short
        .iter()
        .map(|s| {
            all.iter()
                .find(|id| id.starts_with(s.as_str()))
                .cloned()
                .unwrap_or_else(|| s.clone())
        })
        .collect()
}

async fn scale(
    client: &reqwest::Client,
    s: &TestServer,
    project: &str,
    service: &str,
    body: Value,
) -> reqwest::Response {
    client
        .post(s.url(&format!(
            "/api/v1/projects/{project}/services/{service}/scale"
        )))
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// One service in an overview frame.
fn service_in<'a>(o: &'a Overview, project: &str, service: &str) -> Option<&'a ServiceDto> {
    o.projects
        .iter()
        .find(|x| x.name == project)?
        .service(service)
}

fn numbers(report: &ScaleReport) -> Vec<u32> {
    report
        .containers
        .iter()
        .map(|c| c.number.unwrap())
        .collect()
}

#[tokio::test]
async fn a_service_scales_1_3_1_through_the_engine_and_compose_agrees() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let operator = s.user(&admin, "oscar", "operator").await;
    let p = Project::up(&unique("itscale"), &stack(0)).await;
    wait_listed(&operator, &s, &p.name).await;
    let first = ids(&p.name, "web");
    assert_eq!(first.len(), 1);

    let r = scale(&operator, &s, &p.name, "web", json!({"replicas": 3})).await;
    let report: ScaleReport = expect_json(r, StatusCode::OK).await;
    assert_eq!(numbers(&report), vec![1, 2, 3], "{report:?}");
    assert!(
        report
            .containers
            .iter()
            .all(|c| c.state == Some(ContainerState::Running)),
        "{report:?}"
    );
    assert_eq!(report.plan.create, vec![2, 3]);
    // #1 runs already: nothing to start.
    assert_eq!(report.plan.start, Vec::<u32>::new());

    // The compose CLI sees every replica.
    let three = compose_ps(&p, "web").await;
    assert_eq!(three.len(), 3);
    assert!(three.is_superset(&first));

    // The clone carries the service's configuration and the next number.
    let name3 = docker(&[
        "ps",
        "--filter",
        &format!(
            "id={}",
            ids(&p.name, "web")
                .iter()
                .find(|id| !first.contains(*id))
                .unwrap()
        ),
        "--format",
        "{{.Names}}",
    ]);
    assert!(
        name3.starts_with(&format!("{}_web_", p.name))
            || name3.starts_with(&format!("{}-web-", p.name))
    );
    for id in &three {
        let env = docker(&["inspect", "-f", "{{json .Config.Env}}", id]);
        assert!(env.contains("GREETING=hello"), "{env}");
        let labels = docker(&["inspect", "-f", "{{json .Config.Labels}}", id]);
        assert!(labels.contains(r#""team":"portal""#), "{labels}");
        let ports = docker(&["inspect", "-f", "{{json .NetworkSettings.Ports}}", id]);
        assert!(
            ports.contains("HostPort"),
            "each replica publishes 8080 on its own random port: {ports}"
        );
        // Both networks, with the service name as alias.
        let nets = docker(&[
            "inspect",
            "-f",
            "{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{join $v.Aliases \",\"}} {{end}}",
            id,
        ]);
        assert!(nets.contains(&format!("{}_default=", p.name)), "{nets}");
        assert!(nets.contains(&format!("{}_back=", p.name)), "{nets}");
        assert_eq!(
            nets.matches("web").count(),
            2,
            "alias web on both networks: {nets}"
        );
    }

    // The service name resolves to every replica from another container.
    let network = format!("{}_default", p.name);
    let probe = ids(&p.name, "probe").into_iter().next().unwrap();
    let answer = docker(&["exec", &probe, "nslookup", "web"]);
    for id in &three {
        let ip = docker(&[
            "inspect",
            "-f",
            &format!("{{{{(index .NetworkSettings.Networks \"{network}\").IPAddress}}}}"),
            id,
        ]);
        assert!(
            answer.contains(&ip),
            "{ip} missing from DNS answer:\n{answer}"
        );
    }

    // compose does not recreate what bosun made when asked for the same scale.
    p.compose(&["up", "-d", "--scale", "web=3"]).await;
    assert_eq!(ids(&p.name, "web"), three, "compose recreated replicas");

    // And back down: the highest numbers go first, #1 stays.
    let r = scale(&operator, &s, &p.name, "web", json!({"replicas": 1})).await;
    let report: ScaleReport = expect_json(r, StatusCode::OK).await;
    assert_eq!(numbers(&report), vec![1]);
    assert_eq!(report.plan.remove, vec![3, 2]);
    assert_eq!(compose_ps(&p, "web").await, first);

    // compose down removes replicas bosun created too.
    let r = scale(&operator, &s, &p.name, "web", json!({"replicas": 2})).await;
    // Numbers continue after the highest existing one, as compose numbers them.
    assert_eq!(numbers(&expect_json(r, StatusCode::OK).await), vec![1, 2]);
    p.compose(&["down", "-t", "1"]).await;
    assert!(ids(&p.name, "web").is_empty(), "compose down left replicas");

    let records = audit(&s, &admin, "action=service.scale").await;
    let mine: Vec<&AuditEntry> = records
        .iter()
        .filter(|r| r.target == format!("{}/web", p.name))
        .collect();
    assert_eq!(mine.len(), 3, "{records:?}");
    assert!(
        mine.iter()
            .all(|r| r.actor == "oscar" && r.outcome == AuditOutcome::Ok)
    );
    assert!(
        mine.iter().any(|r| r
            .detail
            .as_deref()
            .unwrap_or_default()
            .contains("create 2: #2, #3")),
        "{mine:?}"
    );
}

#[tokio::test]
async fn refusals_leave_the_service_as_it_was() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let operator = s.user(&admin, "oscar", "operator").await;
    let viewer = s.user(&admin, "watcher", "viewer").await;
    // A host port by number is what is under test here (not one bosun listens on).
    let port = 20000 + rand::random::<u16>() % 30000;
    let p = Project::up(&unique("itscref"), &stack(port)).await;
    wait_listed(&operator, &s, &p.name).await;
    let before: Vec<BTreeSet<String>> = ["web", "fixed", "db"]
        .iter()
        .map(|svc| ids(&p.name, svc))
        .collect();

    // A fixed host port: 409 with the reason and the fix.
    let r = scale(&operator, &s, &p.name, "fixed", json!({"replicas": 2})).await;
    let msg = refused(r, StatusCode::CONFLICT).await.message;
    assert!(msg.contains(&format!("fixed host port {port}")), "{msg}");
    assert!(msg.contains("publish the container port only"), "{msg}");

    // A database needs the override.
    let r = scale(&operator, &s, &p.name, "db", json!({"replicas": 2})).await;
    assert!(
        refused(r, StatusCode::CONFLICT)
            .await
            .message
            .contains("PostgreSQL database")
    );

    // Bad input: 400 naming the field; unknown service: 404; a viewer: 403.
    for body in [
        json!({"replicas": 21}),
        json!({"replicas": "3"}),
        json!({"replicas": -1}),
        json!({}),
    ] {
        let r = scale(&operator, &s, &p.name, "web", body.clone()).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{body}");
    }
    let r = scale(&operator, &s, &p.name, "web", json!({"replicas": 21})).await;
    assert!(
        refused(r, StatusCode::BAD_REQUEST)
            .await
            .message
            .contains("between 0 and 20")
    );
    let r = scale(&operator, &s, &p.name, "nope", json!({"replicas": 2})).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = scale(&viewer, &s, &p.name, "web", json!({"replicas": 2})).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let after: Vec<BTreeSet<String>> = ["web", "fixed", "db"]
        .iter()
        .map(|svc| ids(&p.name, svc))
        .collect();
    assert_eq!(before, after, "a refused request changed containers");

    // With the override the database scales (a label-only "database" here).
    let r = scale(
        &operator,
        &s,
        &p.name,
        "db",
        json!({"replicas": 2, "override": true}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(ids(&p.name, "db").len(), 2);
    let failed = audit(&s, &admin, "action=service.scale").await;
    assert!(failed.iter().any(|r| {
        r.outcome == AuditOutcome::Failed
            && r.detail
                .as_deref()
                .unwrap_or_default()
                .contains("fixed host port")
    }));
}

#[tokio::test]
async fn a_create_the_engine_refuses_stops_and_leaves_nothing_half_made() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let operator = s.user(&admin, "oscar", "operator").await;
    let p = Project::up(&unique("itscfail"), &stack(0)).await;
    wait_listed(&operator, &s, &p.name).await;
    // Something else already holds the name replica #3 would get.
    let one = ids(&p.name, "web").into_iter().next().unwrap();
    let name1 = docker(&["inspect", "-f", "{{.Name}}", &one]);
    let blocker = format!("{}3", name1.trim_start_matches('/').trim_end_matches('1'));
    docker(&["create", "--name", &blocker, "busybox:latest", "true"]);

    let r = scale(&operator, &s, &p.name, "web", json!({"replicas": 3})).await;
    docker(&["rm", "-f", &blocker]);
    let msg = refused(r, StatusCode::BAD_GATEWAY).await.message;
    assert!(msg.contains("stopped part-way"), "{msg}");
    assert!(msg.contains(&blocker), "{msg}");
    assert!(msg.contains("#1 running"), "{msg}");
    // #2 was made whole; #3 does not exist at all, not even as a created container.
    let now = ids(&p.name, "web");
    assert_eq!(now.len(), 2, "{msg}");
    for id in &now {
        assert_eq!(
            docker(&["inspect", "-f", "{{.State.Status}}", id]),
            "running"
        );
    }
    let records = audit(&s, &admin, "action=service.scale").await;
    assert!(records.iter().any(|r| r.outcome == AuditOutcome::Failed
        && r.detail.as_deref().unwrap_or_default().contains(&blocker)));
}

#[tokio::test]
async fn concurrent_requests_serialize_and_progress_is_streamed() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let operator = s.user(&admin, "oscar", "operator").await;
    let p = Project::up(&unique("itscbusy"), &stack(0)).await;
    wait_listed(&operator, &s, &p.name).await;
    let r = scale(&operator, &s, &p.name, "slow", json!({"replicas": 3})).await;
    assert_eq!(r.status(), StatusCode::OK);

    let mut events = Events::open(&operator, s.url("/api/v1/overview/events")).await;
    // Scaling down waits out the 3 s grace period: the window for a second request.
    let first = tokio::spawn({
        let (operator, url) = (
            operator.clone(),
            s.url(&format!("/api/v1/projects/{}/services/slow/scale", p.name)),
        );
        async move {
            operator
                .post(url)
                .json(&json!({"replicas": 1}))
                .send()
                .await
                .unwrap()
        }
    });
    let busy = events
        .until(Duration::from_secs(10), |o: &Overview| {
            service_in(o, &p.name, "slow").is_some_and(|s| {
                s.busy
                    .as_deref()
                    .is_some_and(|b| b.starts_with("scaling to 1"))
                    && s.progress.map(|p| p.total) == Some(2)
            })
        })
        .await;
    assert!(
        service_in(&busy, &p.name, "slow")
            .and_then(|s| s.busy.as_deref())
            .is_some_and(|b| b.contains("scaling to 1"))
    );
    let second = scale(&operator, &s, &p.name, "slow", json!({"replicas": 2})).await;
    let m = refused(second, StatusCode::CONFLICT).await.message;
    assert!(m.contains("oscar is scaling to 1"), "{m}");
    // The marker goes when the work is done.
    events
        .until(Duration::from_secs(15), |o: &Overview| {
            service_in(o, &p.name, "slow")
                .is_some_and(|s| s.busy.is_none() && s.containers.len() == 1)
        })
        .await;
    let first = first.await.unwrap();
    assert_eq!(numbers(&expect_json(first, StatusCode::OK).await), vec![1]);
    assert_eq!(ids(&p.name, "slow").len(), 1);
}
