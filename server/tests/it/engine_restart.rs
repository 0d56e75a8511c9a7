//! The Docker engine restarted in the middle of a dump, and under open log and overview
//! streams. This restarts the engine every other test shares, so it is ignored in the
//! parallel run and run alone by scripts/test.sh
//! (`cargo test -p bosun --test it -- --ignored --test-threads=1`).

use std::process::Command;
use std::time::Duration;

use serde_json::json;

use crate::dbs::{
    dump_in_flight, files_in, good_backup, seeded_postgres, wait_backup, wait_database,
    wait_healthy,
};
use crate::harness::{TestServer, json_get, state_in, wait_listed};
use crate::logs::{SAYER, lines_of, say};
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
    assert_eq!(b["status"], "failed", "{b}");
    let reason = b["reason"].as_str().unwrap();
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
        Some((id, "failed")),
        "backup.create",
        &format!("{}/db #{id}", p.name),
        "failed",
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
    let svc = json_get(&admin, &s, &format!("/api/v1/projects/{p}/services/sayer")).await;
    let id = svc["containers"][0]["id"].as_str().unwrap().to_owned();

    let mut logs = Events::open(
        &admin,
        s.url(&format!(
            "/api/v1/projects/{p}/services/sayer/logs?follow=true"
        )),
    )
    .await;
    logs.until(Duration::from_secs(10), |f| {
        lines_of(f).iter().any(|l| l["text"] == "sayer up")
    })
    .await;
    let sayer_state = |o: &serde_json::Value| state_in(o, &p, "sayer");
    let mut overview = Events::open(&admin, s.url("/api/v1/overview/events")).await;
    overview
        .until(Duration::from_secs(10), |o| {
            o["engine"]["connected"] == true && sayer_state(o).as_deref() == Some("running")
        })
        .await;

    tokio::task::spawn_blocking(restart_engine).await.unwrap();

    // The overview says the engine was lost, then shows it back with the container running.
    overview
        .until(Duration::from_secs(60), |o| {
            o["engine"]["connected"] == false
        })
        .await;
    overview
        .until(Duration::from_secs(90), |o| {
            o["engine"]["connected"] == true && sayer_state(o).as_deref() == Some("running")
        })
        .await;

    // The log stream marks the gap, follows the container again, and new lines arrive.
    let markers = |f: &serde_json::Value, kinds: &[&str]| {
        f["items"].as_array().unwrap().iter().any(|i| {
            i["type"] == "marker"
                && i["source"] == "sayer.1"
                && kinds.contains(&i["kind"].as_str().unwrap_or_default())
        })
    };
    logs.until(Duration::from_secs(30), |f| {
        markers(f, &["stopped", "engine_lost"])
    })
    .await;
    logs.until(Duration::from_secs(60), |f| markers(f, &["restarted"]))
        .await;
    say(&id, "after the engine restart").await;
    logs.until(Duration::from_secs(15), |f| {
        lines_of(f)
            .iter()
            .any(|l| l["text"] == "after the engine restart")
    })
    .await;

    // The outage is in the audit log, and on its page: lost (with why), then back.
    let entries = crate::harness::audit(&s, &admin, "action=engine.&actor=engine").await;
    let actions: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["outcome"].as_str().unwrap(),
            )
        })
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
