//! Backups that go wrong, and who may do what: each failure leaves status failed with a
//! reason, no file and no pruning; ids from requests never reach the filesystem.

use std::process::Command;
use std::time::Duration;

use bosun_frontend::model::{
    AuditOutcome, BackupDto, BackupKind, BackupStatus, Compression, ScheduleDto, ScheduleSource,
};
use bosun_server::clock::{Clock, ManualClock};
use reqwest::StatusCode;
use serde_json::json;

use crate::api::{audit, expect_json, json_get, post_json, refused, text_of};
use crate::dbs::{
    SmallDisk, docker, dump_in_flight, files_in, good_backup, postgres, psql, seed_postgres,
    seeded_postgres, start_backup, wait_backup, wait_database, wait_healthy,
};
use crate::harness::{ADMIN_PASSWORD, TestServer};

/// When `project`'s schedule runs next (Unix ms, bosun's clock), as the API says.
async fn next_run(admin: &reqwest::Client, s: &TestServer, project: &str) -> i64 {
    let list: Vec<ScheduleDto> = json_get(admin, s, "/api/v1/schedules").await;
    let next = list
        .iter()
        .find(|x| x.project == project)
        .and_then(|x| x.next_run.clone())
        .unwrap_or_else(|| panic!("no next run for {project}: {list:#?}"));
    let at =
        time::OffsetDateTime::parse(&next, &time::format_description::well_known::Rfc3339).unwrap();
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap()
}

#[tokio::test]
async fn a_wrong_password_fails_with_the_reason_and_leaves_no_file() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let p = postgres(
        "bkpw",
        "      BACKUP_PW: not-the-password",
        "      bosun.backup.password-env: BACKUP_PW",
    )
    .await;
    let found = wait_database(&admin, &s, &p.name).await;
    assert_eq!(found.password_env.as_deref(), Some("BACKUP_PW"));
    let id = start_backup(&admin, &s, json!({"project": p.name, "service": "db"})).await;
    let b = wait_backup(&admin, &s, id).await;
    assert_eq!(b.status, BackupStatus::Failed);
    let reason = b.reason.as_deref().unwrap();
    assert!(
        reason.contains("password authentication failed"),
        "{reason}"
    );
    assert!(!reason.contains("not-the-password"));
    assert!(b.file_name.is_none());
    assert_eq!(
        files_in(&s.data.path().join("backups")),
        Vec::<String>::new()
    );
    let records = audit(&s, &admin, "action=backup.create").await;
    assert!(records.iter().any(|r| {
        r.outcome == AuditOutcome::Failed
            && r.detail
                .as_deref()
                .is_some_and(|d| d.contains("password authentication failed"))
    }));

    // The `*_FILE` convention: the variable names a file inside the container, read there.
    let p = postgres(
        "bkpwfile",
        "      BACKUP_PW_FILE: /tmp/pg-password",
        "      bosun.backup.password-env: BACKUP_PW_FILE",
    )
    .await;
    let db = wait_healthy(&p.name, "db").await;
    let (ok, _, err) = docker(&[
        "exec",
        &db,
        "sh",
        "-c",
        "printf shop-secret > /tmp/pg-password",
    ]);
    assert!(ok, "{err}");
    let found = wait_database(&admin, &s, &p.name).await;
    assert_eq!(found.password_env.as_deref(), Some("BACKUP_PW_FILE"));
    let b = good_backup(&admin, &s, &p.name, json!({})).await;
    assert!(b.sha256.is_some());
}

#[tokio::test]
async fn a_container_killed_mid_dump_fails_cleanly_and_prunes_nothing() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let (p, db) = seeded_postgres(&admin, &s, "bkkill").await;
    // Keep only the newest good backup once a new one is verified.
    let r = post_json(&admin, &s, "/api/v1/schedules", json!({"project": p.name, "service": "db", "cron": "0 3 1 1 *", "retention": {"keep_last": 1}})).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let first = good_backup(&admin, &s, &p.name, json!({})).await;

    let (lock, id) = dump_in_flight(&admin, &s, &p.name, &db).await;
    // One job per database: a second request is refused while this one runs.
    let r = post_json(
        &admin,
        &s,
        "/api/v1/backups",
        json!({"project": p.name, "service": "db"}),
    )
    .await;
    assert!(
        refused(r, StatusCode::CONFLICT)
            .await
            .message
            .contains("busy")
    );
    let running: BackupDto = json_get(&admin, &s, &format!("/api/v1/backups/{id}")).await;
    assert_eq!(running.status, BackupStatus::Running);
    let dir = s.data.path().join("backups");
    assert!(files_in(&dir).iter().any(|f| f.ends_with(".partial")));

    let killed = Command::new("docker").args(["kill", &db]).output().unwrap();
    assert!(killed.status.success());
    drop(lock);
    let b = wait_backup(&admin, &s, id).await;
    assert_eq!(b.status, BackupStatus::Failed, "{b:?}");
    assert!(b.reason.as_deref().unwrap().len() > 10, "{b:?}");
    // No partial file, no new file, and the earlier good backup was not pruned.
    let first_name = first.file_name.clone().unwrap();
    assert_eq!(
        files_in(&dir),
        vec![first_name.clone(), format!("{first_name}.json")]
    );
    let ok: Vec<BackupDto> = json_get(
        &admin,
        &s,
        &format!("/api/v1/backups?project={}&status=ok", p.name),
    )
    .await;
    assert_eq!(ok.len(), 1);

    // The next verified success is a manual one: it prunes nothing either (retention is the
    // schedule's, backup_retention.rs), so both good backups are there, and the failed row.
    p.compose(&["start", "db"]).await;
    wait_healthy(&p.name, "db").await;
    wait_database(&admin, &s, &p.name).await;
    let second = good_backup(&admin, &s, &p.name, json!({})).await;
    let ok: Vec<BackupDto> = json_get(
        &admin,
        &s,
        &format!("/api/v1/backups?project={}&status=ok", p.name),
    )
    .await;
    let ids: Vec<i64> = ok.iter().map(|b| b.id).collect();
    assert_eq!(ids, vec![second.id, first.id]);
    let failed: Vec<BackupDto> = json_get(
        &admin,
        &s,
        &format!("/api/v1/backups?project={}&status=failed", p.name),
    )
    .await;
    assert_eq!(failed.len(), 1);
    assert!(files_in(&dir).contains(&first_name));
    assert!(audit(&s, &admin, "action=backup.prune").await.is_empty());
}

#[tokio::test]
async fn a_full_disk_fails_cleanly_and_too_little_space_is_refused_up_front() {
    let disk = SmallDisk::mount("2m");
    let dir = disk.path().to_str().unwrap().to_owned();
    let p = postgres("bkfull", "", "").await;
    let db = wait_healthy(&p.name, "db").await;
    // About 9 MB of dump that compresses to well over 2 MB.
    seed_postgres(&db, 100_000);
    {
        let s = TestServer::start_with(&[
            "--admin-password",
            ADMIN_PASSWORD,
            "--backup-dir",
            &dir,
            "--backup-min-free-mb",
            "0",
        ])
        .await;
        let admin = s.admin().await;
        wait_database(&admin, &s, &p.name).await;
        let id = start_backup(&admin, &s, json!({"project": p.name, "service": "db"})).await;
        let b = wait_backup(&admin, &s, id).await;
        assert_eq!(b.status, BackupStatus::Failed, "{b:?}");
        let reason = b.reason.as_deref().unwrap();
        assert!(
            reason.contains("filled up") && reason.contains("Free some space"),
            "{reason}"
        );
        assert_eq!(files_in(disk.path()), Vec::<String>::new());
    }
    // With the default minimum (64 MB) a 2 MB disk is refused before anything starts.
    let s =
        TestServer::start_with(&["--admin-password", ADMIN_PASSWORD, "--backup-dir", &dir]).await;
    let admin = s.admin().await;
    wait_database(&admin, &s, &p.name).await;
    let r = post_json(
        &admin,
        &s,
        "/api/v1/backups",
        json!({"project": p.name, "service": "db"}),
    )
    .await;
    assert!(
        refused(r, StatusCode::INSUFFICIENT_STORAGE)
            .await
            .message
            .contains("--backup-dir")
    );
    let listed: Vec<BackupDto> =
        json_get(&admin, &s, &format!("/api/v1/backups?project={}", p.name)).await;
    assert_eq!(listed.len(), 0);
}

#[tokio::test]
async fn roles_and_ids_are_checked_before_any_file_is_touched() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let viewer = s.user(&admin, "bkviewer", "viewer").await;
    let operator = s.user(&admin, "bkoperator", "operator").await;
    let p = postgres(
        "bksec",
        "",
        "      bosun.backup.schedule: \"0 4 * * *\"\n      bosun.backup.keep: \"3\"",
    )
    .await;
    wait_database(&admin, &s, &p.name).await;
    let b = good_backup(&operator, &s, &p.name, json!({})).await;
    let id = b.id;

    // Viewers see the catalogue but cannot download, start, delete or restore.
    assert_eq!(
        viewer
            .get(s.url("/api/v1/backups"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let download = format!("/api/v1/backups/{id}/download");
    assert_eq!(
        viewer.get(s.url(&download)).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let r = post_json(
        &viewer,
        &s,
        "/api/v1/backups",
        json!({"project": p.name, "service": "db"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = operator
        .delete(s.url(&format!("/api/v1/backups/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = post_json(
        &operator,
        &s,
        "/api/v1/schedules",
        json!({"project": p.name, "service": "db", "cron": "0 3 * * *"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Without a session at all.
    let anon = s.script();
    assert_eq!(
        anon.get(s.url(&download)).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );

    // Traversal-shaped ids never reach the filesystem.
    for bad in [
        "..%2F..%2Fbosun.db",
        "%2Fetc%2Fpasswd",
        "-1",
        "0",
        "1.5",
        "1e3",
        "%2e%2e",
    ] {
        let r = admin
            .get(s.url(&format!("/api/v1/backups/{bad}/download")))
            .send()
            .await
            .unwrap();
        assert!(
            matches!(r.status(), StatusCode::BAD_REQUEST | StatusCode::NOT_FOUND),
            "{bad}: {}",
            r.status()
        );
    }
    let r = admin
        .get(s.url("/api/v1/backups/999999/download"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Bad input on creating: unknown fields, bad names, bad compression, bad cron.
    for body in [
        json!({"project": p.name, "service": "db", "path": "/etc"}),
        json!({"project": "../x", "service": "db"}),
        json!({"project": p.name, "service": "db", "compression": "bz2"}),
    ] {
        let r = post_json(&admin, &s, "/api/v1/backups", body.clone()).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{body}");
    }
    let r = post_json(
        &admin,
        &s,
        "/api/v1/schedules",
        json!({"project": p.name, "service": "db", "cron": "every night"}),
    )
    .await;
    assert!(
        refused(r, StatusCode::BAD_REQUEST)
            .await
            .message
            .contains("0 3 * * *")
    );

    // An admin deletes: the file goes, the deletion is audited.
    let dir = s.data.path().join("backups");
    assert_eq!(files_in(&dir).len(), 2);
    let r = admin
        .delete(s.url(&format!("/api/v1/backups/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(files_in(&dir), Vec::<String>::new());
    let records = audit(&s, &admin, "action=backup.delete").await;
    assert!(
        records
            .iter()
            .any(|r| r.outcome == AuditOutcome::Ok && r.actor == "admin")
    );

    // The label's schedule is in force until bosun's own is set, and again after it is removed.
    let ours = |list: Vec<ScheduleDto>| -> Vec<ScheduleDto> {
        list.into_iter().filter(|s| s.project == p.name).collect()
    };
    let label = ours(json_get(&viewer, &s, "/api/v1/schedules").await);
    assert_eq!(label.len(), 1, "{label:?}");
    assert_eq!(label[0].source, ScheduleSource::Label);
    assert_eq!(label[0].cron, "0 4 * * *");
    assert_eq!(label[0].retention.keep_last, 3);
    let r = post_json(
        &admin,
        &s,
        "/api/v1/schedules",
        json!({"project": p.name, "service": "db", "cron": "30 2 * * *"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let own = ours(json_get(&viewer, &s, "/api/v1/schedules").await);
    assert_eq!(own.len(), 1, "{own:?}");
    assert_eq!(own[0].source, ScheduleSource::Bosun);
    assert_eq!(own[0].cron, "30 2 * * *");
    let r = admin
        .delete(s.url(&format!("/api/v1/schedules?project={}&service=db", p.name)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let back = ours(json_get(&viewer, &s, "/api/v1/schedules").await);
    assert_eq!(back[0].source, ScheduleSource::Label);
}

#[tokio::test]
async fn schedules_fire_survive_a_restart_and_report_missed_runs() {
    // The schedule runs on bosun's clock, moved by hand: no waiting for its times to come.
    let clock = ManualClock::from_now();
    let s = TestServer::start_clocked(
        tempfile::tempdir().unwrap(),
        &["--admin-password", ADMIN_PASSWORD],
        clock.clone(),
    )
    .await;
    let admin = s.admin().await;
    let p = postgres("bksched", "", "").await;
    let db = wait_healthy(&p.name, "db").await;
    psql(&db, "shop", "shop", "SELECT 1");
    wait_database(&admin, &s, &p.name).await;
    // Every 3 seconds (six fields: seconds first).
    let r = post_json(&admin, &s, "/api/v1/schedules", json!({"project": p.name, "service": "db", "cron": "*/3 * * * * *", "compression": "zstd", "retention": {"keep_last": 2}, "verify": "always"})).await;
    let sched: ScheduleDto = expect_json(r, StatusCode::OK).await;
    assert_eq!(sched.source, ScheduleSource::Bosun);
    // Its own verification policy, over this server's default (off).
    assert_eq!(
        sched.verify,
        Some(bosun_frontend::model::backup_verify::VerifyPolicy::Always)
    );
    assert!(sched.next_run.is_some());

    // Three scheduled runs, each when the clock reaches the next one; retention keeps two.
    let target = format!("{}/db #", p.name);
    for run in 1..=3 {
        let next = next_run(&admin, &s, &p.name).await;
        assert!(
            next > clock.now_ms(),
            "the next run is not ahead of the clock"
        );
        clock.advance(Duration::from_millis(
            u64::try_from(next - clock.now_ms()).unwrap(),
        ));
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let done = audit(&s, &admin, "action=backup.create&limit=50")
                .await
                .into_iter()
                .filter(|r| r.actor == "schedule" && r.target.starts_with(&target))
                .collect::<Vec<_>>();
            if done.len() >= run {
                assert!(
                    done.iter().all(|r| r.outcome == AuditOutcome::Ok),
                    "{done:#?}"
                );
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "scheduled run {run} did not happen: {done:#?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    loop {
        let list: Vec<BackupDto> = json_get(
            &admin,
            &s,
            &format!("/api/v1/backups?project={}&status=ok", p.name),
        )
        .await;
        let proven = list.iter().any(|b| {
            b.verify.as_ref().map(|v| v.status)
                == Some(bosun_frontend::model::backup_verify::VerifyStatus::Verified)
        });
        if list.len() == 2 && proven {
            assert!(list.iter().all(|b| b.kind == BackupKind::Scheduled
                && b.actor == "schedule"
                && b.compression == Compression::Zstd));
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "retention did not prune to two, or no scheduled backup was verified: {list:#?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Down for a few runs (7 s of bosun's clock), then up again on the same data.
    let data = s.stop().await;
    clock.advance(Duration::from_secs(7));
    let s =
        TestServer::start_clocked(data, &["--admin-password", ADMIN_PASSWORD], clock.clone()).await;
    let admin = s.admin().await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let records = audit(&s, &admin, "action=backup.schedule.missed").await;
        if let Some(r) = records.first() {
            assert_eq!(r.target, format!("{}/db", p.name));
            assert!(
                r.detail
                    .as_deref()
                    .unwrap()
                    .contains("bosun was not running")
            );
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no missed run reported"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let r = admin
        .delete(s.url(&format!("/api/v1/schedules?project={}&service=db", p.name)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let list: Vec<ScheduleDto> = json_get(&admin, &s, "/api/v1/schedules").await;
    assert!(!list.iter().any(|s| s.project == p.name), "{list:#?}");
    assert!(
        !text_of(&admin, &s, "/api/v1/schedules")
            .await
            .contains(&p.name)
    );
    // Scheduled backups are proven by a restore (the schedule says always): let them end.
    crate::backup_verify::settled(&p.name).await;
}

#[tokio::test]
async fn a_backup_cut_off_by_a_stop_of_bosun_is_reported_interrupted_and_its_partial_file_removed()
{
    use bosun_frontend::model::DbEngine;
    use bosun_server::store::Store;
    use bosun_server::store::backups::NewBackup;

    // What a bosun killed mid-dump leaves: a running row and a partial file.
    let data = tempfile::tempdir().unwrap();
    let store = Store::open(data.path()).await.unwrap();
    let row = store
        .insert_backup(&NewBackup {
            project: &"gone".parse().unwrap(),
            service: &"db".parse().unwrap(),
            engine: DbEngine::Postgres,
            database: "shop",
            kind: BackupKind::Scheduled,
            content: bosun_frontend::model::BackupContent::Database,
            set_id: None,
            compression: Compression::Gzip,
            actor: "schedule",
            encrypted: false,
            at_ms: bosun_server::store::now_ms(),
        })
        .await
        .unwrap();
    store.pool().close().await;
    let dir = data.path().join("backups");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(format!("{}.partial", row.file_name)),
        b"-- half a dump",
    )
    .unwrap();

    let s = TestServer::start_in(data, &["--admin-password", ADMIN_PASSWORD]).await;
    let admin = s.admin().await;
    let b: BackupDto = json_get(&admin, &s, &format!("/api/v1/backups/{}", row.id)).await;
    assert_eq!(b.status, BackupStatus::Interrupted);
    assert!(b.reason.as_deref().unwrap().contains("bosun stopped"));
    assert!(b.file_name.is_none());
    assert_eq!(files_in(&dir), Vec::<String>::new());
    let records = audit(&s, &admin, "action=backup.create").await;
    assert!(
        records
            .iter()
            .any(|r| r.target == format!("gone/db #{}", row.id)
                && r.outcome == AuditOutcome::Failed
                && r.actor == "schedule")
    );
}
