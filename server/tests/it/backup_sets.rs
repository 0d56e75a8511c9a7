//! Stack sets on a real engine: a project with PostgreSQL and a service with a volume. A
//! bosun killed mid-set reports the set interrupted and lists no part of it as good; the
//! next set is good with a dump and a file backup; after the table is dropped and the files
//! deleted, restoring the set brings both back.

use bosun_frontend::model::{BackupContent, BackupSetDto, BackupStatus, SetRestoreReport};
use reqwest::StatusCode;
use serde_json::json;

use crate::api::{expect_json, json_get};
use crate::dbs::{
    PG_IMAGE, hold_lock, postgres_fingerprint, psql, seed_postgres, wait_database, wait_healthy,
    wait_lock_waiter,
};
use crate::file_backups::{exec, listing};
use crate::harness::{ADMIN_PASSWORD, TestServer};
use crate::stacks::{Project, unique};

async fn start_set(client: &reqwest::Client, s: &TestServer, project: &str) -> BackupSetDto {
    let r = client
        .post(s.url(&format!("/api/v1/projects/{project}/backup-sets")))
        .send()
        .await
        .unwrap();
    expect_json(r, StatusCode::ACCEPTED).await
}

async fn wait_set(client: &reqwest::Client, s: &TestServer, id: i64) -> BackupSetDto {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
    loop {
        let set: BackupSetDto = json_get(client, s, &format!("/api/v1/backup-sets/{id}")).await;
        if set.status != BackupStatus::Running {
            return set;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "set #{id} still running: {set:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
}

#[tokio::test]
async fn a_project_is_backed_up_as_one_set_and_restored_as_one() {
    let name = unique("bset");
    let yaml = format!(
        r#"
services:
  db:
    image: {PG_IMAGE}
    environment:
      POSTGRES_USER: shop
      POSTGRES_PASSWORD: shop-secret
      POSTGRES_DB: shop
    labels:
      bosun.test: "{name}"
  app:
    image: busybox:latest
    command: ["sleep", "3600"]
    # tini as PID 1: sleep ignores SIGTERM, and every stop would wait out the 10 s timeout.
    init: true
    volumes:
      - media:/srv/media
    labels:
      bosun.test: "{name}"
volumes:
  media: {{}}
"#
    );
    let p = Project::up(&name, &yaml).await;
    let db = wait_healthy(&name, "db").await;
    seed_postgres(&db, 1000);
    let app = crate::dbs::container_of(&name, "app");
    exec(
        &app,
        &[
            "sh",
            "-c",
            "mkdir -p /srv/media/u && seq 1 5000 > /srv/media/u/list.txt && echo hi > /srv/media/a.txt",
        ],
    );
    let data = tempfile::tempdir().unwrap();
    let s = TestServer::spawn_in(data, &["--admin-password", ADMIN_PASSWORD]).await;
    let admin = s.admin().await;
    wait_database(&admin, &s, &p.name).await;

    // Killed while the set's dump waits on a lock: the set and that part are interrupted,
    // and nothing of the set counts as good.
    let lock = hold_lock(&db).await;
    let first = start_set(&admin, &s, &p.name).await;
    assert_eq!(first.status, BackupStatus::Running);
    wait_lock_waiter(&db).await;
    let data = s.kill().await;
    drop(lock);
    let s = TestServer::spawn_in(data, &[]).await;
    let admin = s.admin().await;
    let first: BackupSetDto =
        json_get(&admin, &s, &format!("/api/v1/backup-sets/{}", first.id)).await;
    assert_eq!(first.status, BackupStatus::Interrupted, "{first:?}");
    assert!(!first.parts.is_empty(), "{first:?}");
    assert!(
        first.parts.iter().all(|b| b.status != BackupStatus::Ok),
        "{first:?}"
    );
    let r = admin
        .post(s.url(&format!("/api/v1/backup-sets/{}/restore", first.id)))
        .json(&json!({"confirm": p.name}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::CONFLICT,
        "an interrupted set is not restored"
    );

    // A good set: the dump first, then the files.
    wait_database(&admin, &s, &p.name).await;
    let at_backup = (postgres_fingerprint(&db), listing(&app, &["/srv/media"]));
    let set = start_set(&admin, &s, &p.name).await;
    let set = wait_set(&admin, &s, set.id).await;
    assert_eq!(set.status, BackupStatus::Ok, "{set:?}");
    let kinds: Vec<(String, BackupContent, BackupStatus)> = set
        .parts
        .iter()
        .map(|b| (b.service.clone(), b.content, b.status))
        .collect();
    assert_eq!(
        kinds,
        [
            ("db".into(), BackupContent::Database, BackupStatus::Ok),
            ("app".into(), BackupContent::Files, BackupStatus::Ok)
        ]
    );
    // Its manifest beside the files names every part with its checksum.
    let manifest: BackupSetDto = serde_json::from_slice(
        &std::fs::read(
            s.data
                .path()
                .join("backups")
                .join(format!("{}-set-{}.json", p.name, set.id)),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(manifest.parts.len(), 2);
    for (m, part) in manifest.parts.iter().zip(&set.parts) {
        assert_eq!((&m.file_name, &m.sha256), (&part.file_name, &part.sha256));
        assert!(
            s.data
                .path()
                .join("backups")
                .join(m.file_name.as_deref().unwrap())
                .exists()
        );
    }

    // Both dropped, then the set restores both.
    psql(&db, "shop", "shop", "DROP TABLE stock");
    exec(&app, &["rm", "-rf", "/srv/media/u", "/srv/media/a.txt"]);
    let r = admin
        .post(s.url(&format!("/api/v1/backup-sets/{}/restore", set.id)))
        .json(&json!({"confirm": "db"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::BAD_REQUEST,
        "the project name confirms"
    );
    let r = admin
        .post(s.url(&format!("/api/v1/backup-sets/{}/restore", set.id)))
        .json(&json!({"confirm": p.name}))
        .send()
        .await
        .unwrap();
    let report: SetRestoreReport = expect_json(r, StatusCode::OK).await;
    assert_eq!(report.restored.len(), 2);
    let app = crate::dbs::container_of(&name, "app");
    assert_eq!(
        (postgres_fingerprint(&db), listing(&app, &["/srv/media"])),
        at_backup
    );
}

#[tokio::test]
async fn a_set_schedule_fires_on_bosuns_clock_and_keeps_the_newest_scheduled_sets_whole() {
    use bosun_frontend::model::SetScheduleDto;
    use bosun_server::clock::{Clock, ManualClock};

    let name = unique("bsetsch");
    let yaml = format!(
        r#"
services:
  app:
    image: busybox:latest
    command: ["sleep", "3600"]
    # tini as PID 1: sleep ignores SIGTERM, and every stop would wait out the 10 s timeout.
    init: true
    volumes:
      - media:/srv/media
    labels:
      bosun.test: "{name}"
volumes:
  media: {{}}
"#
    );
    let p = Project::up(&name, &yaml).await;
    let app = crate::dbs::container_of(&name, "app");
    exec(&app, &["sh", "-c", "echo hi > /srv/media/a.txt"]);
    let clock = ManualClock::from_now();
    let s = TestServer::start_clocked(
        tempfile::tempdir().unwrap(),
        &["--admin-password", ADMIN_PASSWORD],
        clock.clone(),
    )
    .await;
    let admin = s.admin().await;
    // A manual set first: never pruned.
    crate::file_backups::start_files(&admin, &s, &p.name, "app").await;
    let manual = start_set_when_free(&admin, &s, &p.name).await;
    let manual = wait_set(&admin, &s, manual.id).await;
    assert_eq!(
        (manual.status, manual.kind.as_str()),
        (BackupStatus::Ok, "manual")
    );

    let r = admin
        .put(s.url(&format!("/api/v1/projects/{}/backup-sets/schedule", p.name)))
        .json(&json!({"cron": "*/3 * * * * *", "keep_last": 2}))
        .send()
        .await
        .unwrap();
    let sched: SetScheduleDto = expect_json(r, StatusCode::OK).await;
    assert_eq!(sched.keep_last, 2);
    let bad = admin
        .put(s.url(&format!("/api/v1/projects/{}/backup-sets/schedule", p.name)))
        .json(&json!({"cron": "every day"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

    let mut ids = Vec::new();
    for run in 1..=3 {
        let list: Vec<SetScheduleDto> = json_get(&admin, &s, "/api/v1/backup-set-schedules").await;
        let next = list
            .iter()
            .find(|x| x.project == p.name)
            .and_then(|x| x.next_run.clone())
            .unwrap();
        let next =
            time::OffsetDateTime::parse(&next, &time::format_description::well_known::Rfc3339)
                .unwrap();
        let next = i64::try_from(next.unix_timestamp_nanos() / 1_000_000).unwrap();
        clock.advance(std::time::Duration::from_millis(
            u64::try_from(next - clock.now_ms()).unwrap(),
        ));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let set = loop {
            let newest = newest_set(&admin, &s, &p.name).await;
            if let Some(set) = newest.as_ref().filter(|x| {
                x.kind == "scheduled" && !ids.contains(&x.id) && x.status == BackupStatus::Ok
            }) {
                break set.clone();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "scheduled set {run} did not run: {newest:#?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        };
        assert_eq!(set.actor, "schedule");
        ids.push(set.id);
    }
    // Keep the last two scheduled sets: the first is gone with its part and file.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let r = admin
            .get(s.url(&format!("/api/v1/backup-sets/{}", ids[0])))
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::NOT_FOUND {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the oldest scheduled set was not pruned"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    for id in [manual.id, ids[1], ids[2]] {
        let set: BackupSetDto = json_get(&admin, &s, &format!("/api/v1/backup-sets/{id}")).await;
        assert_eq!(set.status, BackupStatus::Ok);
    }
    let files = crate::dbs::files_in(&s.data.path().join("backups"));
    assert_eq!(
        files
            .iter()
            .filter(|f| f.ends_with(".files.tar.gz"))
            .count(),
        4,
        "{files:?}"
    );

    // A part goes only with its set.
    let part = manual.parts[0].id;
    let r = admin
        .delete(s.url(&format!("/api/v1/backups/{part}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = admin
        .delete(s.url(&format!("/api/v1/backup-sets/{}", manual.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = admin
        .get(s.url(&format!("/api/v1/backups/{part}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    drop(p);
}

/// The project's newest set, found through the catalogue (parts name their set).
async fn newest_set(
    client: &reqwest::Client,
    s: &TestServer,
    project: &str,
) -> Option<BackupSetDto> {
    let parts: Vec<bosun_frontend::model::BackupDto> = json_get(
        client,
        s,
        &format!("/api/v1/backups?project={project}&content=files"),
    )
    .await;
    let id = parts.iter().filter_map(|b| b.set_id).max()?;
    Some(json_get(client, s, &format!("/api/v1/backup-sets/{id}")).await)
}

/// Starts a set once the service is free again (a file backup may still hold it).
async fn start_set_when_free(
    client: &reqwest::Client,
    s: &TestServer,
    project: &str,
) -> BackupSetDto {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let r = client
            .post(s.url(&format!("/api/v1/projects/{project}/backup-sets")))
            .send()
            .await
            .unwrap();
        if r.status() != StatusCode::CONFLICT || std::time::Instant::now() > deadline {
            return expect_json(r, StatusCode::ACCEPTED).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}
