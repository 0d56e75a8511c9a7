//! Off-site copies in a real S3-compatible store (moto): a verified backup lands there with
//! its size and checksum and is shown as kept in both places; with the local file deleted, a
//! restore fetches it back and works; with the store down the backup stays good, the copy
//! fails (audited) and is tried again until it lands.

use std::time::{Duration, Instant};

use bosun_frontend::model::backup_verify::VerifyStatus;
use bosun_frontend::model::{BackupDto, RestoreReport};
use reqwest::{Client, StatusCode};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::api::{audit, expect_json, json_get};
use crate::dbs::{good_backup, psql, seeded_postgres};
use crate::harness::{ADMIN_PASSWORD, TestServer};
use crate::s3::S3;

/// Waits until the backup's off-site copy is `status`, and returns the backup.
pub async fn copied(
    client: &Client,
    s: &TestServer,
    id: i64,
    status: &str,
    within: Duration,
) -> BackupDto {
    let deadline = Instant::now() + within;
    loop {
        let b: BackupDto = json_get(client, s, &format!("/api/v1/backups/{id}")).await;
        if b.copies
            .iter()
            .any(|c| c.place == "offsite" && c.status == status)
        {
            return b;
        }
        assert!(
            Instant::now() < deadline,
            "backup #{id}'s off-site copy is not {status}: {b:#?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

fn server_flags<'a>(s3: &'a [String], extra: &[&'a str]) -> Vec<&'a str> {
    let mut flags = vec!["--admin-password", ADMIN_PASSWORD];
    flags.extend(extra);
    flags.extend(s3.iter().map(String::as_str));
    flags
}

#[tokio::test]
async fn a_verified_backup_is_copied_off_site_and_restores_from_there_when_the_local_file_is_gone()
{
    let s3 = S3::start().await;
    let flags = s3.flags("prod/db");
    let s = TestServer::start_with(&server_flags(&flags, &["--backup-verify", "always"])).await;
    let admin = s.admin().await;
    let (pg, db) = seeded_postgres(&admin, &s, "offsite").await;
    let b = good_backup(&admin, &s, &pg.name, json!({})).await;
    let b = copied(&admin, &s, b.id, "done", Duration::from_secs(120)).await;
    // Proven first, then copied; kept in both places.
    assert_eq!(
        b.verify.as_ref().map(|v| v.status),
        Some(VerifyStatus::Verified)
    );
    let places: Vec<&str> = b.copies.iter().map(|c| c.place.as_str()).collect();
    assert_eq!(places, ["local", "offsite"]);
    let copy = b.copies.iter().find(|c| c.place == "offsite").unwrap();
    let file = b.file_name.clone().unwrap();
    assert_eq!(copy.key, format!("prod/db/{file}"));
    assert_eq!(copy.size, b.file_bytes);
    assert_eq!(copy.sha256, b.sha256);
    // The store holds exactly the file, and its manifest beside it.
    let stored = s3
        .object(&copy.key)
        .await
        .expect("the object is in the store");
    assert_eq!(Some(hex::encode(Sha256::digest(&stored))), b.sha256);
    let manifest = s3
        .object(&format!("{}.json", copy.key))
        .await
        .expect("the manifest beside it");
    assert!(String::from_utf8_lossy(&manifest).contains("\"verified\""));
    let log = audit(&s, &admin, "action=backup.offsite").await;
    assert!(
        log.iter()
            .any(|r| r.detail.as_deref().unwrap_or("").contains("read back")),
        "{log:#?}"
    );

    // The host loses the file; the data changes; a restore fetches the copy and works.
    std::fs::remove_file(s.data.path().join("backups").join(&file)).unwrap();
    let shown: BackupDto = json_get(&admin, &s, &format!("/api/v1/backups/{}", b.id)).await;
    assert_eq!(
        shown
            .copies
            .iter()
            .map(|c| c.place.as_str())
            .collect::<Vec<_>>(),
        ["offsite"]
    );
    psql(&db, "shop", "shop", "DELETE FROM stock WHERE id > 10");
    let r = admin
        .post(s.url(&format!("/api/v1/backups/{}/restore", b.id)))
        .json(&json!({"confirm": "db"}))
        .send()
        .await
        .unwrap();
    let report: RestoreReport = expect_json(r, StatusCode::OK).await;
    assert_eq!(report.backup_id, b.id);
    assert_eq!(
        psql(&db, "shop", "shop", "SELECT count(*) FROM stock"),
        "1000"
    );
    assert!(
        s.data.path().join("backups").join(&file).is_file(),
        "the file is back on the host"
    );
    // The safety backup taken before the restore is being proven now: let it end.
    crate::backup_verify::settled(&pg.name).await;
}

#[tokio::test]
async fn an_unreachable_store_fails_the_copy_not_the_backup_and_the_copy_is_retried() {
    let mut s3 = S3::start().await;
    s3.down();
    let flags = s3.flags("");
    let s = TestServer::start_with(&server_flags(&flags, &[])).await;
    let admin = s.admin().await;
    let (url, inbox) = crate::notify::receiver().await;
    crate::notify::add(
        &admin,
        &s,
        "ops",
        &url,
        "generic",
        &["backup.offsite_failed"],
    )
    .await;
    let (pg, _db) = seeded_postgres(&admin, &s, "offdown").await;
    let b = good_backup(&admin, &s, &pg.name, json!({})).await;
    let failed = copied(&admin, &s, b.id, "failed", Duration::from_secs(60)).await;
    let copy = failed.copies.iter().find(|c| c.place == "offsite").unwrap();
    assert!(
        copy.error
            .as_deref()
            .unwrap_or("")
            .contains("could not be reached"),
        "{copy:?}"
    );
    assert_eq!(
        failed.status,
        bosun_frontend::model::BackupStatus::Ok,
        "the backup stays good"
    );
    let log = audit(&s, &admin, "action=backup.offsite").await;
    assert_eq!(log.len(), 1, "the first failure is audited: {log:#?}");
    inbox
        .wait_for(
            bosun_frontend::model::NotifyEvent::BackupOffsiteFailed,
            &format!("backup #{}", b.id),
            30,
        )
        .await;

    // The store comes back: the copy is tried again (back-off of seconds at first) and lands.
    s3.up().await;
    let done = copied(&admin, &s, b.id, "done", Duration::from_secs(90)).await;
    let copy = done.copies.iter().find(|c| c.place == "offsite").unwrap();
    assert_eq!(copy.sha256, done.sha256);
    assert!(s3.object(&copy.key).await.is_some());

    // Deleting the backup removes its off-site copy too.
    let r = admin
        .delete(s.url(&format!("/api/v1/backups/{}", b.id)))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    assert!(s3.object(&copy.key).await.is_none());
}
