//! Backups proven by a real restore: a PostgreSQL and a MariaDB backup restored into
//! throwaway servers from their own images and found whole (tables and exact rows), with no
//! container left; a dump damaged on disk (checksum made to match) fails naming the table;
//! a verification cut off by killing bosun leaves nothing once bosun is back.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use bosun_frontend::model::BackupDto;
use bosun_frontend::model::backup_verify::VerifyStatus;
use reqwest::{Client, StatusCode};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::api::{audit, expect_json, json_get};
use crate::dbs::{
    MARIADB_IMAGE, docker, good_backup, mariadb, seeded_postgres, wait_database, wait_healthy,
};
use crate::harness::{ADMIN_PASSWORD, TestServer};
use crate::stacks::{Project, unique};

/// Waits until no throwaway server of `project` is left (a verification still running when
/// a test ends would outlive its in-process bosun).
pub async fn settled(project: &str) {
    let deadline = Instant::now() + Duration::from_secs(180);
    while !throwaways(project).is_empty() {
        assert!(
            Instant::now() < deadline,
            "a verification of {project} did not end"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Throwaway servers bosun made for `project` (its name is in theirs), running or not.
pub fn throwaways(project: &str) -> Vec<String> {
    let (_, out, _) = docker(&[
        "ps",
        "-a",
        "--filter",
        &format!("name=bosun-verify-{project}-"),
        "--format",
        "{{.Names}}",
    ]);
    out.lines().map(str::to_owned).collect()
}

/// Waits until the backup's verification has ended, and returns the backup.
pub async fn verified(client: &Client, s: &TestServer, id: i64) -> BackupDto {
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        let b: BackupDto = json_get(client, s, &format!("/api/v1/backups/{id}")).await;
        if let Some(v) = &b.verify
            && v.status != VerifyStatus::Running
        {
            return b;
        }
        assert!(
            Instant::now() < deadline,
            "backup #{id} not verified within 240 s: {b:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test]
async fn postgres_and_mariadb_backups_are_verified_by_a_restore_and_leave_nothing_behind() {
    let s = TestServer::start_with(&[
        "--admin-password",
        ADMIN_PASSWORD,
        "--backup-verify",
        "always",
    ])
    .await;
    let admin = s.admin().await;

    // PostgreSQL: 1,000 rows of `stock`, 2 of "Odd Name", and the image's 3 seeded `items`.
    let (pg, _db) = seeded_postgres(&admin, &s, "bkvpg").await;
    let b = good_backup(&admin, &s, &pg.name, json!({})).await;
    let b = verified(&admin, &s, b.id).await;
    let v = b.verify.clone().unwrap();
    assert_eq!(v.status, VerifyStatus::Verified, "{v:?}");
    assert_eq!((v.tables, v.rows), (Some(3), Some(1005)), "{v:?}");
    assert!(v.seconds.is_some_and(|s| s >= 1) && v.at.is_some());
    assert!(
        throwaways(&pg.name).is_empty(),
        "{:?}",
        throwaways(&pg.name)
    );
    // The manifest beside the file says what the source held, and how it was counted.
    let file = b.file_name.clone().unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(s.data.path().join("backups").join(format!("{file}.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(
        manifest["source"]["tables"]["public.stock"], 1000,
        "{manifest}"
    );
    assert!(
        manifest["source"]["counted"]
            .as_str()
            .unwrap()
            .contains("snapshot")
    );
    assert_eq!(manifest["backup"]["verify"]["status"], "verified");

    // MariaDB: 500 items, an empty table, and a view (not a table).
    let name = unique("bkvmdb");
    let yaml = format!(
        "services:\n  db:\n    image: {MARIADB_IMAGE}\n    environment:\n      MARIADB_ROOT_PASSWORD: root-secret\n      MARIADB_DATABASE: shop\n"
    );
    let mdb = Project::up(&name, &yaml).await;
    let db = wait_healthy(&name, "db").await;
    mariadb(
        &db,
        "root-secret",
        "shop",
        "CREATE TABLE items (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(100)); \
         INSERT INTO items (name) SELECT CONCAT('it''s (', seq, '),(') FROM seq_1_to_500; \
         CREATE TABLE empty_one (id INT); CREATE VIEW recent AS SELECT * FROM items WHERE id > 400;",
    );
    wait_database(&admin, &s, &name).await;
    let b = good_backup(&admin, &s, &mdb.name, json!({})).await;
    let v = verified(&admin, &s, b.id).await.verify.unwrap();
    assert_eq!(v.status, VerifyStatus::Verified, "{v:?}");
    assert_eq!((v.tables, v.rows), (Some(2), Some(500)), "{v:?}");
    assert!(throwaways(&mdb.name).is_empty());

    let log = audit(&s, &admin, "action=backup.verify").await;
    assert_eq!(log.len(), 2, "{log:#?}");
}

/// Removes one line from the middle of `stock`'s data in a gzip dump, and returns the new
/// file's SHA-256.
fn drop_a_row(path: &std::path::Path) -> String {
    let mut plain = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut plain)
        .unwrap();
    let start = plain
        .find("COPY \"public\".\"stock\"")
        .expect("stock's data");
    let mut lines: Vec<&str> = plain[start..].lines().collect();
    lines.remove(500);
    let damaged = format!("{}{}\n", &plain[..start], lines.join("\n"));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(damaged.as_bytes()).unwrap();
    let bytes = gz.finish().unwrap();
    std::fs::write(path, &bytes).unwrap();
    hex::encode(Sha256::digest(&bytes))
}

#[tokio::test]
async fn a_dump_damaged_on_disk_fails_verification_naming_the_table() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let (url, inbox) = crate::notify::receiver().await;
    crate::notify::add(
        &admin,
        &s,
        "ops",
        &url,
        "generic",
        &["backup.verify_failed"],
    )
    .await;
    let (pg, _db) = seeded_postgres(&admin, &s, "bkvbad").await;
    let b = good_backup(&admin, &s, &pg.name, json!({})).await;
    let v = verified(&admin, &s, b.id).await.verify.unwrap();
    assert_eq!(
        v.status,
        VerifyStatus::Skipped,
        "verification is off in this server: {v:?}"
    );

    // The row goes, and the catalogue's checksum is made to match: only a restore can tell.
    let path = s
        .data
        .path()
        .join("backups")
        .join(b.file_name.clone().unwrap());
    let sum = drop_a_row(&path);
    let db = s.db().await;
    sqlx::query("UPDATE backups SET sha256 = ? WHERE id = ?")
        .bind(&sum)
        .bind(b.id)
        .execute(&db)
        .await
        .unwrap();

    let r = admin
        .post(s.url(&format!("/api/v1/backups/{}/verify", b.id)))
        .send()
        .await
        .unwrap();
    let started: BackupDto = expect_json(r, StatusCode::ACCEPTED).await;
    assert_eq!(
        started.verify.map(|v| v.status),
        Some(VerifyStatus::Running)
    );
    let v = verified(&admin, &s, b.id).await.verify.unwrap();
    assert_eq!(v.status, VerifyStatus::Failed, "{v:?}");
    let reason = v.reason.unwrap();
    assert!(
        reason.contains("table public.stock has 999 rows after the restore, 1000 in the source"),
        "{reason}"
    );
    assert!(throwaways(&pg.name).is_empty());
    // Someone is told, with the table that differs.
    inbox
        .wait_for(
            bosun_frontend::model::NotifyEvent::BackupVerifyFailed,
            "public.stock",
            30,
        )
        .await;
    let log = audit(&s, &admin, "action=backup.verify").await;
    assert_eq!(log.len(), 1);
    assert!(log[0].detail.as_deref().unwrap().contains("public.stock"));
    // A viewer may not start one.
    let viewer = s.user(&admin, "bkvviewer", "viewer").await;
    let r = viewer
        .post(s.url(&format!("/api/v1/backups/{}/verify", b.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_verification_cut_off_by_a_killed_bosun_leaves_nothing_once_it_is_back() {
    let data = tempfile::tempdir().unwrap();
    let s = TestServer::spawn_in(
        data,
        &[
            "--admin-password",
            ADMIN_PASSWORD,
            "--tls",
            "off",
            "--backup-verify",
            "always",
        ],
    )
    .await;
    let admin = s.admin().await;
    let (pg, _db) = seeded_postgres(&admin, &s, "bkvkill").await;
    let b = good_backup(&admin, &s, &pg.name, json!({})).await;
    // Killed while its throwaway server runs.
    let deadline = Instant::now() + Duration::from_secs(60);
    while throwaways(&pg.name).is_empty() {
        assert!(Instant::now() < deadline, "no throwaway server appeared");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let data = s.kill().await;
    assert_eq!(
        throwaways(&pg.name).len(),
        1,
        "the killed bosun's throwaway server is still there"
    );

    let s = TestServer::spawn_in(data, &["--tls", "off", "--backup-verify", "always"]).await;
    let admin = s.admin().await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while !throwaways(&pg.name).is_empty() {
        assert!(
            Instant::now() < deadline,
            "the leftover was not removed: {:?}",
            throwaways(&pg.name)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let b: BackupDto = json_get(&admin, &s, &format!("/api/v1/backups/{}", b.id)).await;
    let v = b.verify.unwrap();
    assert_eq!(v.status, VerifyStatus::Skipped);
    assert!(v.reason.unwrap().contains("bosun stopped"));
}
