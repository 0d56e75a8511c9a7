//! Logs against the real engine: stdout/stderr marking, merged order, filters, follow,
//! follow across a restart, download and its audit record.

use std::time::Duration;

use bosun_frontend::model::{
    LogFrame, LogItem, LogLine, LogMarker, LogStream, MarkerKind, ServiceDto,
};
use reqwest::StatusCode;

use crate::api::{audit, json_get, refused, text_of, wait_listed};
use crate::harness::TestServer;
use crate::sse::Events;
use crate::stacks::{Demo, Project, unique};

pub fn lines_of(frame: &LogFrame) -> Vec<&LogLine> {
    frame
        .items
        .iter()
        .filter_map(|i| match i {
            LogItem::Line(l) => Some(l),
            LogItem::Marker(_) => None,
        })
        .collect()
}

pub fn markers_of(frame: &LogFrame) -> impl Iterator<Item = &LogMarker> {
    frame.items.iter().filter_map(|i| match i {
        LogItem::Marker(m) => Some(m),
        LogItem::Line(_) => None,
    })
}

#[tokio::test]
async fn stdout_and_stderr_come_back_marked_and_merged_in_time_order() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let viewer = s.user(&admin, "watcher", "viewer").await;
    let demo = Demo::up("itlogs").await;
    wait_listed(&viewer, &s, &demo.project).await;
    let p = &demo.project;
    // Until the worker has ticked a few times.
    let mut ticked = String::new();
    for _ in 0..100 {
        ticked = text_of(
            &viewer,
            &s,
            &format!("/api/v1/projects/{p}/services/worker/logs?tail=5000&stream=stderr"),
        )
        .await;
        if ticked.contains("worker tick 2 stderr") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ticked.contains("worker tick 2 stderr"), "{ticked}");

    let all = text_of(
        &viewer,
        &s,
        &format!("/api/v1/projects/{p}/services/worker/logs?tail=5000"),
    )
    .await;
    assert!(
        all.contains("[worker.1] demo-worker started (stdout)\n"),
        "{all}"
    );
    assert!(all.contains("[worker.1] demo-worker started (stderr)\n"));
    let err = text_of(
        &viewer,
        &s,
        &format!("/api/v1/projects/{p}/services/worker/logs?tail=5000&stream=stderr"),
    )
    .await;
    assert!(err.contains("demo-worker started (stderr)"));
    assert!(
        !err.contains("(stdout)") && !err.contains(" stdout"),
        "{err}"
    );

    // One container by name: no prefix; the same lines marked per stream as JSON.
    let name = format!("{p}_worker_1");
    let name = if text_of(
        &viewer,
        &s,
        &format!("/api/v1/containers/{name}/logs?tail=1"),
    )
    .await
    .is_empty()
    {
        format!("{p}-worker-1")
    } else {
        name
    };
    let mut events = Events::open(
        &viewer,
        s.url(&format!(
            "/api/v1/containers/{name}/logs?tail=5000&follow=true"
        )),
    )
    .await;
    let mut lines: Vec<LogLine> = Vec::new();
    while lines.len() < 4 {
        let frame: LogFrame = events.next(Duration::from_secs(10)).await.unwrap();
        lines.extend(lines_of(&frame).into_iter().cloned());
    }
    // Both lines, each on its own stream (their order is the engine's: two pipes).
    let mut started: Vec<(&str, LogStream)> = lines
        .iter()
        .filter(|l| l.text.starts_with("demo-worker started"))
        .map(|l| (l.text.as_str(), l.stream))
        .collect();
    started.sort_by_key(|(text, _)| *text);
    assert_eq!(
        started,
        [
            ("demo-worker started (stderr)", LogStream::Stderr),
            ("demo-worker started (stdout)", LogStream::Stdout)
        ]
    );
    assert_eq!(lines[0].source, name);
    drop(events);

    // The whole project, merged: every service shows up, and times never go backwards.
    let merged = text_of(
        &viewer,
        &s,
        &format!("/api/v1/projects/{p}/logs?tail=5000&timestamps=true"),
    )
    .await;
    let mut sources = std::collections::BTreeSet::new();
    let mut previous = 0i128;
    for line in merged.lines() {
        let (source, rest) = line.split_once("] ").unwrap();
        sources.insert(source.trim_start_matches('[').to_owned());
        let ts = rest.split(' ').next().unwrap();
        let t = time::OffsetDateTime::parse(ts, &time::format_description::well_known::Rfc3339)
            .unwrap()
            .unix_timestamp_nanos();
        assert!(t >= previous, "out of order at {line}");
        previous = t;
    }
    assert!(
        sources.contains("worker.1") && sources.contains("db.1"),
        "{sources:?}"
    );

    // Filters hide what does not match; a bad regex or parameter says which and why.
    let ticks = text_of(
        &viewer,
        &s,
        &format!("/api/v1/projects/{p}/logs?tail=5000&grep=TICK%20%5Cd%2B%20STDERR&regex=false"),
    )
    .await;
    assert!(
        ticks.is_empty(),
        "a literal search for a pattern found: {ticks}"
    );
    let ticks = text_of(
        &viewer,
        &s,
        &format!("/api/v1/projects/{p}/logs?tail=5000&grep=tick%20%5Cd%2B%20stderr&regex=true"),
    )
    .await;
    assert!(!ticks.is_empty());
    assert!(
        ticks
            .lines()
            .all(|l| l.contains("worker tick") && l.ends_with("stderr")),
        "{ticks}"
    );
    for (query, field) in [
        ("grep=(oops&regex=true", "grep"),
        ("tail=lots", "tail"),
        ("since=someday", "since"),
        ("stream=stdin", "stream"),
    ] {
        let r = viewer
            .get(s.url(&format!("/api/v1/projects/{p}/logs?{query}")))
            .send()
            .await
            .unwrap();
        let e = refused(r, StatusCode::BAD_REQUEST).await;
        assert_eq!(e.field.as_deref(), Some(field), "{query}");
    }

    // A closed range: its lines, then a marker that it is complete; the stream stays open
    // (a browser would otherwise reconnect and read it again).
    let mut range = Events::open(
        &viewer,
        s.url(&format!(
            "/api/v1/projects/{p}/services/worker/logs?tail=5000&since=1h&until=0s&follow=true"
        )),
    )
    .await;
    let end = range
        .until(Duration::from_secs(10), |f: &LogFrame| {
            markers_of(f).any(|m| m.kind == MarkerKind::End)
        })
        .await;
    let Some(LogItem::Marker(last)) = end.items.last() else {
        panic!("the frame does not end with a marker: {end:#?}")
    };
    assert!(last.message.contains("End of the chosen time range"));
    assert!(
        range
            .next::<LogFrame>(Duration::from_secs(2))
            .await
            .is_none(),
        "nothing after the end"
    );
    drop(range);

    // Viewers read; downloading is for operators, and audited.
    let r = viewer
        .get(s.url(&format!("/api/v1/projects/{p}/logs/download")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let operator = s.user(&admin, "oscar", "operator").await;
    let r = operator
        .get(s.url(&format!(
            "/api/v1/projects/{p}/services/worker/logs/download?tail=all&grep=started"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let disposition = r.headers()[reqwest::header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"") && disposition.ends_with(".log\""),
        "{disposition}"
    );
    let body = r.text().await.unwrap();
    assert_eq!(body.lines().count(), 2, "{body}");
    let records = audit(&s, &admin, "action=logs.download").await;
    assert!(
        records
            .iter()
            .any(|r| r.actor == "oscar" && r.target == format!("{p}/worker"))
    );
}

/// Prints whatever is put into /tmp/say, so a test decides when a line is written. The
/// engine starts it again when the engine itself restarts.
pub const SAYER: &str = r#"
services:
  sayer:
    image: busybox:latest
    init: true
    restart: always
    command: ["sh", "-c", "echo sayer up; while true; do if [ -f /tmp/say ]; then cat /tmp/say; rm /tmp/say; fi; sleep 0.1; done"]
"#;

pub async fn say(container: &str, text: &str) {
    let out = tokio::process::Command::new("docker")
        .args([
            "exec",
            container,
            "sh",
            "-c",
            &format!("echo '{text}' > /tmp/say"),
        ])
        .output()
        .await
        .unwrap();
    assert!(out.status.success());
}

#[tokio::test]
async fn follow_delivers_new_lines_and_survives_a_restart() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let project = Project::up(&unique("itfollow"), SAYER).await;
    wait_listed(&admin, &s, &project.name).await;
    let p = &project.name;
    let svc: ServiceDto =
        json_get(&admin, &s, &format!("/api/v1/projects/{p}/services/sayer")).await;
    let id = svc.containers[0].id.clone();

    let mut events = Events::open(
        &admin,
        s.url(&format!(
            "/api/v1/projects/{p}/services/sayer/logs?follow=true"
        )),
    )
    .await;
    events
        .until(Duration::from_secs(10), |f: &LogFrame| {
            lines_of(f).iter().any(|l| l.text == "sayer up")
        })
        .await;
    // A second follower of the same container shares its live engine stream.
    let container_logs = s.url(&format!("/api/v1/containers/{id}/logs?follow=true"));
    let mut second = Events::open(&admin, container_logs.clone()).await;

    // A line written after the request arrives within a second.
    let written = std::time::Instant::now();
    say(&id, "hello <script>alert(1)</script>").await;
    let frame = events
        .until(Duration::from_secs(5), |f: &LogFrame| {
            lines_of(f)
                .iter()
                .any(|l| l.text == "hello <script>alert(1)</script>")
        })
        .await;
    assert!(
        written.elapsed() < Duration::from_secs(2),
        "took {:?}",
        written.elapsed()
    );
    assert_eq!(lines_of(&frame).last().unwrap().source, "sayer.1");
    second
        .until(Duration::from_secs(5), |f: &LogFrame| {
            lines_of(f)
                .iter()
                .any(|l| l.text == "hello <script>alert(1)</script>")
        })
        .await;
    // One who joins later reads it in the history, then follows live with the others.
    let mut late = Events::open(&admin, container_logs).await;
    late.until(Duration::from_secs(10), |f: &LogFrame| {
        lines_of(f)
            .iter()
            .any(|l| l.text == "hello <script>alert(1)</script>")
    })
    .await;

    // Restarted through bosun: the stream says so, and goes on with the new run's lines.
    let r = admin
        .post(s.url(&format!("/api/v1/containers/{id}/restart")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    events
        .until(Duration::from_secs(15), |f: &LogFrame| {
            markers_of(f).any(|m| m.kind == MarkerKind::Restarted && m.source == "sayer.1")
        })
        .await;
    say(&id, "after the restart").await;
    for follower in [&mut events, &mut second, &mut late] {
        follower
            .until(Duration::from_secs(15), |f: &LogFrame| {
                lines_of(f).iter().any(|l| l.text == "after the restart")
            })
            .await;
    }
}
