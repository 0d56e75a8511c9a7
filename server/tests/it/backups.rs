//! Backups of real PostgreSQL 15 and MariaDB 10.11 containers: back up, download, restore
//! into a fresh container, and compare the data.

use std::io::Read;

use bosun_frontend::model::{
    AuditOutcome, BackupDto, BackupKind, BackupStatus, Compression, DbEngine, RestoreReport,
};
use reqwest::StatusCode;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::api::{audit, expect_json, post_json, refused, text_of};
use crate::dbs::{
    MARIADB_IMAGE, docker, files_in, good_backup, mariadb, postgres, postgres_fingerprint,
    seed_postgres, wait_database, wait_healthy,
};
use crate::harness::TestServer;
use crate::mirrors::Manifest;
use crate::stacks::{Project, unique};

/// Downloads a backup and returns its bytes, checking length, name and checksum headers.
async fn download(client: &reqwest::Client, s: &TestServer, b: &BackupDto) -> Vec<u8> {
    let r = client
        .get(s.url(&format!("/api/v1/backups/{}/download", b.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let name = b.file_name.clone().unwrap();
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(disposition, format!("attachment; filename=\"{name}\""));
    let length: u64 = r.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(length, b.file_bytes);
    let body = r.bytes().await.unwrap().to_vec();
    assert_eq!(body.len() as u64, length);
    assert_eq!(Some(hex::encode(Sha256::digest(&body))), b.sha256);
    body
}

async fn restore(
    client: &reqwest::Client,
    s: &TestServer,
    id: i64,
    confirm: &str,
) -> reqwest::Response {
    post_json(
        client,
        s,
        &format!("/api/v1/backups/{id}/restore"),
        json!({ "confirm": confirm }),
    )
    .await
}

#[tokio::test]
async fn postgres_backup_download_and_restore_into_a_fresh_container() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let operator = s.user(&admin, "pgop", "operator").await;
    let p = postgres("bkpg", "", "").await;
    let db = wait_healthy(&p.name, "db").await;
    seed_postgres(&db, 20_000);
    let before = postgres_fingerprint(&db);
    assert!(before.starts_with("20000:"), "{before}");

    let found = wait_database(&operator, &s, &p.name).await;
    assert_eq!(found.engine, DbEngine::Postgres);
    assert_eq!(found.database.as_deref(), Some("shop"));
    assert_eq!(found.user.as_deref(), Some("shop"));
    // The variable's name is shown, never its value (anywhere in the answer as sent).
    assert_eq!(found.password_env.as_deref(), Some("POSTGRES_PASSWORD"));
    assert!(
        !text_of(&operator, &s, "/api/v1/databases")
            .await
            .contains("shop-secret")
    );

    let b = good_backup(&operator, &s, &p.name, json!({})).await;
    assert_eq!(b.kind, BackupKind::Manual);
    assert_eq!(b.actor, "pgop");
    assert_eq!(b.compression, Compression::Gzip);
    assert!(
        b.server_version.as_deref().unwrap().starts_with("15."),
        "{b:?}"
    );
    assert!(b.dump_bytes > b.file_bytes);
    let name = b.file_name.as_deref().unwrap();
    assert!(name.starts_with(&format!("{}-db-", p.name)) && name.ends_with(".sql.gz"));

    // On disk: the file and its manifest, nothing partial.
    let dir = s.data.path().join("backups");
    assert_eq!(
        files_in(&dir),
        vec![name.to_owned(), format!("{name}.json")]
    );
    let manifest: Manifest =
        serde_json::from_slice(&std::fs::read(dir.join(format!("{name}.json"))).unwrap()).unwrap();
    assert_eq!(manifest.backup.sha256, b.sha256);
    assert_eq!(manifest.taken_by, "pgop");

    let body = download(&operator, &s, &b).await;
    let mut sql = String::new();
    flate2::read::GzDecoder::new(&body[..])
        .read_to_string(&mut sql)
        .unwrap();
    assert_eq!(sql.len() as u64, b.dump_bytes);
    assert!(sql.contains("CREATE TABLE \"public\".\"stock\""));
    let tail = &sql[sql.len() - 120..];
    assert!(
        tail.contains("-- PostgreSQL database dump complete\n"),
        "the dump ends with its trailer: {tail:?}"
    );
    assert!(!sql.contains("shop-secret"));
    // Roles ride along as comments, without passwords.
    assert!(
        sql.contains("\n-- CREATE ROLE \"shop\";") || sql.contains("\n-- CREATE ROLE shop;"),
        "{}",
        &sql[..600]
    );
    assert!(!sql.contains("PASSWORD 'SCRAM"));

    // A fresh container with an empty volume.
    p.compose(&["down", "-v", "-t", "1"]).await;
    p.compose(&["up", "-d"]).await;
    let fresh = wait_healthy(&p.name, "db").await;
    assert_ne!(fresh, db);
    let (ok, _, err) = docker(&[
        "exec",
        &fresh,
        "psql",
        "-U",
        "shop",
        "-d",
        "shop",
        "-tAc",
        "SELECT 1 FROM stock",
    ]);
    assert!(!ok && err.contains("does not exist"), "{err}");
    wait_database(&admin, &s, &p.name).await;

    // Retention keeps one: the safety backups taken before each restore must not prune the
    // backup being restored.
    let r = post_json(&admin, &s, "/api/v1/schedules", json!({"project": p.name, "service": "db", "cron": "0 3 1 1 *", "retention": {"keep_last": 1}})).await;
    assert_eq!(r.status(), StatusCode::OK);

    // Only an admin, with the exact service name.
    let r = restore(&operator, &s, b.id, "db").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = restore(&admin, &s, b.id, "DB").await;
    assert!(
        refused(r, StatusCode::BAD_REQUEST)
            .await
            .message
            .contains("“db”")
    );
    let r = restore(&admin, &s, b.id, "db").await;
    let report: RestoreReport = expect_json(r, StatusCode::OK).await;
    assert_eq!(postgres_fingerprint(&fresh), before);

    // The safety backup of the (empty) database was taken first and is good.
    let safety = crate::dbs::wait_backup(&admin, &s, report.safety_backup_id).await;
    assert_eq!(safety.kind, BackupKind::Safety);
    assert_eq!(safety.status, BackupStatus::Ok);

    // Restoring again over the live data works too (the dump drops what it recreates).
    psql_exec(&fresh, "DELETE FROM stock WHERE id <= 100");
    let r = restore(&admin, &s, b.id, "db").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(postgres_fingerprint(&fresh), before);

    let records = audit(&s, &admin, "action=backup.").await;
    let has = |action: &str, outcome: AuditOutcome, actor: &str| {
        records
            .iter()
            .any(|r| r.action == action && r.outcome == outcome && r.actor == actor)
    };
    assert!(has("backup.create", AuditOutcome::Ok, "pgop"));
    assert!(has("backup.download", AuditOutcome::Ok, "pgop"));
    assert!(has("backup.restore", AuditOutcome::Ok, "admin"));
    assert!(has("backup.restore", AuditOutcome::Failed, "admin"));
    // No record, as sent, holds the secret.
    assert!(
        !text_of(&admin, &s, "/api/v1/audit?action=backup.")
            .await
            .contains("shop-secret")
    );
}

fn psql_exec(container: &str, sql: &str) {
    crate::dbs::psql(container, "shop", "shop", sql);
}

#[tokio::test]
async fn mariadb_backup_with_zstd_and_restore_into_a_fresh_container() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let name = unique("bkmdb");
    let yaml = format!(
        r#"
services:
  db:
    image: {MARIADB_IMAGE}
    environment:
      MARIADB_ROOT_PASSWORD: root-secret
      MARIADB_DATABASE: shop
      MARIADB_USER: app
      MARIADB_PASSWORD: app-secret
"#
    );
    let p = Project::up(&name, &yaml).await;
    let db = wait_healthy(&name, "db").await;
    mariadb(
        &db,
        "root-secret",
        "shop",
        "CREATE TABLE items (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(100) NOT NULL, data BLOB); \
         INSERT INTO items (name, data) SELECT CONCAT('item ', seq, ' ''q'' ñ'), UNHEX(MD5(seq)) FROM seq_1_to_5000; \
         CREATE VIEW big AS SELECT * FROM items WHERE id > 4000; \
         CREATE PROCEDURE count_items() SELECT COUNT(*) FROM items;",
    );
    let fingerprint = |c: &str| {
        mariadb(
            c,
            "root-secret",
            "shop",
            "SELECT CONCAT(COUNT(*), ':', MD5(GROUP_CONCAT(id, '|', name, '|', HEX(data) ORDER BY id SEPARATOR ',')), ':', (SELECT COUNT(*) FROM big)) FROM items",
        )
    };
    // GROUP_CONCAT is cut at 1 MB by default; these rows stay far below.
    let before = fingerprint(&db);
    assert!(before.starts_with("5000:"), "{before}");

    let found = wait_database(&admin, &s, &name).await;
    assert_eq!(found.engine, DbEngine::Mariadb);
    assert_eq!(found.user.as_deref(), Some("root"));
    assert_eq!(found.password_env.as_deref(), Some("MARIADB_ROOT_PASSWORD"));

    let b = good_backup(&admin, &s, &name, json!({"compression": "zstd"})).await;
    assert_eq!(b.compression, Compression::Zstd);
    assert!(b.file_name.as_deref().unwrap().ends_with(".sql.zst"));
    assert!(
        b.server_version.as_deref().unwrap().starts_with("10.11"),
        "{b:?}"
    );
    let body = download(&admin, &s, &b).await;
    let mut sql = String::new();
    zstd::stream::read::Decoder::new(&body[..])
        .unwrap()
        .read_to_string(&mut sql)
        .unwrap();
    assert!(sql.contains("CREATE TABLE `items`"));
    assert!(sql.contains("count_items"), "routines are in the dump");
    assert!(
        sql.trim_end()
            .lines()
            .last()
            .unwrap()
            .starts_with("-- Dump completed")
    );

    p.compose(&["down", "-v", "-t", "1"]).await;
    p.compose(&["up", "-d"]).await;
    let fresh = wait_healthy(&name, "db").await;
    assert_ne!(fresh, db);
    wait_database(&admin, &s, &name).await;
    let r = restore(&admin, &s, b.id, "db").await;
    let _: RestoreReport = expect_json(r, StatusCode::OK).await;
    assert_eq!(fingerprint(&fresh), before);
    assert_eq!(
        mariadb(&fresh, "root-secret", "shop", "CALL count_items()"),
        "5000"
    );
}
