//! Backups encrypted with age, checked with Debian's reference `age` tool: an off-site copy
//! is encrypted before it leaves the host (no gzip, no SQL in the store) and `age -d` opens
//! it into the very backup; a restore with the wrong identity is refused and changes
//! nothing, with the right one pasted it works from the copy. With local encryption the file
//! on the host is an age file: verified with the identity file, downloadable as it is and
//! decrypted, and restored.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use bosun_frontend::model::backup_verify::VerifyStatus;
use bosun_frontend::model::{BackupDto, RestoreReport};
use reqwest::StatusCode;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::api::{expect_json, json_get};
use crate::dbs::{good_backup, psql, seeded_postgres};
use crate::harness::{ADMIN_PASSWORD, TestServer};
use crate::s3::S3;

const AGE_MAGIC: &[u8] = b"age-encryption.org/v1\n";

/// A new key pair from age-keygen: (identity file, its text, public key).
fn keygen(dir: &Path, name: &str) -> (std::path::PathBuf, String, String) {
    let file = dir.join(name);
    let out = Command::new("age-keygen")
        .arg("-o")
        .arg(&file)
        .output()
        .expect("age-keygen is installed (scripts/test.sh: bosun_ensure_age)");
    assert!(out.status.success(), "{out:?}");
    let public = Command::new("age-keygen")
        .arg("-y")
        .arg(&file)
        .output()
        .expect("age-keygen -y");
    let public = String::from_utf8(public.stdout).unwrap().trim().to_owned();
    assert!(public.starts_with("age1"), "{public}");
    (
        file.clone(),
        std::fs::read_to_string(&file).unwrap(),
        public,
    )
}

/// `age -d -i identity` of `bytes`.
fn age_decrypt(identity: &Path, bytes: &[u8]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.age");
    std::fs::write(&input, bytes).unwrap();
    let out = Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(identity)
        .arg(&input)
        .output()
        .expect("age is installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn gunzip(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut sql = String::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .read_to_string(&mut sql)
        .expect("a gzip file");
    sql
}

fn looks_plain(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
        || bytes.windows(4).any(|w| w == b"COPY")
        || bytes.windows(6).any(|w| w == b"CREATE")
}

#[tokio::test]
async fn an_off_site_copy_is_encrypted_and_restores_only_with_its_identity() {
    let keys = tempfile::tempdir().unwrap();
    let (key_file, key_text, public) = keygen(keys.path(), "ops.key");
    let (_, wrong_text, _) = keygen(keys.path(), "other.key");
    let s3 = S3::start().await;
    let mut flags = vec![
        "--admin-password",
        ADMIN_PASSWORD,
        "--backup-age-recipients",
        &public,
    ];
    let store = s3.flags("enc");
    flags.extend(store.iter().map(String::as_str));
    let s = TestServer::start_with(&flags).await;
    let admin = s.admin().await;
    let (pg, db) = seeded_postgres(&admin, &s, "encoff").await;
    let b = good_backup(&admin, &s, &pg.name, json!({})).await;
    assert!(!b.encrypted, "the file on the host is not encrypted");
    let b = crate::offsite::copied(&admin, &s, b.id, "done", Duration::from_secs(60)).await;
    let copy = b.copies.iter().find(|c| c.place == "offsite").unwrap();
    let file = b.file_name.clone().unwrap();
    assert_eq!(copy.key, format!("enc/{file}.age"));
    assert_ne!(copy.sha256, b.sha256, "the store holds other bytes");

    // The store holds neither gzip nor SQL; age opens it into the backup's own file.
    let stored = s3
        .object(&copy.key)
        .await
        .expect("the copy is in the store");
    assert!(stored.starts_with(AGE_MAGIC));
    assert!(!looks_plain(&stored));
    assert_eq!(copy.sha256, Some(hex::encode(Sha256::digest(&stored))));
    let opened = age_decrypt(&key_file, &stored);
    assert_eq!(Some(hex::encode(Sha256::digest(&opened))), b.sha256);
    assert!(gunzip(&opened).contains("PostgreSQL database dump complete"));
    // The manifest (table names, counts) is encrypted too; no plain one is left beside it.
    let stem = format!("enc/{file}");
    let manifest = s3
        .object(&format!("{stem}.json.age"))
        .await
        .expect("manifest");
    assert!(manifest.starts_with(AGE_MAGIC));
    assert!(String::from_utf8_lossy(&age_decrypt(&key_file, &manifest)).contains("stock"));
    assert!(s3.object(&format!("{stem}.json")).await.is_none());

    // The host loses the file; the data changes. The wrong identity is refused, nothing
    // changes: no safety backup, the table as it was, the file still gone.
    std::fs::remove_file(s.data.path().join("backups").join(&file)).unwrap();
    psql(&db, "shop", "shop", "DELETE FROM stock WHERE id > 10");
    let before: Vec<BackupDto> = json_get(&admin, &s, "/api/v1/backups").await;
    let r = admin
        .post(s.url(&format!("/api/v1/backups/{}/restore", b.id)))
        .json(&json!({"confirm": "db", "from": "offsite", "identity": wrong_text}))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let body = r.text().await.unwrap();
    assert!(status.is_client_error(), "{status} {body}");
    assert!(body.contains("identity"), "{body}");
    assert!(body.contains("Nothing was changed"), "{body}");
    assert!(
        !body.contains("AGE-SECRET-KEY"),
        "the identity is never repeated: {body}"
    );
    let after: Vec<BackupDto> = json_get(&admin, &s, "/api/v1/backups").await;
    assert_eq!(before.len(), after.len(), "no safety backup was taken");
    assert_eq!(
        psql(&db, "shop", "shop", "SELECT count(*) FROM stock"),
        "10"
    );

    // The right identity, pasted: restored from the copy.
    let r = admin
        .post(s.url(&format!("/api/v1/backups/{}/restore", b.id)))
        .json(&json!({"confirm": "db", "from": "offsite", "identity": key_text}))
        .send()
        .await
        .unwrap();
    let report: RestoreReport = expect_json(r, StatusCode::OK).await;
    assert_eq!(report.backup_id, b.id);
    assert_eq!(
        psql(&db, "shop", "shop", "SELECT count(*) FROM stock"),
        "1000"
    );
    // Both attempts are audited, and nothing of the identity reached the log.
    let log = crate::api::audit(&s, &admin, "action=backup.restore").await;
    assert_eq!(log.len(), 2, "{log:#?}");
    assert!(!format!("{log:?}").contains("AGE-SECRET-KEY"));

    // Deleting the backup removes the encrypted copy and its manifest.
    let r = admin
        .delete(s.url(&format!("/api/v1/backups/{}", b.id)))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    assert!(s3.object(&copy.key).await.is_none());
    assert!(s3.object(&format!("{stem}.json.age")).await.is_none());
}

#[tokio::test]
async fn with_local_encryption_the_file_on_the_host_is_encrypted_verified_and_restored() {
    let keys = tempfile::tempdir().unwrap();
    let (key_file, key_text, public) = keygen(keys.path(), "ops.key");
    let (_, wrong_text, _) = keygen(keys.path(), "other.key");
    let key_path = key_file.to_string_lossy().into_owned();
    let s = TestServer::start_with(&[
        "--admin-password",
        ADMIN_PASSWORD,
        "--backup-age-recipients",
        &public,
        "--backup-encrypt-local",
        "true",
        "--backup-age-identity-file",
        &key_path,
        "--backup-verify",
        "always",
    ])
    .await;
    let admin = s.admin().await;
    let (pg, db) = seeded_postgres(&admin, &s, "encloc").await;
    let b = good_backup(&admin, &s, &pg.name, json!({})).await;
    assert!(b.encrypted);
    let file = b.file_name.clone().unwrap();
    assert!(file.ends_with(".sql.gz.age"), "{file}");
    let on_disk = std::fs::read(s.data.path().join("backups").join(&file)).unwrap();
    assert!(on_disk.starts_with(AGE_MAGIC));
    assert!(!looks_plain(&on_disk));
    assert_eq!(Some(hex::encode(Sha256::digest(&on_disk))), b.sha256);

    // Proven by a restore, read with the identity file.
    let b = crate::backup_verify::verified(&admin, &s, b.id).await;
    let v = b.verify.clone().unwrap();
    assert_eq!(v.status, VerifyStatus::Verified, "{v:?}");
    // stock's 1,000 rows, and those of the seed's other tables.
    assert_eq!((v.tables, v.rows), (Some(3), Some(1005)), "{v:?}");

    // As it is: the age file, which the age tool opens.
    let r = admin
        .get(s.url(&format!("/api/v1/backups/{}/download", b.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let as_is = r.bytes().await.unwrap();
    assert_eq!(&as_is[..], &on_disk[..]);
    let opened = age_decrypt(&key_file, &as_is);
    assert!(gunzip(&opened).contains("PostgreSQL database dump complete"));
    // Decrypted: refused with the wrong identity, the same gzip with the right one.
    let url = s.url(&format!("/api/v1/backups/{}/decrypted", b.id));
    let r = admin
        .post(&url)
        .form(&[("identity", wrong_text.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = admin
        .post(&url)
        .form(&[("identity", key_text.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()
            .get("content-disposition")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.ends_with(".sql.gz\""))
    );
    assert_eq!(&r.bytes().await.unwrap()[..], &opened[..]);

    // Restored with the identity file; the safety backup before it is encrypted too.
    psql(&db, "shop", "shop", "DELETE FROM stock WHERE id > 10");
    let r = admin
        .post(s.url(&format!("/api/v1/backups/{}/restore", b.id)))
        .json(&json!({"confirm": "db"}))
        .send()
        .await
        .unwrap();
    let report: RestoreReport = expect_json(r, StatusCode::OK).await;
    assert_eq!(
        psql(&db, "shop", "shop", "SELECT count(*) FROM stock"),
        "1000"
    );
    let safety: BackupDto = json_get(
        &admin,
        &s,
        &format!("/api/v1/backups/{}", report.safety_backup_id),
    )
    .await;
    assert!(safety.encrypted);
    crate::backup_verify::settled(&pg.name).await;
}
