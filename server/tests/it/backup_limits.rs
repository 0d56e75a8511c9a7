//! Backups held within their limits, against the real engine and real databases: a dump or a
//! restore that runs past the backup timeout is ended inside the container (no process left
//! holding locks) and fails cleanly, and a dump that would fill the disk holding the data dir
//! is stopped while the configured minimum is still free.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bosun_frontend::model::{AuditOutcome, BackupStatus, NotifyEvent};
use reqwest::StatusCode;
use serde_json::json;

use crate::api::{audit, post_json, refused};
use crate::dbs::{
    SmallDisk, docker, dump_in_flight, files_in, good_backup, hold_lock_in, postgres,
    postgres_fingerprint, psql, seed_postgres, seeded_postgres, start_backup, wait_backup,
    wait_database, wait_healthy,
};
use crate::harness::{ADMIN_PASSWORD, TestServer};

/// Far below the flag's minimum (a minute), so the tests need not wait one out.
const TIMEOUT: Duration = Duration::from_secs(5);

async fn with_short_timeout() -> TestServer {
    TestServer::start_edited(
        tempfile::tempdir().unwrap(),
        &["--admin-password", ADMIN_PASSWORD],
        |c| c.backup_timeout = TIMEOUT,
        bosun_server::clock::system(),
    )
    .await
}

/// The processes in `container` whose command line holds `word`, as `docker top` lists them.
fn processes(container: &str, word: &str) -> Vec<String> {
    let (ok, out, err) = docker(&["top", container, "-o", "pid,args"]);
    assert!(ok, "{err}");
    out.lines()
        .skip(1)
        .filter(|l| l.contains(word))
        .map(str::to_owned)
        .collect()
}

/// Server sessions of the database that wait on a lock, and which program opened them.
fn waiting_sessions(db: &str) -> String {
    psql(
        db,
        "shop",
        "shop",
        "SELECT coalesce(string_agg(application_name, ','), '') FROM pg_stat_activity WHERE wait_event_type = 'Lock'",
    )
}

/// Waits (up to 10 s) until no server session waits on a lock; the sessions left otherwise.
async fn no_session_waits(db: &str) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = waiting_sessions(db);
        if left.is_empty() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(left);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Nothing holds any lock on `stock`: an exclusive lock is granted at once.
fn unlocked(db: &str) {
    psql(
        db,
        "shop",
        "shop",
        "BEGIN; LOCK TABLE stock IN ACCESS EXCLUSIVE MODE NOWAIT; COMMIT;",
    );
}

#[tokio::test]
async fn a_dump_past_the_timeout_is_ended_in_the_container_and_fails_cleanly() {
    let s = with_short_timeout().await;
    let admin = s.admin().await;
    let (p, db) = seeded_postgres(&admin, &s, "bktimeout").await;
    let (hook, inbox) = crate::notify::receiver().await;
    crate::notify::add(&admin, &s, "ops", &hook, "generic", &["backup.failed"]).await;
    let dir = s.data.path().join("backups");

    // The dump waits on a lock the test holds, for longer than the timeout.
    let started = Instant::now();
    let (lock, id) = dump_in_flight(&admin, &s, &p.name, &db).await;
    assert_eq!(
        processes(&db, "pg_dump").len(),
        1,
        "the dump runs in the container"
    );
    assert_eq!(waiting_sessions(&db), "pg_dump");
    assert!(files_in(&dir).iter().any(|f| f.ends_with(".partial")));

    let b = wait_backup(&admin, &s, id).await;
    assert!(started.elapsed() >= TIMEOUT, "stopped only at the timeout");
    assert_eq!(b.status, BackupStatus::Failed, "{b:?}");
    let reason = b.reason.as_deref().unwrap();
    assert!(
        reason.contains("ran longer than the backup timeout of 5s")
            && reason.contains("BOSUN_BACKUP_TIMEOUT"),
        "{reason}"
    );
    assert!(!reason.contains("could not end"), "{reason}");
    // No partial file, no file; and, with the lock still held, no pg_dump in the container
    // nor its session waiting in the server.
    assert_eq!(files_in(&dir), Vec::<String>::new());
    assert!(b.file_name.is_none(), "{b:?}");
    assert_eq!(processes(&db, "pg_dump"), Vec::<String>::new());
    no_session_waits(&db)
        .await
        .unwrap_or_else(|left| panic!("sessions still wait on the lock: {left}"));

    // Audited and announced like any failure.
    let records = audit(&s, &admin, "action=backup.create").await;
    assert!(
        records
            .iter()
            .any(|r| r.target == format!("{}/db #{id}", p.name)
                && r.outcome == AuditOutcome::Failed
                && r.actor == "admin"
                && r.detail
                    .as_deref()
                    .is_some_and(|d| d.contains("BOSUN_BACKUP_TIMEOUT"))),
        "{records:?}"
    );
    let n = inbox
        .wait_for(
            NotifyEvent::BackupFailed,
            &format!("Backup #{id} of {}/db", p.name),
            20,
        )
        .await;
    assert!(n.raw.contains("BOSUN_BACKUP_TIMEOUT"), "{n:?}");

    // The database is not left locked: once the test lets go, nothing holds `stock`, and the
    // next backup is good.
    drop(lock);
    unlocked(&db);
    let good = good_backup(&admin, &s, &p.name, json!({})).await;
    assert!(good.sha256.is_some());
}

#[tokio::test]
async fn a_restore_past_the_timeout_is_ended_and_rolled_back() {
    let s = with_short_timeout().await;
    let admin = s.admin().await;
    let (p, db) = seeded_postgres(&admin, &s, "bkrtimeout").await;
    let backup = good_backup(&admin, &s, &p.name, json!({})).await;
    let at_backup = postgres_fingerprint(&db);
    psql(
        &db,
        "shop",
        "shop",
        "INSERT INTO stock (name, qty) VALUES ('after the backup', 1)",
    );
    let before_restore = postgres_fingerprint(&db);

    // The safety dump gets through this lock; the restore's DROP TABLE waits on it.
    let lock = hold_lock_in(&db, "ACCESS SHARE").await;
    let running = tokio::spawn({
        let admin = admin.clone();
        let url = s.url(&format!("/api/v1/backups/{}/restore", backup.id));
        async move {
            admin
                .post(url)
                .json(&json!({"confirm": "db"}))
                .send()
                .await
                .unwrap()
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    while waiting_sessions(&db) != "psql" {
        assert!(
            Instant::now() < deadline,
            "the restore never waited on the lock"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let message = refused(running.await.unwrap(), StatusCode::BAD_GATEWAY)
        .await
        .message;
    assert!(
        message.contains("ran longer than the backup timeout")
            && message.contains("BOSUN_BACKUP_TIMEOUT")
            && message.contains("restore the safety backup #"),
        "{message}"
    );
    assert!(!message.contains("could not end"), "{message}");
    // The lock is still held, yet the restore's session is gone: it was ended, not left
    // waiting (and holding the locks its transaction took).
    no_session_waits(&db)
        .await
        .unwrap_or_else(|left| panic!("sessions still wait on the lock: {left}"));
    let records = audit(&s, &admin, "action=backup.restore").await;
    assert!(
        records
            .iter()
            .any(|r| r.target == format!("backup #{}", backup.id)
                && r.outcome == AuditOutcome::Failed
                && r.detail
                    .as_deref()
                    .is_some_and(|d| d.contains("BOSUN_BACKUP_TIMEOUT"))),
        "{records:?}"
    );

    // One transaction, ended before its commit: the data is as it was.
    drop(lock);
    unlocked(&db);
    assert_eq!(postgres_fingerprint(&db), before_restore);
    // And nothing is left locked or busy: the restore runs through now.
    let r = post_json(
        &admin,
        &s,
        &format!("/api/v1/backups/{}/restore", backup.id),
        json!({"confirm": "db"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    assert_eq!(postgres_fingerprint(&db), at_backup);
}

#[tokio::test]
async fn a_dump_that_would_fill_the_data_dirs_disk_is_stopped_while_the_minimum_is_free() {
    const MB: u64 = 1024 * 1024;
    const MIN_FREE_MB: u64 = 3;
    // The data dir, and so the backups in it, on an 8 MB disk.
    let disk = SmallDisk::mount("8m");
    let data = tempfile::tempdir_in(disk.path()).unwrap();
    let p = postgres("bkspace", "", "").await;
    let db = wait_healthy(&p.name, "db").await;
    // About 27 MB of dump, some 8.5 MB compressed: more than the disk holds.
    seed_postgres(&db, 300_000);
    let s = TestServer::start_in(
        data,
        &[
            "--admin-password",
            ADMIN_PASSWORD,
            "--backup-min-free-mb",
            &MIN_FREE_MB.to_string(),
        ],
    )
    .await;
    let admin = s.admin().await;
    wait_database(&admin, &s, &p.name).await;
    let free = || fs4::available_space(disk.path()).unwrap();
    assert!(free() > MIN_FREE_MB * MB, "the backup may start");

    // The least free space seen while the dump runs.
    let least = Arc::new(AtomicU64::new(u64::MAX));
    let done = Arc::new(AtomicBool::new(false));
    let watcher = std::thread::spawn({
        let (least, done, path) = (least.clone(), done.clone(), disk.path().to_owned());
        move || {
            while !done.load(Ordering::Relaxed) {
                let now = fs4::available_space(&path).unwrap();
                least.fetch_min(now, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(2));
            }
        }
    });
    let id = start_backup(&admin, &s, json!({"project": p.name, "service": "db"})).await;
    let b = wait_backup(&admin, &s, id).await;
    done.store(true, Ordering::Relaxed);
    watcher.join().unwrap();

    assert_eq!(b.status, BackupStatus::Failed, "{b:?}");
    let reason = b.reason.as_deref().unwrap();
    assert!(
        reason.contains("the backup directory's disk has less than 3 MB free")
            && reason.contains("BOSUN_BACKUP_DIR"),
        "{reason}"
    );
    assert!(!reason.contains("filled up"), "{reason}");
    // bosun looks every MiB written, so the disk never got more than a MiB (and one write of
    // the compressor) below the minimum: far from full.
    let least = least.load(Ordering::Relaxed);
    let floor = MIN_FREE_MB * MB - bosun_server::backups::space::CHECK_EVERY - 256 * 1024;
    assert!(
        least >= floor,
        "free space fell to {least} bytes, below {floor}"
    );
    assert_eq!(
        files_in(&s.data.path().join("backups")),
        Vec::<String>::new()
    );
    assert!(free() > MIN_FREE_MB * MB);
    // The data dir on that disk still takes writes: the failure was recorded and audited.
    let records = audit(&s, &admin, "action=backup.create").await;
    assert!(
        records
            .iter()
            .any(|r| r.target == format!("{}/db #{id}", p.name)
                && r.outcome == AuditOutcome::Failed
                && r.detail
                    .as_deref()
                    .is_some_and(|d| d.contains("BOSUN_BACKUP_DIR"))),
        "{records:?}"
    );
    // And no pg_dump is left running in the database container.
    assert_eq!(processes(&db, "pg_dump"), Vec::<String>::new());
}
