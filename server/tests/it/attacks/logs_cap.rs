//! A viewer reads at most 5,000 lines per container in one request; a whole log is an
//! operator's, and every such read is in the audit log (as downloads are).

use reqwest::StatusCode;

use crate::api::{audit, refused, wait_listed};
use crate::harness::TestServer;
use crate::logs::SAYER;
use crate::stacks::{Project, unique};

#[tokio::test]
async fn a_whole_log_is_an_operators_read_and_audited() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let viewer = s.user(&admin, "reader", "viewer").await;
    let operator = s.user(&admin, "oper", "operator").await;
    let p = Project::up(&unique("itlogcap"), SAYER).await;
    wait_listed(&admin, &s, &p.name).await;
    let path = |tail: &str, follow: bool| {
        s.url(&format!(
            "/api/v1/projects/{}/services/sayer/logs?tail={tail}&follow={follow}",
            p.name
        ))
    };
    // Within the cap, a viewer reads as before (plain text and a live stream).
    let r = viewer.get(path("5000", false)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("sayer up"));
    // Beyond it, or all of it, plain or followed: refused, saying what to ask instead.
    for (tail, follow) in [("all", false), ("5001", false), ("all", true)] {
        let e = refused(
            viewer.get(path(tail, follow)).send().await.unwrap(),
            StatusCode::FORBIDDEN,
        )
        .await;
        assert!(
            e.message.contains("operator") && e.message.contains("5000"),
            "{tail}: {}",
            e.message
        );
    }
    // An operator reads the whole log, and it is audited with who, what and how much.
    let r = operator.get(path("all", false)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("sayer up"));
    let reads = audit(&s, &admin, "action=logs.read").await;
    assert_eq!(reads.len(), 1, "{reads:?}");
    assert_eq!(reads[0].actor, "oper");
    assert_eq!(reads[0].target, format!("{}/sayer", p.name));
    assert_eq!(reads[0].detail.as_deref(), Some("the whole log"));
}
