//! One busy registry for every room, against the real engine: a restore excludes every other
//! action on its service (the restart that broke a restore mid-way), backups of different
//! databases run side by side, and a certificate renewal does not hold up a backup.

use std::time::Duration;

use bosun_frontend::model::{
    AuditOutcome, BackupDto, BackupStatus, CertificatesView, DatabaseDto, RenewReport, ServiceDto,
};
use reqwest::StatusCode;
use serde_json::json;

use crate::api::{json_get, post_json, refused};
use crate::dbs::{dump_in_flight, seeded_postgres, start_backup, wait_backup};
use crate::harness::{ADMIN_PASSWORD, TestServer};
use crate::sse::Events;
use crate::stacks::{Project, unique};

/// The error message of a refused request, asserting it was refused with 409.
async fn conflict(r: reqwest::Response) -> String {
    refused(r, StatusCode::CONFLICT).await.message
}

#[tokio::test]
async fn a_restore_in_flight_refuses_stop_restart_scale_and_a_second_restore_of_its_service() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let (p, db) = seeded_postgres(&admin, &s, "itbusyrs").await;
    let id = start_backup(&admin, &s, json!({"project": p.name, "service": "db"})).await;
    let good: BackupDto = wait_backup(&admin, &s, id).await;
    assert_eq!(good.status, BackupStatus::Ok);

    // The restore's safety backup waits on a table lock: the restore is surely running.
    let lock = crate::dbs::hold_lock(&db).await;
    let restore = {
        let (admin, url) = (
            admin.clone(),
            s.url(&format!("/api/v1/backups/{id}/restore")),
        );
        let confirm = "db".to_owned();
        tokio::spawn(async move {
            admin
                .post(url)
                .json(&json!({"confirm": confirm}))
                .send()
                .await
                .unwrap()
        })
    };
    // Wait until the registry shows the restore on the database.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let dbs: Vec<DatabaseDto> = json_get(&admin, &s, "/api/v1/databases").await;
        let job = dbs
            .iter()
            .find(|d| d.project == p.name)
            .and_then(|d| d.job.as_ref().map(|j| j.what.clone()));
        if job.as_deref() == Some("safety backup before restore") {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the restore never showed: {dbs:#?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let service = format!("/api/v1/projects/{}/services/db", p.name);
    for action in ["stop", "restart", "start"] {
        let m =
            conflict(post_json(&admin, &s, &format!("{service}/{action}"), json!({})).await).await;
        assert!(
            m.contains("admin is restoring") && m.contains(&format!("{}/db", p.name)),
            "{action}: {m}"
        );
    }
    let m = conflict(
        post_json(
            &admin,
            &s,
            &format!("{service}/scale"),
            json!({"replicas": 2, "override": true}),
        )
        .await,
    )
    .await;
    assert!(m.contains("restoring"), "{m}");
    // One container by id is its service's too.
    let container = crate::dbs::container_of(&p.name, "db");
    let m = conflict(
        post_json(
            &admin,
            &s,
            &format!("/api/v1/containers/{container}/restart"),
            json!({}),
        )
        .await,
    )
    .await;
    assert!(m.contains("restoring"), "{m}");
    let m = conflict(
        post_json(
            &admin,
            &s,
            &format!("/api/v1/backups/{id}/restore"),
            json!({"confirm": "db"}),
        )
        .await,
    )
    .await;
    assert!(m.contains("restoring"), "{m}");
    let m = conflict(
        post_json(
            &admin,
            &s,
            "/api/v1/backups",
            json!({"project": p.name, "service": "db"}),
        )
        .await,
    )
    .await;
    assert!(m.contains("restoring"), "{m}");
    // The Services page shows the work on the database's card, for everyone.
    let overview: ServiceDto = json_get(&admin, &s, &service).await;
    assert!(
        overview
            .busy
            .as_deref()
            .is_some_and(|b| b.contains("restore")),
        "{overview:?}"
    );

    // The database was never stopped: the restore ends well, and the service is free again.
    drop(lock);
    let r = restore.await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let r = post_json(&admin, &s, &format!("{service}/restart"), json!({})).await;
    assert_eq!(r.status(), StatusCode::OK);
    // Every refusal is in the audit log as a failed attempt, with who and why.
    let refused = crate::api::audit(&s, &admin, "action=service.stop").await;
    assert_eq!(refused[0].outcome, AuditOutcome::Failed, "{refused:?}");
    assert!(
        refused[0].detail.as_deref().unwrap().contains("restoring"),
        "{refused:?}"
    );
}

#[tokio::test]
async fn backups_of_two_databases_run_side_by_side() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let (a, a_db) = seeded_postgres(&admin, &s, "itbusya").await;
    let (b, _) = seeded_postgres(&admin, &s, "itbusyb").await;
    // The first dump is held in flight; the second database's backup starts and finishes.
    let (lock, first) = dump_in_flight(&admin, &s, &a.name, &a_db).await;
    let second = start_backup(&admin, &s, json!({"project": b.name, "service": "db"})).await;
    let done: BackupDto = wait_backup(&admin, &s, second).await;
    assert_eq!(done.status, BackupStatus::Ok, "{done:?}");
    let still: BackupDto = json_get(&admin, &s, &format!("/api/v1/backups/{first}")).await;
    assert_eq!(still.status, BackupStatus::Running);
    drop(lock);
    let first: BackupDto = wait_backup(&admin, &s, first).await;
    assert_eq!(first.status, BackupStatus::Ok, "{first:?}");
}

#[tokio::test]
async fn a_certificate_renewal_does_not_hold_up_a_backup() {
    let certs = tempfile::tempdir().unwrap();
    let (c, k) = crate::certs::pair(&["slow.it"], -20, 10);
    std::fs::write(certs.path().join("slow.crt"), &c).unwrap();
    std::fs::write(certs.path().join("slow.key"), &k).unwrap();
    // A service whose reload takes a while: the renewal stays in flight during it.
    let slow = Project::up(
        &unique("itbusyc"),
        &format!(
            "services:\n  slow:\n    image: busybox:latest\n    command: [\"sleep\", \"300\"]\n    volumes: [\"{}:/certs\"]\n    labels:\n      bosun.cert.reload: \"exec:sleep 8\"\n",
            certs.path().display()
        ),
    )
    .await;
    let dirs = certs.path().display().to_string();
    let s =
        TestServer::start_with(&["--cert-dirs", &dirs, "--admin-password", ADMIN_PASSWORD]).await;
    let admin = s.admin().await;
    crate::api::wait_listed(&admin, &s, &slow.name).await;
    let (p, _) = seeded_postgres(&admin, &s, "itbusyd").await;
    let file = crate::certs::certificates(&admin, &s)
        .await
        .into_iter()
        .find(|c| c.title == certs.path().join("slow.crt").display().to_string())
        .unwrap();
    let id = file.id.clone();

    let mut view = Events::open(&admin, s.url("/api/v1/certificates/events")).await;
    let renewal = {
        let (admin, url) = (
            admin.clone(),
            s.url(&format!("/api/v1/certificates/{id}/renew")),
        );
        tokio::spawn(async move {
            admin
                .post(url)
                .json(&json!({"source": "internal-ca", "confirm_names": ["slow.it"]}))
                .send()
                .await
                .unwrap()
        })
    };
    // The renewal is at its reload step, then a backup starts and ends while it still is.
    view.until(Duration::from_secs(30), |v: &CertificatesView| {
        v.jobs
            .iter()
            .any(|j| j.cert_id == id && j.step.starts_with("reloading"))
    })
    .await;
    let backup = start_backup(&admin, &s, json!({"project": p.name, "service": "db"})).await;
    let done: BackupDto = wait_backup(&admin, &s, backup).await;
    assert_eq!(done.status, BackupStatus::Ok, "{done:?}");
    assert!(
        !renewal.is_finished(),
        "the renewal was still in flight while the backup ran"
    );
    let r = renewal.await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let report: RenewReport = r.json().await.unwrap();
    assert!(report.reloads.iter().all(|r| r.ok), "{:?}", report.reloads);
}
