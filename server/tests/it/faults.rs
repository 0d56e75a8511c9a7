//! Faults injected while bosun works, against the real engine and real databases: bosun
//! itself killed (SIGKILL) in the middle of a backup, and the database container killed in
//! the middle of a restore. Nothing is lost, and each outcome is reported and audited.
//! (The engine restarted mid-dump and mid-stream is in engine_restart.rs.)

use std::path::Path;
use std::time::{Duration, Instant};

use bosun_frontend::model::{AuditOutcome, BackupDto, BackupKind, BackupStatus, NotifyEvent};
use reqwest::StatusCode;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::api::{audit, json_get, post_json, refused};
use crate::dbs::{
    docker, dump_in_flight, files_in, good_backup, hold_lock_in, postgres_fingerprint, psql,
    seeded_postgres, wait_database, wait_healthy, wait_lock_waiter,
};
use crate::harness::{ADMIN_PASSWORD, TestServer};

/// The page at `path`, as the signed-in browser gets it (server-rendered), shows each of
/// `needles`, in this order.
pub(crate) async fn page_shows(
    s: &TestServer,
    client: &reqwest::Client,
    path: &str,
    needles: &[&str],
) {
    let page = crate::api::text_of(client, s, path).await;
    let mut rest = page.as_str();
    for n in needles {
        match rest.find(n) {
            Some(at) => rest = &rest[at + n.len()..],
            None => panic!("{path} does not show {n:?} (after {needles:?} before it)"),
        }
    }
}

/// The admin's action on `target` is audited with this outcome, and shown so on the Audit
/// page; the backup's row on the Backups page shows this status: what someone looking after
/// the fault sees.
pub(crate) async fn shown(
    s: &TestServer,
    admin: &reqwest::Client,
    backup: Option<(i64, BackupStatus)>,
    action: &str,
    target: &str,
    outcome: AuditOutcome,
) {
    audited(s, admin, action, target, outcome).await;
    if let Some((id, status)) = backup {
        page_shows(
            s,
            admin,
            "/backups",
            &[
                &format!("data-backup=\"{id}\""),
                &format!("data-status=\"{}\"", status.as_str()),
            ],
        )
        .await;
    }
    let outcome = outcome.as_str();
    page_shows(
        s,
        admin,
        &format!("/audit?action={action}&outcome={outcome}"),
        &[action, target, &format!("badge-{outcome}")],
    )
    .await;
}

/// An audit record with this action, target and outcome exists.
async fn audited(
    s: &TestServer,
    admin: &reqwest::Client,
    action: &str,
    target: &str,
    outcome: AuditOutcome,
) {
    let records = audit(s, admin, &format!("action={action}")).await;
    assert!(
        records
            .iter()
            .any(|r| r.target == target && r.outcome == outcome && r.actor == "admin"),
        "no {action} {outcome:?} for {target}: {records:?}"
    );
}

#[tokio::test]
async fn bosun_killed_mid_backup_reports_it_interrupted_once_started_again_and_leaves_no_partial_file()
 {
    let data = tempfile::tempdir().unwrap();
    let s = TestServer::spawn_in(data, &["--admin-password", ADMIN_PASSWORD]).await;
    let admin = s.admin().await;
    let (p, db) = seeded_postgres(&admin, &s, "fkbosun").await;
    let (hook, inbox) = crate::notify::receiver().await;
    crate::notify::add(&admin, &s, "ops", &hook, "generic", &["backup.failed"]).await;

    let (lock, id) = dump_in_flight(&admin, &s, &p.name, &db).await;
    let dir = s.data.path().join("backups");
    let partial = |dir: &Path| files_in(dir).iter().any(|f| f.ends_with(".partial"));
    assert!(partial(&dir), "the dump is being written");

    let data = s.kill().await;
    drop(lock);
    // SIGKILL ran no clean-up: the half-written file is still there.
    assert!(partial(&dir), "{:?}", files_in(&dir));

    let s = TestServer::spawn_in(data, &[]).await;
    let admin = s.admin().await;
    let b: BackupDto = json_get(&admin, &s, &format!("/api/v1/backups/{id}")).await;
    assert_eq!(b.status, BackupStatus::Interrupted, "{b:?}");
    let reason = b.reason.as_deref().unwrap();
    assert!(reason.contains("bosun stopped"), "{reason}");
    assert!(b.file_name.is_none(), "{b:?}");
    assert_eq!(files_in(&dir), Vec::<String>::new());
    shown(
        &s,
        &admin,
        Some((id, BackupStatus::Interrupted)),
        "backup.create",
        &format!("{}/db #{id}", p.name),
        AuditOutcome::Failed,
    )
    .await;
    // ...and it is news, like any failed backup.
    let n = inbox
        .wait_for(
            NotifyEvent::BackupFailed,
            &format!("Backup #{id} of {}/db", p.name),
            20,
        )
        .await;
    assert!(n.raw.contains("interrupted"), "{n:?}");

    // The database is not left marked busy: the next backup runs and is good.
    good_backup(&admin, &s, &p.name, json!({})).await;
}

/// The backup's file, downloaded, still matches the checksum in the catalogue.
async fn intact(admin: &reqwest::Client, s: &TestServer, id: i64) {
    let b: BackupDto = json_get(admin, s, &format!("/api/v1/backups/{id}")).await;
    assert_eq!(b.status, BackupStatus::Ok, "{b:?}");
    let r = admin
        .get(s.url(&format!("/api/v1/backups/{id}/download")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body = r.bytes().await.unwrap();
    assert!(!body.is_empty());
    assert_eq!(Some(hex::encode(Sha256::digest(&body))), b.sha256);
}

async fn restore(admin: &reqwest::Client, s: &TestServer, id: i64) -> reqwest::Response {
    post_json(
        admin,
        s,
        &format!("/api/v1/backups/{id}/restore"),
        json!({"confirm": "db"}),
    )
    .await
}

/// Waits for the good safety backup of `project` that a restore takes first.
async fn safety_backup(admin: &reqwest::Client, s: &TestServer, project: &str) -> BackupDto {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let list: Vec<BackupDto> =
            json_get(admin, s, &format!("/api/v1/backups?project={project}")).await;
        if let Some(b) = list
            .iter()
            .find(|b| b.kind == BackupKind::Safety && b.status == BackupStatus::Ok)
        {
            return b.clone();
        }
        assert!(Instant::now() < deadline, "no safety backup: {list:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_database_killed_mid_restore_fails_the_restore_and_loses_neither_backup_nor_data() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let (p, db) = seeded_postgres(&admin, &s, "fkrestore").await;
    let backup = good_backup(&admin, &s, &p.name, json!({})).await;
    let backup_id = backup.id;
    let at_backup = postgres_fingerprint(&db);
    // Changed after the backup, so the state before the restore is told apart.
    psql(
        &db,
        "shop",
        "shop",
        "INSERT INTO stock (name, qty) VALUES ('after the backup', 1)",
    );
    let before_restore = postgres_fingerprint(&db);
    assert_ne!(before_restore, at_backup);

    // The safety dump gets through this lock; the restore's DROP TABLE waits on it, so the
    // restore is surely in flight when the database dies.
    let lock = hold_lock_in(&db, "ACCESS SHARE").await;
    let running = tokio::spawn({
        let admin = admin.clone();
        let url = s.url(&format!("/api/v1/backups/{backup_id}/restore"));
        async move {
            admin
                .post(url)
                .json(&json!({"confirm": "db"}))
                .send()
                .await
                .unwrap()
        }
    });
    let safety = safety_backup(&admin, &s, &p.name).await;
    let safety_id = safety.id;
    wait_lock_waiter(&db).await;
    assert!(!running.is_finished(), "the restore waits on the lock");
    let (ok, _, err) = docker(&["kill", &db]);
    assert!(ok, "{err}");
    drop(lock);

    let r = running.await.unwrap();
    let message = refused(r, StatusCode::BAD_GATEWAY).await.message;
    assert!(
        message.contains(&format!("restore the safety backup #{safety_id}")),
        "the error says how to go back: {message}"
    );
    shown(
        &s,
        &admin,
        Some((backup_id, BackupStatus::Ok)),
        "backup.restore",
        &format!("backup #{backup_id}"),
        AuditOutcome::Failed,
    )
    .await;

    // Both backups are still good, their files whole.
    intact(&admin, &s, backup_id).await;
    intact(&admin, &s, safety_id).await;
    let dir = s.data.path().join("backups");
    assert!(
        !files_in(&dir).iter().any(|f| f.ends_with(".partial")),
        "{:?}",
        files_in(&dir)
    );

    // PostgreSQL restores in one transaction: once the database is back, it is as it was.
    p.compose(&["start", "db"]).await;
    let db = wait_healthy(&p.name, "db").await;
    assert_eq!(postgres_fingerprint(&db), before_restore);

    // And restoring works again afterwards: the backup, then the safety backup to go back.
    wait_database(&admin, &s, &p.name).await;
    let r = restore(&admin, &s, backup_id).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    assert_eq!(postgres_fingerprint(&db), at_backup);
    let r = restore(&admin, &s, safety_id).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    assert_eq!(postgres_fingerprint(&db), before_restore);
}
