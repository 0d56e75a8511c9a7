//! Swarm services on the local engine, made a one-node manager for this test and returned
//! to its former state afterwards. Joining and leaving a swarm rewires the whole engine's
//! networking (published ports of every container blink), so this runs alone, after the
//! parallel tests, like the engine restarts (scripts/test.sh: `-- --ignored --test-threads=1`).

use std::process::Command;
use std::time::Duration;

use bosun_frontend::model::{AuditOutcome, SwarmDto, SwarmScaleReport, SwarmServiceDto};
use reqwest::StatusCode;
use serde_json::json;

use crate::api::{audit, expect_json, json_get, refused};
use crate::harness::TestServer;
use crate::stacks::unique;

fn docker(args: &[&str]) -> (bool, String) {
    let out = Command::new("docker").args(args).output().unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout).trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        ),
    )
}

/// Joins a one-node swarm unless the engine is in one already; leaves it again on drop only
/// if it joined.
pub struct Swarm {
    joined: bool,
}

impl Swarm {
    pub fn ensure() -> Self {
        let (_, state) = docker(&["info", "-f", "{{.Swarm.LocalNodeState}}"]);
        if state == "active" {
            return Swarm { joined: false };
        }
        let (ok, out) = docker(&["swarm", "init", "--advertise-addr", "127.0.0.1"]);
        assert!(ok, "docker swarm init: {out}");
        Swarm { joined: true }
    }
}

impl Drop for Swarm {
    fn drop(&mut self) {
        if self.joined {
            let _ = docker(&["swarm", "leave", "--force"]);
        }
    }
}

/// A Swarm service removed on drop.
pub struct Service(pub String);

impl Drop for Service {
    fn drop(&mut self) {
        let _ = docker(&["service", "rm", &self.0]);
    }
}

fn find<'a>(dto: &'a SwarmDto, name: &str) -> Option<&'a SwarmServiceDto> {
    dto.services.iter().find(|s| s.name == name)
}

#[tokio::test]
#[ignore = "changes the shared engine's Swarm mode; scripts/test.sh runs it alone"]
async fn a_swarm_service_is_listed_with_its_tasks_scaled_1_to_3_and_its_logs_read() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let operator = s.user(&admin, "oscar", "operator").await;
    let viewer = s.user(&admin, "watcher", "viewer").await;
    let (_, state) = docker(&["info", "-f", "{{.Swarm.LocalNodeState}}"]);
    if state != "active" {
        // Not a manager: nothing listed, and scaling says why.
        let dto: SwarmDto = json_get(&viewer, &s, "/api/v1/swarm/services").await;
        assert!(!dto.manager);
        let r = operator
            .post(s.url("/api/v1/swarm/services/any/scale"))
            .json(&json!({"replicas": 2}))
            .send()
            .await
            .unwrap();
        assert!(
            refused(r, StatusCode::CONFLICT)
                .await
                .message
                .contains("not a Swarm manager")
        );
    }
    let swarm = Swarm::ensure();
    let name = unique("itsw");
    let (ok, out) = docker(&[
        "service",
        "create",
        "-d",
        "--name",
        &name,
        "--label",
        "com.docker.stack.namespace=itstack",
        "--replicas",
        "1",
        "--stop-grace-period",
        "1s",
        "busybox:latest",
        "sh",
        "-c",
        "while true; do echo tick from $(hostname); sleep 1; done",
    ]);
    assert!(ok, "service create: {out}");
    let service = Service(name.clone());

    // Listed with its stack and one running task.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let listed = loop {
        let dto: SwarmDto = json_get(&viewer, &s, "/api/v1/swarm/services").await;
        assert!(dto.manager, "{dto:?}");
        if let Some(svc) = find(&dto, &name).filter(|v| v.running == 1) {
            break svc.clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not running: {dto:#?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert_eq!(listed.stack.as_deref(), Some("itstack"));
    assert_eq!(listed.mode, "replicated");
    assert_eq!(listed.replicas, Some(1));
    assert_eq!(listed.tasks[0].state, "running");

    // A viewer may look but not scale.
    let url = s.url(&format!("/api/v1/swarm/services/{name}/scale"));
    let r = viewer
        .post(&url)
        .json(&json!({"replicas": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = operator
        .post(&url)
        .json(&json!({"replicas": 99}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = operator
        .post(s.url("/api/v1/swarm/services/nope-not-here/scale"))
        .json(&json!({"replicas": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // 1 → 3: the answer comes when three tasks run, and the engine agrees.
    let r = operator
        .post(&url)
        .json(&json!({"replicas": 3}))
        .send()
        .await
        .unwrap();
    let report: SwarmScaleReport = expect_json(r, StatusCode::OK).await;
    assert!(report.converged, "{report:?}");
    assert_eq!(report.service.running, 3);
    let (_, replicas) = docker(&[
        "service",
        "ls",
        "--filter",
        &format!("name={name}"),
        "--format",
        "{{.Replicas}}",
    ]);
    assert_eq!(replicas, "3/3");

    // Logs of the service: every task's lines, merged.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let text = viewer
            .get(s.url(&format!("/api/v1/swarm/services/{name}/logs?tail=50")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let hosts: std::collections::BTreeSet<&str> = text
            .lines()
            .filter_map(|l| l.split("tick from ").nth(1))
            .collect();
        if hosts.len() == 3 {
            assert!(
                text.lines().all(|l| l.starts_with(&format!("[{name}."))),
                "{text}"
            );
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not three tasks in the log:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // And back to 1.
    let r = operator
        .post(&url)
        .json(&json!({"replicas": 1}))
        .send()
        .await
        .unwrap();
    let report: SwarmScaleReport = expect_json(r, StatusCode::OK).await;
    assert_eq!(report.service.running, 1);

    let records = audit(&s, &admin, "action=swarm.scale").await;
    assert!(records.iter().any(|r| r.actor == "oscar"
        && r.outcome == AuditOutcome::Ok
        && r.target == format!("swarm/{name}")));
    drop(service);
    drop(swarm);
}
