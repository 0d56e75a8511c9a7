//! Notifications against real parts: an HTTP receiver of the test's own gets webhooks for a
//! container that dies, one that turns unhealthy, a failed backup of a real PostgreSQL,
//! certificates, and repeated failed sign-ins; failed deliveries are retried.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxStatus};
use bosun_frontend::model::{
    BackupStatus, DeliveryDto, DeliveryStatus, NotifyEvent, TestReport, WebhookDto, WebhooksView,
};
use bosun_server::clock::ManualClock;
use reqwest::StatusCode;
use serde_json::json;

use crate::api::{audit, expect_json, json_get, json_of, json_text, post_json, refused};
use crate::dbs::{postgres, start_backup, wait_backup, wait_database};
use crate::harness::{ADMIN_PASSWORD, TestServer};
use crate::mirrors::{DiscordBody, Notice, Severity, SlackBody};
use crate::stacks::{Project, unique};

#[derive(Clone, Default)]
pub(crate) struct Inbox {
    got: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    /// Answer 500 to this many requests first.
    fail_first: Arc<Mutex<u32>>,
}

impl Inbox {
    pub(crate) fn bodies(&self) -> Vec<String> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .map(|(_, b)| b.clone())
            .collect()
    }

    /// Waits for a generic notification of `event` whose text contains `needle`.
    pub(crate) async fn wait_for(&self, event: NotifyEvent, needle: &str, secs: u64) -> Notice {
        for _ in 0..secs * 10 {
            for b in self.bodies() {
                if let Ok(n) = serde_json::from_str::<Notice>(&b)
                    && n.event == event
                    && b.contains(needle)
                {
                    return Notice { raw: b, ..n };
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "no {event} notification mentioning {needle} within {secs} s; got {:#?}",
            self.bodies()
        );
    }
}

/// The delivery of the sign-in alarm once it has made `attempts` attempts.
async fn login_alarm_after(admin: &reqwest::Client, s: &TestServer, attempts: u32) -> DeliveryDto {
    let mut seen = None;
    for _ in 0..250 {
        let v: WebhooksView = json_get(admin, s, "/api/v1/webhooks").await;
        seen = v
            .deliveries
            .into_iter()
            .find(|d| d.event == NotifyEvent::LoginFailures);
        if seen.as_ref().is_some_and(|d| d.attempts >= attempts) {
            return seen.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no attempt {attempts} of the sign-in alarm: {seen:#?}");
}

async fn receive(State(inbox): State<Inbox>, headers: HeaderMap, body: String) -> AxStatus {
    inbox.got.lock().unwrap().push((headers, body));
    let mut fail = inbox.fail_first.lock().unwrap();
    if *fail > 0 {
        *fail -= 1;
        return AxStatus::INTERNAL_SERVER_ERROR;
    }
    AxStatus::NO_CONTENT
}

/// A webhook receiver on a loopback port the system picks: its URL and what it got.
pub(crate) async fn receiver() -> (String, Inbox) {
    let inbox = Inbox::default();
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(inbox.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, inbox)
}

pub(crate) async fn add(
    admin: &reqwest::Client,
    s: &TestServer,
    name: &str,
    url: &str,
    format: &str,
    events: &[&str],
) -> WebhookDto {
    let r = post_json(
        admin,
        s,
        "/api/v1/webhooks",
        json!({"name": name, "url": url, "format": format, "events": events}),
    )
    .await;
    expect_json(r, StatusCode::CREATED).await
}

/// "Send test" on the webhook `w`: one attempt, answered with how it went.
async fn send_test(admin: &reqwest::Client, s: &TestServer, w: &WebhookDto) -> TestReport {
    let path = format!("/api/v1/webhooks/{}/test", w.id);
    json_of(post_json(admin, s, &path, json!({})).await).await
}

#[tokio::test]
async fn slack_discord_and_ntfy_targets_get_the_request_their_service_expects() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    for format in ["slack", "discord", "ntfy"] {
        let (url, inbox) = receiver().await;
        let w = add(&admin, &s, format, &url, format, &["backup.failed"]).await;
        assert!(send_test(&admin, &s, &w).await.delivered, "{format}");
        let (headers, body) = inbox.got.lock().unwrap()[0].clone();
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        match format {
            "slack" | "discord" => {
                assert_eq!(header("content-type"), "application/json", "{format}");
                // The text, and the switches that keep outside text from pinging or
                // unfurling; the mirrors refuse any other field.
                fn only<T: serde::de::DeserializeOwned>(format: &str, body: &str) -> T {
                    serde_json::from_str(body)
                        .unwrap_or_else(|e| panic!("{format}: not its fields only: {e}\n{body}"))
                }
                let (text, bold) = if format == "slack" {
                    let b = only::<SlackBody>(format, &body);
                    assert!(!b.unfurl_links && !b.unfurl_media, "{body}");
                    (b.text, "*[bosun] ")
                } else {
                    let b = only::<DiscordBody>(format, &body);
                    assert!(b.allowed_mentions.parse.is_empty(), "{body}");
                    assert_eq!(b.flags, 4, "embeds suppressed: {body}");
                    (b.content, "**[bosun] ")
                };
                assert!(text.starts_with(bold), "{format}: {text}");
            }
            _ => {
                assert!(header("content-type").starts_with("text/plain"), "ntfy");
                assert!(header("title").starts_with("bosun: "), "{headers:?}");
                assert!(!header("priority").is_empty(), "{headers:?}");
                assert!(!body.trim().is_empty() && !body.starts_with('{'), "{body}");
            }
        }
    }
}

#[tokio::test]
async fn targets_are_checked_tested_and_failed_deliveries_retried() {
    // Retries wait on bosun's clock, moved by hand below.
    let clock = ManualClock::from_now();
    let s = TestServer::start_clocked(
        tempfile::tempdir().unwrap(),
        &["--admin-password", ADMIN_PASSWORD],
        clock.clone(),
    )
    .await;
    let admin = s.admin().await;
    let (url, inbox) = receiver().await;
    // Bad input is a 400 naming the field; nothing is stored.
    for (body, field) in [
        (
            json!({"name": "x", "url": "ftp://h/x", "format": "generic", "events": ["login.failures"]}),
            "url",
        ),
        (
            json!({"name": "x", "url": url, "format": "generic", "events": []}),
            "events",
        ),
        (
            json!({"name": "", "url": url, "format": "generic", "events": ["login.failures"]}),
            "name",
        ),
        (
            json!({"name": "x", "url": url, "format": "teams", "events": ["login.failures"]}),
            "body",
        ),
        (
            json!({"name": "x", "url": url, "format": "generic", "events": ["test"]}),
            "events",
        ),
    ] {
        let r = post_json(&admin, &s, "/api/v1/webhooks", body).await;
        let e = refused(r, StatusCode::BAD_REQUEST).await;
        assert_eq!(e.field.as_deref(), Some(field));
    }
    let secret_url = format!("{url}?token=s3cr3t-part");
    let r = post_json(
        &admin,
        &s,
        "/api/v1/webhooks",
        json!({"name": "ops", "url": secret_url, "format": "generic", "events": ["login.failures"]}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    // The answer as sent: the secret may be in no field at all.
    let (w, raw): (WebhookDto, String) = json_text(r).await;
    assert!(
        !raw.contains("s3cr3t"),
        "the URL's secret part is not shown: {raw}"
    );
    let r = post_json(
        &admin,
        &s,
        "/api/v1/webhooks",
        json!({"name": "ops", "url": url, "format": "slack", "events": ["login.failures"]}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);

    // "Send test" is one attempt, answered at once.
    let t = send_test(&admin, &s, &w).await;
    assert!(t.delivered, "{t:?}");
    assert_eq!(t.status, Some(204));
    let (_closed, port) = crate::harness::refusing_port();
    let dead = add(
        &admin,
        &s,
        "dead",
        &format!("http://127.0.0.1:{port}/hook"),
        "slack",
        &["backup.failed"],
    )
    .await;
    let t = send_test(&admin, &s, &dead).await;
    assert!(!t.delivered);
    assert!(
        t.error.as_deref().unwrap().contains("could not connect"),
        "{t:?}"
    );

    // Five wrong passwords from five addresses put the name under attack: that is news. The
    // receiver fails twice first; the third attempt (after 2 s and 10 s of bosun's clock)
    // gets through.
    *inbox.fail_first.lock().unwrap() = 2;
    for i in 0..5u8 {
        let guesser = s
            .client_builder()
            .local_address(std::net::IpAddr::from([127, 0, 0, 11 + i]))
            .build()
            .unwrap();
        let r = guesser
            .post(s.url("/api/v1/session"))
            .json(&json!({"username": "admin", "password": "guess-guess-guess"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let first = login_alarm_after(&admin, &s, 1).await;
    assert_eq!(first.status, DeliveryStatus::Pending, "{first:?}");
    clock.advance(Duration::from_secs(2));
    let second = login_alarm_after(&admin, &s, 2).await;
    assert_eq!(second.status, DeliveryStatus::Pending, "{second:?}");
    clock.advance(Duration::from_secs(10));
    let n = inbox
        .wait_for(NotifyEvent::LoginFailures, "admin", 25)
        .await;
    assert_eq!(n.severity, Severity::Warning);
    assert_eq!(n.details.username.as_deref(), Some("admin"));
    assert!(!n.raw.contains("guess-guess"), "never the password");
    let mut delivered: Option<DeliveryDto> = None;
    for _ in 0..125 {
        let v: WebhooksView = json_get(&admin, &s, "/api/v1/webhooks").await;
        delivered = v.deliveries.into_iter().find(|d| {
            d.event == NotifyEvent::LoginFailures && d.status == DeliveryStatus::Delivered
        });
        if delivered.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let d = delivered.expect("the delivery is recorded");
    assert_eq!(d.attempts, 3);
    assert_eq!(
        d.last_error.as_deref(),
        Some("the target answered HTTP 500 Internal Server Error")
    );
    let actions: Vec<String> = audit(&s, &admin, "action=webhook.")
        .await
        .iter()
        .map(|e| format!("{}:{}", e.action, e.outcome.as_str()))
        .collect();
    for wanted in [
        "webhook.create:ok",
        "webhook.create:failed",
        "webhook.test:ok",
        "webhook.test:failed",
    ] {
        assert!(
            actions.contains(&wanted.to_owned()),
            "{wanted} in {actions:?}"
        );
    }
    let r = admin
        .delete(s.url(&format!("/api/v1/webhooks/{}", dead.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = admin
        .delete(s.url(&format!("/api/v1/webhooks/{}", dead.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn dying_oom_killed_and_unhealthy_containers_are_reported_but_a_stop_is_not() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let (url, inbox) = receiver().await;
    add(
        &admin,
        &s,
        "ops",
        &url,
        "generic",
        &["container.died", "container.unhealthy"],
    )
    .await;
    let name = unique("itnotify");
    let project = Project::up(
        &name,
        "services:\n  crash:\n    image: busybox:latest\n    command: [\"sh\", \"-c\", \"sleep 2; exit 3\"]\n  sick:\n    image: busybox:latest\n    command: [\"sleep\", \"300\"]\n    healthcheck:\n      test: [\"CMD\", \"false\"]\n      interval: 1s\n      retries: 1\n  calm:\n    image: busybox:latest\n    command: [\"sleep\", \"300\"]\n  \
         hog:\n    image: busybox:latest\n    command: [\"sh\", \"-c\", \"sleep 2; a=x; while true; do a=$$a$$a; done\"]\n    mem_limit: 16m\n    memswap_limit: 16m\n",
    )
    .await;
    let died = inbox
        .wait_for(NotifyEvent::ContainerDied, &format!("{name}/crash"), 30)
        .await;
    assert_eq!(died.details.exit_code, Some(3));
    assert!(died.title.contains("exit code 3"));
    inbox
        .wait_for(NotifyEvent::ContainerUnhealthy, &format!("{name}/sick"), 30)
        .await;
    // The kernel's OOM killer, under a real memory limit, is told apart from a plain death.
    let oom = inbox
        .wait_for(NotifyEvent::ContainerDied, "ran out of memory", 30)
        .await;
    assert_eq!(oom.details.service.as_deref(), Some("hog"), "{oom:?}");
    // A stop on purpose is not news.
    project.compose(&["stop", "-t", "1", "calm"]).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        !inbox
            .bodies()
            .iter()
            .any(|b| b.contains(&format!("{name}/calm"))),
        "a stopped container was reported: {:#?}",
        inbox.bodies()
    );
}

#[tokio::test]
async fn failed_backups_and_certificates_are_reported() {
    let (url, inbox) = receiver().await;
    // A certificate file with 3 days left, and an ACME CA that does not answer.
    let dir = tempfile::tempdir().unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let mut p = rcgen::CertificateParams::new(vec!["soon.lan".to_owned()]).unwrap();
    let now = time::OffsetDateTime::now_utc();
    p.not_before = now - time::Duration::days(60);
    p.not_after = now + time::Duration::days(3);
    std::fs::write(
        dir.path().join("soon.crt"),
        p.self_signed(&key).unwrap().pem(),
    )
    .unwrap();
    std::fs::write(dir.path().join("soon.key"), key.serialize_pem()).unwrap();
    let (_closed, dead) = crate::harness::refusing_port();
    let acme = format!("https://127.0.0.1:{dead}/dir");
    let dirs = dir.path().display().to_string();
    let data = tempfile::tempdir().unwrap();
    // The target exists before bosun starts, so its first look at the certificates counts.
    {
        let store = bosun_server::store::Store::open(data.path()).await.unwrap();
        store
            .insert_webhook(
                "ops",
                &url,
                bosun_frontend::model::WebhookFormat::Generic,
                &[
                    bosun_frontend::model::NotifyEvent::BackupFailed,
                    bosun_frontend::model::NotifyEvent::CertExpiring,
                    bosun_frontend::model::NotifyEvent::CertRenewFailed,
                ],
                "test",
            )
            .await
            .unwrap();
    }
    let s = TestServer::start_in(
        data,
        &[
            "--cert-dirs",
            &dirs,
            "--acme-directory",
            &acme,
            "--acme-dns-hook",
            "/bin/true",
            "--admin-password",
            ADMIN_PASSWORD,
        ],
    )
    .await;
    let admin = s.admin().await;
    let n = inbox
        .wait_for(NotifyEvent::CertExpiring, "soon.crt", 20)
        .await;
    assert_eq!(n.severity, Severity::Critical);
    assert!(n.message.contains("does not renew it by itself"));

    let r = post_json(
        &admin,
        &s,
        "/api/v1/certificates/bosun/renew",
        json!({"source": "acme", "names": ["x.test"]}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
    let n = inbox
        .wait_for(NotifyEvent::CertRenewFailed, "bosun's own HTTPS", 10)
        .await;
    assert!(n.message.contains("current certificate stays"));

    let db = postgres(
        "ntfybk",
        "      BACKUP_PW: not-the-password",
        "      bosun.backup.password-env: BACKUP_PW",
    )
    .await;
    wait_database(&admin, &s, &db.name).await;
    let id = start_backup(&admin, &s, json!({"project": db.name, "service": "db"})).await;
    assert_eq!(
        wait_backup(&admin, &s, id).await.status,
        BackupStatus::Failed
    );
    let n = inbox
        .wait_for(NotifyEvent::BackupFailed, &db.name, 20)
        .await;
    assert!(n.message.contains("password authentication failed"));
    assert!(!n.raw.contains("not-the-password"), "never the secret");
}
