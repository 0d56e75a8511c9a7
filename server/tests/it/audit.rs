//! The audit log: every change recorded with who, from where, how it ended and its request
//! id; filtered and paged through the API.

use bosun_frontend::model::AuditOutcome;
use reqwest::StatusCode;
use serde_json::json;

use crate::api::audit;
use crate::harness::TestServer;

#[tokio::test]
async fn every_change_is_audited_with_who_where_outcome_and_request_id() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let r = admin
        .post(s.url("/api/v1/users"))
        .json(&json!({"username": "fred", "password": "initial-passphrase", "role": "viewer"}))
        .send()
        .await
        .unwrap();
    let ok_id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    let r = admin
        .post(s.url("/api/v1/users"))
        .json(&json!({"username": "fred", "password": "initial-passphrase", "role": "viewer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let failed_id = r.headers()["x-request-id"].to_str().unwrap().to_owned();

    let entries = audit(&s, &admin, "action=user.create").await;
    assert_eq!(entries.len(), 2, "{entries:?}");
    let ok = entries
        .iter()
        .find(|e| e.request_id.as_deref() == Some(ok_id.as_str()))
        .unwrap();
    assert_eq!(
        (ok.actor.as_str(), ok.target.as_str(), ok.outcome),
        ("admin", "user:fred", AuditOutcome::Ok)
    );
    assert_eq!(ok.client.as_deref(), Some("127.0.0.1"));
    let failed = entries
        .iter()
        .find(|e| e.request_id.as_deref() == Some(failed_id.as_str()))
        .unwrap();
    assert_eq!(failed.outcome, AuditOutcome::Failed);
    assert!(failed.detail.as_deref().unwrap().contains("exists already"));
    // Newest first.
    assert!(entries[0].id > entries[1].id);
}

#[tokio::test]
async fn audit_filters_and_paging() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    s.user(&admin, "gail", "viewer").await;
    let by_gail = audit(&s, &admin, "actor=gail").await;
    assert!(!by_gail.is_empty() && by_gail.iter().all(|e| e.actor == "gail"));
    let logins = audit(&s, &admin, "action=session.").await;
    assert!(logins.iter().all(|e| e.action.starts_with("session.")));
    // LIKE wildcards in the filter are literal.
    assert!(audit(&s, &admin, "action=%25").await.is_empty());
    let page = audit(&s, &admin, "limit=2").await;
    assert_eq!(page.len(), 2);
    let before = page[1].id;
    let older = audit(&s, &admin, &format!("limit=2&before={before}")).await;
    assert!(older.iter().all(|e| e.id < before));
    for bad in [
        "limit=0",
        "limit=501",
        "outcome=maybe",
        "before=x",
        "nonsense=1",
    ] {
        let r = admin
            .get(s.url(&format!("/api/v1/audit?{bad}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}
