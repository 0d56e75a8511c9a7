//! Retention belongs to schedules: "Back up now" never prunes (an operator cannot push history
//! out, deleting is an admin's), scheduled runs prune only scheduled backups, and unscheduled
//! backups leave after their age limit, never a database's newest.

use std::time::Duration;

use bosun_frontend::model::{BackupDto, BackupKind, BackupStatus};
use reqwest::{Client, StatusCode};
use serde_json::json;

use crate::api::{audit, json_get, post_json};
use crate::dbs::{good_backup, seeded_postgres};
use crate::harness::{ADMIN_PASSWORD, TestServer};

async fn good_of(client: &Client, s: &TestServer, project: &str) -> Vec<BackupDto> {
    let all: Vec<BackupDto> = json_get(
        client,
        s,
        &format!("/api/v1/backups?project={project}&limit=500"),
    )
    .await;
    all.into_iter()
        .filter(|b| b.status == BackupStatus::Ok)
        .collect()
}

#[tokio::test]
async fn manual_backups_never_prune_and_scheduled_runs_prune_only_their_own() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let operator = s.user(&admin, "opr", "operator").await;
    let (p, _) = seeded_postgres(&admin, &s, "itkeep").await;
    // A schedule that keeps only its newest run (and does not fire during the first part).
    let schedule = |cron: &str| json!({"project": p.name, "service": "db", "cron": cron, "retention": {"keep_last": 1}});
    let r = post_json(&admin, &s, "/api/v1/schedules", schedule("0 0 1 1 *")).await;
    assert!(r.status().is_success(), "{}", r.status());
    for _ in 0..3 {
        good_backup(&operator, &s, &p.name, json!({})).await;
    }
    let kept = good_of(&admin, &s, &p.name).await;
    assert_eq!(kept.len(), 3, "three quick clicks prune nothing: {kept:?}");
    assert!(audit(&s, &admin, "action=backup.prune").await.is_empty());

    // Now the schedule fires every second: its runs prune to one scheduled backup, and every
    // manual backup stays.
    let r = post_json(&admin, &s, "/api/v1/schedules", schedule("* * * * * *")).await;
    assert!(r.status().is_success(), "{}", r.status());
    let mut scheduled = 0;
    for _ in 0..120 {
        let all = good_of(&admin, &s, &p.name).await;
        scheduled = all
            .iter()
            .filter(|b| b.kind == BackupKind::Scheduled)
            .count();
        if !audit(&s, &admin, "action=backup.prune").await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let r = admin
        .delete(s.url(&format!("/api/v1/schedules?project={}&service=db", p.name)))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    assert!(
        scheduled <= 2,
        "pruned to its newest (one may be running): {scheduled}"
    );
    let all = good_of(&admin, &s, &p.name).await;
    assert_eq!(
        all.iter().filter(|b| b.kind == BackupKind::Manual).count(),
        3,
        "{all:?}"
    );
}

#[tokio::test]
async fn unscheduled_backups_leave_after_their_age_limit_but_never_the_newest() {
    let clock = bosun_server::clock::ManualClock::from_now();
    let s = TestServer::start_clocked(
        tempfile::tempdir().unwrap(),
        &[
            "--admin-password",
            ADMIN_PASSWORD,
            "--backup-keep-manual",
            "7days",
        ],
        clock.clone(),
    )
    .await;
    let admin = s.admin().await;
    let (p, _) = seeded_postgres(&admin, &s, "itexpire").await;
    let first = good_backup(&admin, &s, &p.name, json!({})).await;
    let second = good_backup(&admin, &s, &p.name, json!({})).await;
    // A week and a day later (on bosun's clock), the hourly sweep removes the older one.
    clock.advance(Duration::from_secs(8 * 86_400));
    // (Sessions may have ended on a clock a week on: sign in again.)
    let admin = s.admin().await;
    let mut left = Vec::new();
    for _ in 0..100 {
        left = good_of(&admin, &s, &p.name).await;
        if left.len() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ids: Vec<i64> = left.iter().map(|b| b.id).collect();
    assert_eq!(ids, vec![second.id], "the newest stays");
    let gone = first.file_name.clone().unwrap();
    assert!(!s.data.path().join("backups").join(&gone).exists());
    let expired = audit(&s, &admin, "action=backup.expire").await;
    assert_eq!(expired.len(), 1, "{expired:?}");
    assert_eq!(expired[0].actor, "schedule");
    // An operator still cannot delete: that is an admin's.
    let op = s.user(&admin, "opx", "operator").await;
    let r = op
        .delete(s.url(&format!("/api/v1/backups/{}", ids[0])))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}
