//! The Docker engine restarted in the middle of a dump, and under open log and overview
//! streams. This restarts the engine every other test shares, so it is ignored in the
//! parallel run and run alone by scripts/test.sh
//! (`cargo test -p bosun --test it -- --ignored --test-threads=1`).

use std::process::Command;
use std::time::Duration;

use bosun_frontend::model::{
    AuditOutcome, BackupStatus, ContainerState, LogFrame, MarkerKind, Overview, ServiceDto,
};
use serde_json::json;

use crate::api::{json_get, state_in, wait_listed};
use crate::dbs::{
    dump_in_flight, files_in, good_backup, seeded_postgres, wait_backup, wait_database,
    wait_healthy,
};
use crate::harness::TestServer;
use crate::logs::{SAYER, lines_of, markers_of, say};
use crate::sse::Events;
use crate::stacks::{Project, unique};

/// Stops dockerd and starts it again with the project's own helper.
fn restart_engine() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/lib/docker.sh");
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -e; source '{script}'; pkill -x dockerd; \
             for i in $(seq 1 120); do pgrep -x dockerd >/dev/null || break; sleep 0.5; done; \
             bosun_ensure_docker"
        ))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "restarting the engine failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
#[ignore = "restarts the shared Docker engine; scripts/test.sh runs it alone"]
async fn an_engine_restart_mid_dump_fails_the_backup_cleanly_and_bosun_recovers() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let (p, db) = seeded_postgres(&admin, &s, "bkengine").await;

    let (lock, id) = dump_in_flight(&admin, &s, &p.name, &db).await;

    tokio::task::spawn_blocking(restart_engine).await.unwrap();
    drop(lock);
    let b = wait_backup(&admin, &s, id).await;
    assert_eq!(b.status, BackupStatus::Failed, "{b:?}");
    let reason = b.reason.as_deref().unwrap();
    assert!(
        reason.contains("engine"),
        "the reason names the engine: {reason}"
    );
    assert_eq!(
        files_in(&s.data.path().join("backups")),
        Vec::<String>::new()
    );
    crate::faults::shown(
        &s,
        &admin,
        Some((id, BackupStatus::Failed)),
        "backup.create",
        &format!("{}/db #{id}", p.name),
        AuditOutcome::Failed,
    )
    .await;

    // bosun reconnects by itself (its own status says so, not the CLI's); once the database
    // runs again, backups work.
    crate::engine::wait_for(&admin, &s, true).await;
    p.compose(&["start", "db"]).await;
    wait_healthy(&p.name, "db").await;
    wait_database(&admin, &s, &p.name).await;
    good_backup(&admin, &s, &p.name, json!({})).await;
}

#[tokio::test]
#[ignore = "restarts the shared Docker engine; scripts/test.sh runs it alone"]
async fn open_log_and_overview_streams_say_the_engine_went_away_and_carry_on_when_it_is_back() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let project = Project::up(&unique("itengstream"), SAYER).await;
    let p = project.name.clone();
    wait_listed(&admin, &s, &p).await;
    let svc: ServiceDto =
        json_get(&admin, &s, &format!("/api/v1/projects/{p}/services/sayer")).await;
    let id = svc.containers[0].id.clone();

    let mut logs = Events::open(
        &admin,
        s.url(&format!(
            "/api/v1/projects/{p}/services/sayer/logs?follow=true"
        )),
    )
    .await;
    logs.until(Duration::from_secs(10), |f: &LogFrame| {
        lines_of(f).iter().any(|l| l.text == "sayer up")
    })
    .await;
    let sayer_running = |o: &Overview| state_in(o, &p, "sayer") == Some(ContainerState::Running);
    let mut overview = Events::open(&admin, s.url("/api/v1/overview/events")).await;
    overview
        .until(Duration::from_secs(10), |o: &Overview| {
            o.engine.connected && sayer_running(o)
        })
        .await;

    tokio::task::spawn_blocking(restart_engine).await.unwrap();

    // The overview says the engine was lost, then shows it back with the container running.
    overview
        .until(Duration::from_secs(60), |o: &Overview| !o.engine.connected)
        .await;
    overview
        .until(Duration::from_secs(90), |o: &Overview| {
            o.engine.connected && sayer_running(o)
        })
        .await;

    // The log stream marks the gap, follows the container again, and new lines arrive.
    let markers = |f: &LogFrame, kinds: &[MarkerKind]| {
        markers_of(f).any(|m| m.source == "sayer.1" && kinds.contains(&m.kind))
    };
    logs.until(Duration::from_secs(30), |f: &LogFrame| {
        markers(f, &[MarkerKind::Stopped, MarkerKind::EngineLost])
    })
    .await;
    logs.until(Duration::from_secs(60), |f: &LogFrame| {
        markers(f, &[MarkerKind::Restarted])
    })
    .await;
    say(&id, "after the engine restart").await;
    logs.until(Duration::from_secs(15), |f: &LogFrame| {
        lines_of(f)
            .iter()
            .any(|l| l.text == "after the engine restart")
    })
    .await;

    // The outage is in the audit log, and on its page: lost (with why), then back.
    let entries = crate::api::audit(&s, &admin, "action=engine.&actor=engine").await;
    let actions: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| (e.action.as_str(), e.outcome.as_str()))
        .collect();
    // Newest first; a restarting engine may flap, but every loss has its return.
    assert_eq!(
        actions.first(),
        Some(&("engine.reconnected", "ok")),
        "{entries:#?}"
    );
    let count = |a: (&str, &str)| actions.iter().filter(|x| **x == a).count();
    assert!(
        count(("engine.disconnected", "failed")) >= 1,
        "{entries:#?}"
    );
    assert_eq!(
        count(("engine.disconnected", "failed")),
        count(("engine.reconnected", "ok")),
        "{entries:#?}"
    );
    crate::faults::page_shows(
        &s,
        &admin,
        "/audit?actor=engine",
        &["engine.reconnected", "Docker engine", "engine.disconnected"],
    )
    .await;
}
