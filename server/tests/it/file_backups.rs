//! File backups on a real engine: a named volume and a bind mount full of awkward files
//! (an empty directory, a symlink, a hard link, a name that is not UTF-8, owners and modes)
//! are backed up through the archive API, changed, and restored identical, as `stat` and
//! `md5sum` inside the container see them; a restore of one path leaves the other alone.
//! `bosun.backup.stop: true` stops the service for the copy and starts it again, also when
//! the copy fails on a full disk.

use std::os::unix::ffi::OsStrExt;
use std::process::Command;

use bosun_frontend::model::backup_verify::VerifyStatus;
use bosun_frontend::model::{BackupContent, BackupDto, BackupStatus, RestoreReport};
use reqwest::StatusCode;
use serde_json::json;

use crate::api::expect_json;
use crate::backup_verify::verified;
use crate::dbs::{SmallDisk, container_of, docker, start_backup, wait_backup};
use crate::harness::{ADMIN_PASSWORD, TestServer};
use crate::stacks::{Project, unique};

const BUSYBOX: &str = "busybox:latest";

/// `docker exec` with an argument list, asserting success; its stdout as bytes.
pub fn exec(container: &str, args: &[&str]) -> Vec<u8> {
    let out = Command::new("docker")
        .arg("exec")
        .arg(container)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Every entry under `paths` with type, mode, owner, size and link target, and every file's
/// MD5, sorted: what a user would compare.
pub fn listing(container: &str, paths: &[&str]) -> Vec<Vec<u8>> {
    let mut args = vec!["find"];
    args.extend_from_slice(paths);
    args.extend_from_slice(&["-exec", "stat", "-c", "%n|%f|%u|%g|%s|%N", "{}", "+"]);
    let mut lines: Vec<Vec<u8>> = exec(container, &args)
        .split(|b| *b == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    let mut sums = vec!["find"];
    sums.extend_from_slice(paths);
    sums.extend_from_slice(&["-type", "f", "-exec", "md5sum", "{}", "+"]);
    lines.extend(
        exec(container, &sums)
            .split(|b| *b == b'\n')
            .map(<[u8]>::to_vec),
    );
    lines.retain(|l| !l.is_empty());
    lines.sort();
    lines
}

/// A project with `app` (busybox) holding a named volume at /srv/media and a bind mount of
/// `bind` at /etc/app.
pub async fn files_project(
    prefix: &str,
    bind: &std::path::Path,
    labels: &str,
) -> (Project, String) {
    let name = unique(prefix);
    let yaml = format!(
        r#"
services:
  app:
    image: {BUSYBOX}
    command: ["sleep", "3600"]
    # tini as PID 1: sleep ignores SIGTERM, and every stop would wait out the 10 s timeout.
    init: true
    volumes:
      - media:/srv/media
      - {bind}:/etc/app
    labels:
      bosun.test: "{name}"
{labels}
volumes:
  media: {{}}
"#,
        bind = bind.display()
    );
    let p = Project::up(&name, &yaml).await;
    let c = container_of(&name, "app");
    (p, c)
}

/// Fills both mounts: files with owners and modes, an empty directory, a symlink, a hard
/// link, and a file whose name is not UTF-8 (written on the host, through the bind mount).
pub fn fill(container: &str, bind: &std::path::Path) {
    exec(
        container,
        &["mkdir", "-p", "/srv/media/uploads/2026", "/srv/media/empty"],
    );
    exec(
        container,
        &[
            "sh",
            "-c",
            "seq 1 20000 > /srv/media/uploads/2026/big.txt; echo hello > /srv/media/a.txt",
        ],
    );
    exec(container, &["chown", "1234:5678", "/srv/media/a.txt"]);
    exec(container, &["chmod", "0640", "/srv/media/a.txt"]);
    exec(container, &["chmod", "0750", "/srv/media/uploads"]);
    exec(
        container,
        &["ln", "-s", "uploads/2026/big.txt", "/srv/media/latest"],
    );
    exec(
        container,
        &["ln", "/srv/media/a.txt", "/srv/media/a-hard.txt"],
    );
    std::fs::write(bind.join("app.conf"), b"debug = false\n").unwrap();
    std::fs::create_dir_all(bind.join("conf.d/empty")).unwrap();
    let odd = std::ffi::OsStr::from_bytes(b"caf\xe9.ini");
    std::fs::write(bind.join("conf.d").join(odd), b"x = 1\n").unwrap();
    exec(container, &["chown", "-R", "33:33", "/etc/app/conf.d"]);
}

/// Changes every kind of thing a restore must undo.
fn change(container: &str) {
    exec(
        container,
        &[
            "sh",
            "-c",
            "echo changed > /srv/media/a.txt; rm -r /srv/media/uploads; touch /srv/media/new.txt; rmdir /srv/media/empty",
        ],
    );
    exec(container, &["chown", "0:0", "/srv/media/a.txt"]);
    exec(
        container,
        &[
            "sh",
            "-c",
            "echo 'debug = true' > /etc/app/app.conf; touch /etc/app/extra.conf; rm -r /etc/app/conf.d",
        ],
    );
}

/// Starts a file backup of `project`/app once bosun has seen the service; its id.
pub async fn start_files(
    client: &reqwest::Client,
    s: &TestServer,
    project: &str,
    service: &str,
) -> i64 {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let r = client
            .post(s.url("/api/v1/backups"))
            .json(&json!({"project": project, "service": service, "kind": "files"}))
            .send()
            .await
            .unwrap();
        if r.status() != StatusCode::NOT_FOUND || std::time::Instant::now() > deadline {
            let started: bosun_frontend::model::BackupStarted =
                expect_json(r, StatusCode::ACCEPTED).await;
            return started.id;
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
}

async fn files_backup(client: &reqwest::Client, s: &TestServer, project: &str) -> BackupDto {
    let id = start_files(client, s, project, "app").await;
    let b = wait_backup(client, s, id).await;
    assert_eq!(b.status, BackupStatus::Ok, "{b:?}");
    b
}

async fn restore(
    client: &reqwest::Client,
    s: &TestServer,
    id: i64,
    body: serde_json::Value,
) -> RestoreReport {
    let r = client
        .post(s.url(&format!("/api/v1/backups/{id}/restore")))
        .json(&body)
        .send()
        .await
        .unwrap();
    expect_json(r, StatusCode::OK).await
}

fn running(container: &str) -> bool {
    docker(&["inspect", "-f", "{{.State.Running}}", container])
        .1
        .trim()
        == "true"
}

fn started_at(container: &str) -> String {
    docker(&["inspect", "-f", "{{.State.StartedAt}}", container])
        .1
        .trim()
        .to_owned()
}

#[tokio::test]
async fn a_volume_and_a_bind_mount_are_backed_up_and_restored_identical() {
    let bind = tempfile::tempdir().unwrap();
    let (p, c) = files_project("fbk", bind.path(), "").await;
    fill(&c, bind.path());
    let paths = ["/srv/media", "/etc/app"];
    let before = listing(&c, &paths);
    let s = TestServer::start().await;
    let admin = s.admin().await;

    let b = files_backup(&admin, &s, &p.name).await;
    assert_eq!(b.content, BackupContent::Files);
    assert!(
        b.file_name.as_deref().unwrap().ends_with(".files.tar.gz"),
        "{b:?}"
    );
    let mut listed: Vec<&str> = b.paths.iter().map(|p| p.path.as_str()).collect();
    listed.sort_unstable();
    assert_eq!(listed, ["/etc/app", "/srv/media"]);
    let media = b.paths.iter().find(|p| p.path == "/srv/media").unwrap();
    // The root, uploads, 2026, big.txt, empty, a.txt, latest, a-hard.txt.
    assert_eq!(media.files, 8, "{b:?}");
    assert!(media.bytes > 100_000, "{b:?}");
    // Proven by reading the tar back.
    let v = verified(&admin, &s, b.id).await;
    assert_eq!(v.verify.unwrap().status, VerifyStatus::Verified);

    change(&c);
    assert_ne!(listing(&c, &paths), before);
    // A wrong confirmation changes nothing.
    let r = admin
        .post(s.url(&format!("/api/v1/backups/{}/restore", b.id)))
        .json(&json!({"confirm": "db"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    let report = restore(&admin, &s, b.id, json!({"confirm": "app"})).await;
    assert_eq!(
        listing(&c, &paths),
        before,
        "the tree is as it was backed up"
    );
    assert!(running(&c), "the service runs again");
    // The safety copy holds what was there before the restore.
    let safety: BackupDto = crate::api::json_get(
        &admin,
        &s,
        &format!("/api/v1/backups/{}", report.safety_backup_id),
    )
    .await;
    assert_eq!(safety.content, BackupContent::Files);
    assert_eq!(safety.status, BackupStatus::Ok);

    // One path only: /etc/app comes back, /srv/media keeps its change.
    change(&c);
    let changed_media = listing(&c, &["/srv/media"]);
    restore(
        &admin,
        &s,
        b.id,
        json!({"confirm": "app", "path": "/etc/app/"}),
    )
    .await;
    assert_eq!(listing(&c, &["/etc/app"]), listing_of(&before, "/etc/app"));
    assert_eq!(listing(&c, &["/srv/media"]), changed_media);
    // A path the backup does not hold is refused.
    let r = admin
        .post(s.url(&format!("/api/v1/backups/{}/restore", b.id)))
        .json(&json!({"confirm": "app", "path": "/etc"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("/srv/media") && text.contains("/etc/app"),
        "{text}"
    );
}

/// The lines of a listing about `path`.
fn listing_of(all: &[Vec<u8>], path: &str) -> Vec<Vec<u8>> {
    all.iter()
        .filter(|l| l.windows(path.len()).any(|w| w == path.as_bytes()))
        .cloned()
        .collect()
}

#[tokio::test]
async fn stop_true_stops_the_service_for_the_copy_and_always_starts_it_again() {
    let bind = tempfile::tempdir().unwrap();
    let (p, c) = files_project("fstop", bind.path(), "      bosun.backup.stop: \"true\"").await;
    // 6 MB that does not compress: more than the small disk below holds.
    exec(
        &c,
        &[
            "sh",
            "-c",
            "head -c 6000000 /dev/urandom > /srv/media/noise.bin",
        ],
    );
    let disk = SmallDisk::mount("4m");
    let data = tempfile::tempdir_in(disk.path()).unwrap();
    let s = TestServer::start_in(
        data,
        &[
            "--admin-password",
            ADMIN_PASSWORD,
            "--backup-min-free-mb",
            "1",
        ],
    )
    .await;
    let admin = s.admin().await;

    let first = started_at(&c);
    let id = start_files(&admin, &s, &p.name, "app").await;
    let b = wait_backup(&admin, &s, id).await;
    assert_eq!(b.status, BackupStatus::Failed, "{b:?}");
    assert!(b.reason.as_deref().unwrap().contains("disk"), "{b:?}");
    assert!(running(&c), "started again after the failed copy");
    let second = started_at(&c);
    assert_ne!(first, second, "it was stopped for the copy");
    assert!(
        std::fs::read_dir(s.data.path().join("backups"))
            .unwrap()
            .next()
            .is_none(),
        "no partial file is left"
    );

    // With room for it the copy is good, and the service was stopped for it too.
    exec(&c, &["rm", "/srv/media/noise.bin"]);
    exec(&c, &["sh", "-c", "echo small > /srv/media/a.txt"]);
    let id = start_backup(
        &admin,
        &s,
        json!({"project": p.name, "service": "app", "kind": "files"}),
    )
    .await;
    let b = wait_backup(&admin, &s, id).await;
    assert_eq!(b.status, BackupStatus::Ok, "{b:?}");
    assert!(running(&c));
    assert_ne!(started_at(&c), second);
    drop(disk);
}

#[tokio::test]
async fn hooks_run_around_the_copy_and_a_failing_one_fails_the_backup_after_the_after_hook() {
    let name = unique("fhook");
    let yaml = format!(
        r#"
services:
  app:
    image: {BUSYBOX}
    command: ["sleep", "3600"]
    # tini as PID 1: sleep ignores SIGTERM, and every stop would wait out the 10 s timeout.
    init: true
    volumes:
      - media:/srv/media
    labels:
      bosun.test: "{name}"
      bosun.task.flush.command: '["sh", "-c", "echo before >> /srv/media/hooks.log"]'
      bosun.task.thaw.command: '["sh", "-c", "echo after >> /srv/media/hooks.log"]'
      bosun.backup.before: flush
      bosun.backup.after: thaw
  broken:
    image: {BUSYBOX}
    command: ["sleep", "3600"]
    # tini as PID 1: sleep ignores SIGTERM, and every stop would wait out the 10 s timeout.
    init: true
    volumes:
      - cache:/srv/cache
    labels:
      bosun.test: "{name}"
      bosun.task.freeze.command: '["sh", "-c", "echo cannot freeze; exit 4"]'
      bosun.task.thaw.command: '["sh", "-c", "echo after >> /srv/cache/hooks.log"]'
      bosun.backup.before: freeze
      bosun.backup.after: thaw
volumes:
  media: {{}}
  cache: {{}}
"#
    );
    let p = Project::up(&name, &yaml).await;
    let (app, broken) = (container_of(&name, "app"), container_of(&name, "broken"));
    let s = TestServer::start().await;
    let admin = s.admin().await;

    let b = files_backup(&admin, &s, &p.name).await;
    assert_eq!(
        exec(&app, &["cat", "/srv/media/hooks.log"]),
        b"before\nafter\n",
        "in order"
    );
    // The copy was taken between the two: restored, the log holds only the first line.
    restore(&admin, &s, b.id, json!({"confirm": "app"})).await;
    assert_eq!(exec(&app, &["cat", "/srv/media/hooks.log"]), b"before\n");

    let id = start_files(&admin, &s, &p.name, "broken").await;
    let failed = wait_backup(&admin, &s, id).await;
    assert_eq!(failed.status, BackupStatus::Failed, "{failed:?}");
    let reason = failed.reason.as_deref().unwrap();
    assert!(
        reason.contains("hook before the copy failed") && reason.contains("freeze"),
        "{reason}"
    );
    assert!(failed.file_name.is_none());
    // The after hook ran all the same.
    assert_eq!(exec(&broken, &["cat", "/srv/cache/hooks.log"]), b"after\n");
}

#[tokio::test]
async fn a_service_stopped_for_a_copy_is_started_again_by_the_next_bosun_when_bosun_was_killed() {
    let bind = tempfile::tempdir().unwrap();
    let (p, c) = files_project("fkill", bind.path(), "      bosun.backup.stop: \"true\"").await;
    // Enough that does not compress for the copy to take a while.
    exec(
        &c,
        &[
            "sh",
            "-c",
            "head -c 300000000 /dev/urandom > /srv/media/noise.bin",
        ],
    );
    let s = TestServer::spawn_in(
        tempfile::tempdir().unwrap(),
        &["--admin-password", ADMIN_PASSWORD],
    )
    .await;
    let admin = s.admin().await;
    let id = start_files(&admin, &s, &p.name, "app").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while running(&c) {
        assert!(
            std::time::Instant::now() < deadline,
            "the service was never stopped for the copy"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let data = s.kill().await;
    assert!(!running(&c), "left stopped by the killed bosun");

    let s = TestServer::spawn_in(data, &[]).await;
    let admin = s.admin().await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !running(&c) {
        assert!(
            std::time::Instant::now() < deadline,
            "the next bosun did not start the service again"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let b: BackupDto = crate::api::json_get(&admin, &s, &format!("/api/v1/backups/{id}")).await;
    assert_eq!(b.status, BackupStatus::Interrupted, "{b:?}");
    let records: Vec<bosun_frontend::model::AuditEntry> =
        crate::api::json_get(&admin, &s, "/api/v1/audit?action=service.start").await;
    assert!(
        records.iter().any(|r| r.target == format!("{}/app", p.name)
            && r.detail
                .as_deref()
                .is_some_and(|d| d.contains(&format!("backup #{id}")))),
        "{records:#?}"
    );
}
