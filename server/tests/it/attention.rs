//! What needs attention, against the real engine: a service whose container crashes (exit
//! code 3) is listed with a link to that container, a database never backed up is listed,
//! and both leave the list when fixed (the container removed, a good backup taken), live on
//! the events stream as well as in `GET /api/v1/attention`.

use std::time::{Duration, Instant};

use bosun_frontend::model::attention::AttentionView;
use reqwest::Client;
use serde_json::json;

use crate::api::json_get;
use crate::dbs::{good_backup, seeded_postgres};
use crate::harness::TestServer;
use crate::stacks::{Project, unique};

const CRASHER: &str = r#"
services:
  job:
    image: busybox:latest
    command: ["sh", "-c", "echo starting; exit 3"]
"#;

async fn until(
    client: &Client,
    s: &TestServer,
    what: &str,
    ok: impl Fn(&AttentionView) -> bool,
) -> AttentionView {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let v: AttentionView = json_get(client, s, "/api/v1/attention").await;
        if ok(&v) {
            return v;
        }
        assert!(Instant::now() < deadline, "{what}: {v:#?}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test]
async fn a_crashed_container_and_a_database_without_a_backup_need_attention_until_fixed() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let crasher = Project::up(&unique("itattn"), CRASHER).await;
    // Compose v1 drops the dashes of a project's name in container names.
    let p = crasher.name.replace('-', "");
    let named = |title: &str| title.replace(['-', '_'], "").contains(&p);
    let v = until(&admin, &s, "the crash is listed", |v| {
        v.items
            .iter()
            .any(|i| named(&i.title) && i.title.ends_with("exited with code 3"))
    })
    .await;
    let item = v.items.iter().find(|i| named(&i.title)).unwrap();
    assert!(item.title.contains("job"), "{item:?}");
    assert!(item.href.starts_with("/containers/"), "{item:?}");
    assert!(v.counts.stopped >= 1);

    // A database nobody backed up is listed, and leaves the list with its first good backup.
    let (pg, _db) = seeded_postgres(&admin, &s, "itattn").await;
    let never = format!("{}/db has never been backed up", pg.name);
    until(&admin, &s, "the database is listed", |v| {
        v.items.iter().any(|i| i.title == never)
    })
    .await;
    good_backup(&admin, &s, &pg.name, json!({})).await;
    until(&admin, &s, "the backed-up database left the list", |v| {
        !v.items.iter().any(|i| i.title.contains(&pg.name))
    })
    .await;

    // Fixed: the crashed project is removed, and the item goes.
    drop(crasher);
    until(&admin, &s, "the crash left the list", |v| {
        !v.items.iter().any(|i| named(&i.title))
    })
    .await;

    // Without a session: 401.
    let r = s
        .client_builder()
        .build()
        .unwrap()
        .get(s.url("/api/v1/attention"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::UNAUTHORIZED);
}
