//! Image updates against a real registry and the real engine: a newer build is found, the
//! update recreates the service on it as compose would (compose agrees afterwards), a broken
//! build rolls back by itself, and a rollback by hand goes back to the build before.

use std::time::Duration;

use bosun_frontend::model::{
    CheckState, ImageUpdateDto, NotifyEvent, UpdateKind, UpdateRunDto, UpdateStarted, UpdateStatus,
};
use reqwest::{Client, StatusCode};

use crate::api::{expect_json, json_get, wait_listed};
use crate::harness::TestServer;
use crate::registry::{Build, Registry, docker};
use crate::sse::Events;
use crate::stacks::{Project, unique};

/// The check of `project/service` after asking the registries now.
pub async fn check(admin: &Client, s: &TestServer, project: &str, service: &str) -> ImageUpdateDto {
    let r = admin
        .post(s.url("/api/v1/updates/check"))
        .send()
        .await
        .unwrap();
    let checks: Vec<ImageUpdateDto> = expect_json(r, StatusCode::OK).await;
    checks
        .into_iter()
        .find(|c| c.project == project && c.service == service)
        .unwrap_or_else(|| panic!("no check for {project}/{service}"))
}

/// Starts an update (or rollback) and follows its events to the end.
pub async fn run(
    admin: &Client,
    s: &TestServer,
    project: &str,
    service: &str,
    what: &str,
) -> UpdateRunDto {
    let r = admin
        .post(s.url(&format!(
            "/api/v1/projects/{project}/services/{service}/{what}"
        )))
        .send()
        .await
        .unwrap();
    let started: UpdateStarted = expect_json(r, StatusCode::ACCEPTED).await;
    follow(admin, s, started.id).await
}

pub async fn follow(admin: &Client, s: &TestServer, id: i64) -> UpdateRunDto {
    let mut events = Events::open(admin, s.url(&format!("/api/v1/update-runs/{id}/events"))).await;
    events
        .until(Duration::from_secs(120), |r: &UpdateRunDto| r.finished())
        .await
}

/// The containers of a compose service, by name, with the image id each runs.
pub fn containers_of(project: &str, service: &str) -> Vec<(String, String)> {
    let ids = docker(&[
        "ps",
        "-aq",
        "--filter",
        &format!("label=com.docker.compose.project={project}"),
        "--filter",
        &format!("label=com.docker.compose.service={service}"),
    ]);
    let mut out: Vec<(String, String)> = ids
        .lines()
        .map(|id| {
            let line = docker(&["inspect", "-f", "{{.Name}} {{.Image}}", id]);
            let (name, image) = line.split_once(' ').unwrap();
            (name.trim_start_matches('/').to_owned(), image.to_owned())
        })
        .collect();
    out.sort();
    out
}

/// Every container on the engine whose name says it was kept aside by an update.
pub fn kept_aside(project: &str) -> Vec<String> {
    docker(&["ps", "-a", "--format", "{{.Names}}"])
        .lines()
        .filter(|n| n.starts_with(project) && n.contains("bosun-old"))
        .map(str::to_owned)
        .collect()
}

/// bosun without the scheduled check, so every check in a test is the test's own.
pub async fn server() -> TestServer {
    TestServer::start_with(&[
        "--admin-password",
        crate::harness::ADMIN_PASSWORD,
        "--update-check",
        "off",
    ])
    .await
}

pub fn stack(image: &str, extra: &str) -> String {
    format!(
        "services:\n  web:\n    image: {image}\n    labels:\n      bosun.update.wait: 1s\n{extra}"
    )
}

#[tokio::test]
async fn an_update_moves_the_service_to_the_new_build_and_a_broken_build_rolls_back() {
    let registry = Registry::start().await;
    let repo = unique("bosun-upd-");
    let v1 = registry.build(&repo, "v1", Build::Good).await;
    let v2 = registry.build(&repo, "v2", Build::Good).await;
    registry.build(&repo, "v3", Build::Exits).await;
    let d1 = registry.push(&repo, "v1", "stable").await;
    let image = format!("{}/{repo}:stable", registry.host);
    let p = Project::up(&unique("bosunupd"), &stack(&image, "")).await;
    let s = server().await;
    let admin = s.admin().await;
    wait_listed(&admin, &s, &p.name).await;
    let (hook, inbox) = crate::notify::receiver().await;
    crate::notify::add(
        &admin,
        &s,
        "ops",
        &hook,
        "generic",
        &["update.available", "update.failed"],
    )
    .await;

    // The registry has what runs: current.
    let now = check(&admin, &s, &p.name, "web").await;
    assert_eq!(
        (now.state, now.current_digest.as_deref()),
        (CheckState::Current, Some(d1.as_str())),
        "{now:?}"
    );

    // A new build under the same tag: available, with both digests.
    let d2 = registry.push(&repo, "v2", "stable").await;
    let now = check(&admin, &s, &p.name, "web").await;
    assert_eq!(now.state, CheckState::Available, "{now:?}");
    assert_eq!(now.available_digest.as_deref(), Some(d2.as_str()));
    assert_eq!(now.current_digest.as_deref(), Some(d1.as_str()));
    // Notified once for this build, however often it is checked.
    check(&admin, &s, &p.name, "web").await;
    let title = format!("Update available for {}/web", p.name);
    inbox
        .wait_for(NotifyEvent::UpdateAvailable, &title, 20)
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sent = inbox.bodies().iter().filter(|b| b.contains(&title)).count();
    assert_eq!(sent, 1, "{:?}", inbox.bodies());
    // When the new build was made, from the registry's own record of it.
    let built = docker(&["image", "inspect", "-f", "{{.Created}}", &v2]);
    assert_eq!(now.built_at.as_deref(), Some(built.as_str()), "{now:?}");

    let before = containers_of(&p.name, "web");
    assert_eq!(before.len(), 1);
    let name = before[0].0.clone();
    let updated = run(&admin, &s, &p.name, "web", "update").await;
    assert_eq!(updated.status, UpdateStatus::Succeeded, "{updated:#?}");
    assert_eq!(
        updated.to.as_ref().and_then(|t| t.digest.clone()),
        Some(d2.clone())
    );
    // Same name, v2's image, the service's alias on its network.
    assert_eq!(
        containers_of(&p.name, "web"),
        vec![(name.clone(), v2.clone())]
    );
    let aliases = docker(&[
        "inspect",
        "-f",
        "{{range .NetworkSettings.Networks}}{{.Aliases}}{{end}}",
        &name,
    ]);
    assert!(aliases.contains("web"), "{aliases}");
    let served = docker(&["exec", &name, "wget", "-qO-", "http://127.0.0.1/version"]);
    assert_eq!(served, "v2");
    // Compose agrees: it lists the container up, and `up -d` leaves it alone.
    let id = docker(&["inspect", "-f", "{{.Id}}", &name]);
    p.compose(&["up", "-d"]).await;
    assert_eq!(
        docker(&["inspect", "-f", "{{.Id}}", &name]),
        id,
        "compose recreated the updated container: {:?}",
        updated.steps
    );
    let check_now = check(&admin, &s, &p.name, "web").await;
    assert_eq!(check_now.state, CheckState::Current, "{check_now:?}");
    assert_eq!(check_now.rollback_to.as_deref(), Some(v1.as_str()));

    // A broken build: the new container exits, the old one comes back under its name.
    registry.push(&repo, "v3", "stable").await;
    let broken = run(&admin, &s, &p.name, "web", "update").await;
    assert_eq!(broken.status, UpdateStatus::RolledBack, "{broken:#?}");
    let reason = broken.reason.clone().unwrap_or_default();
    assert!(
        reason.contains("exited") || reason.contains("restarted"),
        "{reason}"
    );
    assert!(
        broken
            .logs
            .as_deref()
            .unwrap_or_default()
            .contains("this build is broken"),
        "{broken:#?}"
    );
    assert_eq!(
        containers_of(&p.name, "web"),
        vec![(name.clone(), v2.clone())]
    );
    assert_eq!(
        docker(&["exec", &name, "wget", "-qO-", "http://127.0.0.1/version"]),
        "v2"
    );
    assert!(kept_aside(&p.name).is_empty(), "{:?}", kept_aside(&p.name));
    inbox
        .wait_for(NotifyEvent::UpdateFailed, "rolled back", 20)
        .await;
    // The tag names the build that runs again, so `up -d` does not bring the broken one in.
    assert_eq!(docker(&["image", "inspect", "-f", "{{.Id}}", &image]), v2);

    // A rollback by hand goes back to v1.
    let back = run(&admin, &s, &p.name, "web", "rollback").await;
    assert_eq!(
        (back.kind, back.status),
        (UpdateKind::Rollback, UpdateStatus::Succeeded),
        "{back:#?}"
    );
    assert_eq!(
        containers_of(&p.name, "web"),
        vec![(name.clone(), v1.clone())]
    );
    assert_eq!(
        docker(&["exec", &name, "wget", "-qO-", "http://127.0.0.1/version"]),
        "v1"
    );

    let history: Vec<UpdateRunDto> = json_get(
        &admin,
        &s,
        &format!("/api/v1/projects/{}/services/web/updates", p.name),
    )
    .await;
    let seen: Vec<(UpdateKind, UpdateStatus)> =
        history.iter().map(|r| (r.kind, r.status)).collect();
    assert_eq!(
        seen,
        [
            (UpdateKind::Rollback, UpdateStatus::Succeeded),
            (UpdateKind::Update, UpdateStatus::RolledBack),
            (UpdateKind::Update, UpdateStatus::Succeeded)
        ]
    );
    let audit = crate::api::audit(&s, &admin, "action=service.update").await;
    assert_eq!(audit.len(), 2, "{audit:#?}");
    assert!(
        audit
            .iter()
            .any(|a| a.detail.as_deref().unwrap_or_default().contains(&d2[7..19])),
        "{audit:#?}"
    );
}

#[tokio::test]
async fn local_builds_and_left_out_services_are_shown_not_checked_and_not_updated() {
    let tag = format!("bosun-local-{}:dev", rand::random::<u32>());
    docker(&["tag", "busybox:latest", &tag]);
    let extra = "  quiet:\n    image: busybox:latest\n    command: [\"sleep\", \"3600\"]\n    labels:\n      bosun.update: \"false\"\n";
    let stack =
        format!("services:\n  web:\n    image: {tag}\n    command: [\"sleep\", \"3600\"]\n{extra}");
    let p = Project::up(&unique("bosunloc"), &stack).await;
    let s = server().await;
    let admin = s.admin().await;
    wait_listed(&admin, &s, &p.name).await;
    let web = check(&admin, &s, &p.name, "web").await;
    assert_eq!(web.state, CheckState::LocalBuild, "{web:?}");
    let quiet = check(&admin, &s, &p.name, "quiet").await;
    assert_eq!(quiet.state, CheckState::Excluded, "{quiet:?}");
    for service in ["web", "quiet"] {
        let r = admin
            .post(s.url(&format!(
                "/api/v1/projects/{}/services/{service}/update",
                p.name
            )))
            .send()
            .await
            .unwrap();
        let e = crate::api::refused(r, StatusCode::CONFLICT).await;
        assert!(
            e.message.contains("local") || e.message.contains("bosun.update=false"),
            "{e:?}"
        );
    }
    // Nothing to roll back to before any update.
    let r = admin
        .post(s.url(&format!(
            "/api/v1/projects/{}/services/web/rollback",
            p.name
        )))
        .send()
        .await
        .unwrap();
    crate::api::refused(r, StatusCode::CONFLICT).await;
    drop(p);
    let _ = std::process::Command::new("docker")
        .args(["rmi", &tag])
        .output();
}
