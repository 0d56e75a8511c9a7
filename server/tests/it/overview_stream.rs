//! The overview's events stream does not begin by repeating what the caller already shows:
//! the Services page's own render (`have`), or a reconnecting browser's last frame
//! (`Last-Event-ID`). On a large host that first frame was the whole picture again.

use std::time::Duration;

use bosun_frontend::model::Overview;
use reqwest::StatusCode;

use crate::api::{json_get, refused};
use crate::harness::TestServer;
use crate::sse::Events;

/// The picture without its revision, as the stream's frames carry it.
fn bare(mut o: Overview) -> Overview {
    o.revision.clear();
    o
}

#[tokio::test]
async fn the_overview_stream_skips_a_first_frame_the_caller_already_has() {
    let s = TestServer::start().await;
    let viewer = s.admin().await;
    let events = |query: &str| s.url(&format!("/api/v1/overview/events{query}"));

    // Without `have`: the picture at once, its digest as the event id. The REST overview's
    // revision is that same digest whenever the picture is the same (other tests change the
    // shared engine meanwhile: retried until two reads agree).
    let mut agreed = None;
    for _ in 0..20 {
        let mut plain = Events::open(&viewer, events("")).await;
        let frame: Overview = plain
            .next(Duration::from_secs(5))
            .await
            .expect("without `have`, the overview at once");
        assert!(
            frame.revision.is_empty(),
            "frames carry their revision as the event id"
        );
        let id = plain.last_id.clone().expect("each frame has an id");
        let rest: Overview = json_get(&viewer, &s, "/api/v1/overview").await;
        assert_eq!(rest.revision.len(), 16, "{}", rest.revision);
        if bare(rest.clone()) == frame {
            assert_eq!(rest.revision, id, "the same picture, the same revision");
            agreed = Some(rest);
            break;
        }
    }
    let shown = agreed.expect("the REST overview and the stream agreed on one picture");

    // With `have`: no repeat. Any frame that still comes is a change since.
    let mut have = Events::open(&viewer, events(&format!("?have={}", shown.revision))).await;
    if let Some(next) = have.next::<Overview>(Duration::from_millis(1500)).await {
        assert_ne!(have.last_id.as_deref(), Some(shown.revision.as_str()));
        assert_ne!(
            next,
            bare(shown.clone()),
            "the stream repeated the picture the caller had"
        );
    }

    // A browser reconnecting with the id of its last frame: no repeat either.
    let mut first = Events::open(&viewer, events("")).await;
    let had: Overview = first.next(Duration::from_secs(5)).await.expect("a frame");
    let last_id = first.last_id.clone().expect("an id");
    drop(first);
    let mut resumed = Events::resume(&viewer, events(""), Some(&last_id)).await;
    if let Some(next) = resumed.next::<Overview>(Duration::from_millis(1500)).await {
        assert_ne!(resumed.last_id.as_deref(), Some(last_id.as_str()));
        assert_ne!(next, had, "a reconnect repeated the last frame");
    }

    // A `have` that is not a revision is refused, saying what it should be.
    let r = viewer.get(events("?have=latest")).send().await.unwrap();
    let e = refused(r, StatusCode::BAD_REQUEST).await;
    assert!(
        e.message.contains("16 lower-case hex digits"),
        "{}",
        e.message
    );
}
