//! Updates of a Swarm service against a real registry: a newer build is found (Swarm pins the
//! digest it resolved), the update moves the service to it through Swarm, and a build whose
//! tasks fail is rolled back by Swarm itself. Changes the engine's Swarm mode: runs alone.

use bosun_frontend::model::{
    CheckState, ImageUpdateDto, UpdateRunDto, UpdateStarted, UpdateStatus,
};
use reqwest::StatusCode;

use crate::api::expect_json;
use crate::registry::{Build, Registry, docker};
use crate::stacks::unique;
use crate::swarm::{Service, Swarm};
use crate::updates::{follow, server};

async fn swarm_check(
    admin: &reqwest::Client,
    s: &crate::harness::TestServer,
    name: &str,
) -> ImageUpdateDto {
    let r = admin
        .post(s.url("/api/v1/updates/check"))
        .send()
        .await
        .unwrap();
    let checks: Vec<ImageUpdateDto> = expect_json(r, StatusCode::OK).await;
    checks
        .into_iter()
        .find(|c| c.swarm && c.service == name)
        .unwrap_or_else(|| panic!("no check for Swarm service {name}"))
}

async fn swarm_run(
    admin: &reqwest::Client,
    s: &crate::harness::TestServer,
    name: &str,
) -> UpdateRunDto {
    let r = admin
        .post(s.url(&format!("/api/v1/swarm/services/{name}/update")))
        .send()
        .await
        .unwrap();
    let started: UpdateStarted = expect_json(r, StatusCode::ACCEPTED).await;
    follow(admin, s, started.id).await
}

fn spec_image(name: &str) -> String {
    docker(&[
        "service",
        "inspect",
        "-f",
        "{{.Spec.TaskTemplate.ContainerSpec.Image}}",
        name,
    ])
}

#[tokio::test]
#[ignore = "changes the shared engine's Swarm mode; scripts/test.sh runs it alone"]
async fn a_swarm_service_is_updated_through_swarm_and_a_failing_build_is_rolled_back_by_it() {
    let registry = Registry::start().await;
    let repo = unique("bosun-swarm-");
    registry.build(&repo, "v1", Build::Good).await;
    registry.build(&repo, "v2", Build::Good).await;
    registry.build(&repo, "v3", Build::Exits).await;
    let d1 = registry.push(&repo, "v1", "stable").await;
    let image = format!("{}/{repo}:stable", registry.host);
    let _swarm = Swarm::ensure();
    let name = unique("itswu");
    docker(&[
        "service",
        "create",
        "-d",
        "--name",
        &name,
        "--replicas",
        "1",
        "--stop-grace-period",
        "1s",
        &image,
    ]);
    let _service = Service(name.clone());
    assert!(spec_image(&name).ends_with(&d1), "{}", spec_image(&name));

    let s = server().await;
    let admin = s.admin().await;
    let now = swarm_check(&admin, &s, &name).await;
    assert_eq!(
        (now.state, now.current_digest.as_deref()),
        (CheckState::Current, Some(d1.as_str())),
        "{now:?}"
    );

    let d2 = registry.push(&repo, "v2", "stable").await;
    let now = swarm_check(&admin, &s, &name).await;
    assert_eq!(now.state, CheckState::Available, "{now:?}");
    assert_eq!(now.available_digest.as_deref(), Some(d2.as_str()));

    let done = swarm_run(&admin, &s, &name).await;
    assert_eq!(done.status, UpdateStatus::Succeeded, "{done:#?}");
    assert_eq!(spec_image(&name), format!("{image}@{d2}"));
    let running = docker(&[
        "service",
        "ps",
        "--filter",
        "desired-state=running",
        "--format",
        "{{.Image}} {{.CurrentState}}",
        &name,
    ]);
    assert!(
        running.contains(&d2[..19]) || running.contains("stable"),
        "{running}"
    );

    // A build whose tasks exit: Swarm rolls the service back to v2 by itself.
    registry.push(&repo, "v3", "stable").await;
    let broken = swarm_run(&admin, &s, &name).await;
    assert_eq!(broken.status, UpdateStatus::RolledBack, "{broken:#?}");
    assert_eq!(spec_image(&name), format!("{image}@{d2}"));
}
