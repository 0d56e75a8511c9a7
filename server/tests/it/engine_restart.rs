//! The Docker engine restarted in the middle of a dump. This restarts the engine every
//! other test shares, so it is ignored in the parallel run and run alone by
//! scripts/test.sh (`cargo test -p bosun --test it -- --ignored --test-threads=1`).

use std::process::Command;
use std::time::Duration;

use serde_json::json;

use crate::dbs::{
    files_in, good_backup, hold_lock, postgres, seed_postgres, start_backup, wait_backup,
    wait_database, wait_healthy,
};
use crate::harness::{TestServer, json_get};

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
    let p = postgres("bkengine", "", "").await;
    let db = wait_healthy(&p.name, "db").await;
    seed_postgres(&db, 1000);
    wait_database(&admin, &s, &p.name).await;

    // pg_dump waits for this lock, so the dump is surely in flight.
    let lock = hold_lock(&db).await;
    let id = start_backup(&admin, &s, json!({"project": p.name, "service": "db"})).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let running = json_get(&admin, &s, &format!("/api/v1/backups/{id}")).await;
    assert_eq!(running["status"], "running");

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

    // bosun reconnects by itself; once the database runs again, backups work.
    p.compose(&["start", "db"]).await;
    wait_healthy(&p.name, "db").await;
    wait_database(&admin, &s, &p.name).await;
    good_backup(&admin, &s, &p.name, json!({})).await;
}
