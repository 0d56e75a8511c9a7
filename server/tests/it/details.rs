//! One container in full against the real engine: a secret in its environment shows by name
//! only (REST, page and hydration data), an admin may reveal it (audited, never the value),
//! a failing health check shows its output, and mounts and aliases match `docker inspect`.

use std::collections::BTreeSet;
use std::time::Duration;

use bosun_frontend::model::details::{ComposeFiles, ContainerDetails, RevealedVar};
use reqwest::StatusCode;

use crate::api::{expect_json, refused, text_of, wait_listed};
use crate::harness::TestServer;
use crate::registry::docker;
use crate::stacks::{Project, unique};

const SECRET: &str = "s3cr3t-value-that-must-not-show";

fn stack() -> String {
    format!(
        r#"
services:
  app:
    image: busybox:latest
    command: ["sh", "-c", "while true; do sleep 1; done"]
    init: true
    environment:
      DB_PASSWORD: "{SECRET}"
      MODE: production
    healthcheck:
      test: ["CMD", "sh", "-c", "echo probe-says-no; exit 3"]
      interval: 1s
      retries: 2
    volumes:
      - data:/data
    networks:
      default:
        aliases: [backend]
volumes:
  data:
"#
    )
}

#[tokio::test]
async fn details_show_a_secret_by_name_only_and_match_the_engine() {
    let p = Project::up(&unique("bosundet"), &stack()).await;
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let viewer = s.user(&admin, "vera", "viewer").await;
    wait_listed(&admin, &s, &p.name).await;
    let name = docker(&[
        "ps",
        "-q",
        "--filter",
        &format!("label=com.docker.compose.project={}", p.name),
    ]);
    let name = docker(&["inspect", "-f", "{{.Name}}", &name])
        .trim_start_matches('/')
        .to_owned();
    let url = s.url(&format!("/api/v1/containers/{name}/details"));

    // The failing check's output arrives within a few runs of it.
    let mut d: ContainerDetails =
        expect_json(viewer.get(&url).send().await.unwrap(), StatusCode::OK).await;
    for _ in 0..50 {
        if d.health.as_ref().is_some_and(|h| !h.log.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        d = expect_json(viewer.get(&url).send().await.unwrap(), StatusCode::OK).await;
    }
    let health = d.health.clone().expect("a health check");
    let probe = health.log.last().expect("a result");
    assert_eq!(probe.exit_code, Some(3), "{health:?}");
    assert!(probe.output.contains("probe-says-no"), "{health:?}");

    // The secret by name, never its value: not in the answer, the page or its hydration data.
    let raw = viewer.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(!raw.contains(SECRET), "the REST answer shows the secret");
    let secret = d
        .env
        .iter()
        .find(|v| v.name == "DB_PASSWORD")
        .expect("listed");
    assert!(secret.secret && secret.value.is_none(), "{secret:?}");
    let mode = d.env.iter().find(|v| v.name == "MODE").expect("listed");
    assert_eq!(mode.value.as_deref(), Some("production"));
    let page = text_of(&viewer, &s, &format!("/containers/{name}")).await;
    assert!(
        page.contains("DB_PASSWORD") && page.contains("production"),
        "the page lacks the variables"
    );
    assert!(!page.contains(SECRET), "the page shows the secret");

    // Mounts and aliases as the engine has them.
    let targets: BTreeSet<String> = d.mounts.iter().map(|m| m.target.clone()).collect();
    let engine_targets: BTreeSet<String> = docker(&[
        "inspect",
        "-f",
        "{{range .Mounts}}{{.Destination}} {{end}}",
        &name,
    ])
    .split_whitespace()
    .map(str::to_owned)
    .collect();
    assert_eq!(targets, engine_targets);
    assert!(targets.contains("/data"));
    let net = format!("{}_default", p.name);
    let aliases: BTreeSet<String> = d
        .networks
        .iter()
        .find(|n| n.name == net)
        .expect("the project network")
        .aliases
        .iter()
        .cloned()
        .collect();
    let engine_aliases: BTreeSet<String> = docker(&[
        "inspect",
        "-f",
        &format!(
            "{{{{range (index .NetworkSettings.Networks \"{net}\").Aliases}}}}{{{{.}}}} {{{{end}}}}"
        ),
        &name,
    ])
    .split_whitespace()
    .map(str::to_owned)
    .collect();
    assert_eq!(aliases, engine_aliases);
    assert!(
        aliases.contains("backend") && aliases.contains("app"),
        "{aliases:?}"
    );
    assert!(
        d.labels
            .compose
            .iter()
            .any(|l| l.key == "com.docker.compose.service" && l.value == "app")
    );

    // A viewer may not reveal; an admin may, and the audit says who saw which, not what.
    let reveal = s.url(&format!("/api/v1/containers/{name}/env/DB_PASSWORD/reveal"));
    refused(
        viewer.post(&reveal).send().await.unwrap(),
        StatusCode::FORBIDDEN,
    )
    .await;
    let shown: RevealedVar =
        expect_json(admin.post(&reveal).send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(shown.value, SECRET);
    let plain = s.url(&format!("/api/v1/containers/{name}/env/MODE/reveal"));
    refused(
        admin.post(&plain).send().await.unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    let audit = crate::api::audit(&s, &admin, "action=container.env.reveal").await;
    assert!(
        audit
            .iter()
            .any(|a| a.target.contains("DB_PASSWORD") && a.actor == "admin"),
        "{audit:#?}"
    );
    let text = serde_json::to_string(&audit).unwrap();
    assert!(!text.contains(SECRET), "the audit log holds the secret");

    // The compose file it came from, read-only, its secret hidden there too.
    let compose = s.url(&format!("/api/v1/projects/{}/compose", p.name));
    let files: ComposeFiles =
        expect_json(viewer.get(&compose).send().await.unwrap(), StatusCode::OK).await;
    let text = files.files[0].content.clone().unwrap_or_default();
    assert!(
        text.contains("DB_PASSWORD: ••••••") && text.contains("MODE: production"),
        "{files:#?}"
    );
    assert!(!serde_json::to_string(&files).unwrap().contains(SECRET));
    // A file bosun cannot read says so, and what to do.
    let file = p.dir().join("docker-compose.yaml");
    let kept = std::fs::read(&file).unwrap();
    std::fs::remove_file(&file).unwrap();
    let files: ComposeFiles =
        expect_json(viewer.get(&compose).send().await.unwrap(), StatusCode::OK).await;
    // Back again, so the project can be taken down.
    std::fs::write(&file, kept).unwrap();
    assert!(
        files.files[0]
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("could not read"),
        "{files:#?}"
    );

    let missing = s.url("/api/v1/containers/no-such-container-here/details");
    refused(
        viewer.get(&missing).send().await.unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
}
