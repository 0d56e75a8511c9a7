//! Notifications: webhook targets (generic JSON, Slack, Discord, ntfy) told about failed
//! backups, certificates nearing expiry or failing to renew, containers that die or turn
//! unhealthy, and repeated failed sign-ins. Sent from a queue, retried with back-off, every
//! delivery kept in SQLite.

mod body;
pub mod containers;
mod port;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bosun_frontend::model::{NotifyEvent, TestReport};
use tokio::sync::mpsc;

use crate::store::webhooks::WebhookRow;
use crate::store::{Store, now_ms, rfc3339};

/// Waits between attempts: five attempts in all, over about six minutes.
const RETRY_AFTER: [Duration; 4] = [
    Duration::from_secs(2),
    Duration::from_secs(10),
    Duration::from_secs(60),
    Duration::from_secs(300),
];
const TIMEOUT: Duration = Duration::from_secs(10);
const QUEUE: usize = 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

/// Something to tell the targets subscribed to its event.
#[derive(Clone, Debug)]
pub struct Notification {
    pub event: NotifyEvent,
    pub severity: Severity,
    pub title: String,
    pub message: String,
    pub at: String,
    pub details: serde_json::Value,
}

impl Notification {
    pub fn new(
        event: NotifyEvent,
        severity: Severity,
        title: impl Into<String>,
        message: impl Into<String>,
        details: serde_json::Value,
    ) -> Self {
        Notification {
            event,
            severity,
            title: title.into(),
            message: message.into(),
            at: rfc3339(now_ms()),
            details,
        }
    }
}

#[derive(Clone)]
pub struct Notifier {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    audit: crate::audit::AuditService,
    client: reqwest::Client,
    queue: mpsc::Sender<Notification>,
    /// Retries wait on bosun's clock.
    clock: crate::clock::SharedClock,
}

impl Notifier {
    /// The notifier and the task that sends what is queued (run it for as long as bosun runs).
    /// `roots`: whom to trust for HTTPS targets.
    pub fn start(
        store: Store,
        audit: crate::audit::AuditService,
        roots: Arc<rustls::RootCertStore>,
        clock: crate::clock::SharedClock,
    ) -> Result<(Self, impl std::future::Future<Output = ()> + Send), String> {
        let client = crate::net::Https::trusting(roots)
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .redirects(3)
            .user_agent("bosun")
            .build()?;
        let (queue, rx) = mpsc::channel(QUEUE);
        let notifier = Notifier {
            inner: Arc::new(Inner {
                store,
                audit,
                client,
                queue,
                clock,
            }),
        };
        let task = notifier.clone().dispatch(rx);
        Ok((notifier, task))
    }

    /// Queues a notification; never waits (a full queue drops it, with a warning).
    pub fn send(&self, n: Notification) {
        if let Err(e) = self.inner.queue.try_send(n) {
            tracing::warn!(error = %e, "the notification queue is full; a notification was dropped");
        }
    }

    async fn dispatch(self, mut rx: mpsc::Receiver<Notification>) {
        match self.inner.store.fail_pending_deliveries().await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(
                count = n,
                "notifications left unsent by the last run are marked failed"
            ),
            Err(e) => tracing::error!(error = %e, "could not check for unsent notifications"),
        }
        while let Some(n) = rx.recv().await {
            let targets = match self.inner.store.webhooks().await {
                Ok(t) => t,
                Err(e) => {
                    tracing::error!(error = %e, "could not read the webhook targets");
                    continue;
                }
            };
            for w in targets
                .into_iter()
                .filter(|w| w.events().contains(&n.event))
            {
                let this = self.clone();
                let n = n.clone();
                tokio::spawn(async move { this.deliver(&w, &n).await });
            }
        }
    }

    /// One attempt: Ok(status) for a 2xx answer, else what went wrong.
    async fn attempt(
        &self,
        w: &WebhookRow,
        n: &Notification,
    ) -> Result<u16, (Option<u16>, String)> {
        let r = body::request(w.format(), n);
        let mut req = self
            .inner
            .client
            .post(&w.url)
            .header(reqwest::header::CONTENT_TYPE, r.content_type)
            .body(r.body);
        for (k, v) in r.headers {
            req = req.header(k, v);
        }
        match req.send().await {
            Ok(resp) if resp.status().is_success() => Ok(resp.status().as_u16()),
            Ok(resp) => Err((
                Some(resp.status().as_u16()),
                format!("the target answered HTTP {}", resp.status()),
            )),
            // reqwest's errors can include the URL: say what failed without it.
            Err(e) => Err((None, describe(&e))),
        }
    }

    /// Every attempt of one delivery, recorded as it goes.
    async fn deliver(&self, w: &WebhookRow, n: &Notification) {
        let id = match self
            .inner
            .store
            .insert_delivery(w.id, n.event, &n.title)
            .await
        {
            Ok(id) => id,
            Err(e) => {
                tracing::error!(error = %e, "could not record a delivery");
                return;
            }
        };
        // One attempt first, then one after each wait.
        let waits = RETRY_AFTER.iter().map(Some).chain(std::iter::once(None));
        for (i, wait) in waits.enumerate() {
            // A target deleted while this delivery waited gets nothing more.
            if i > 0 && matches!(self.inner.store.webhook(w.id).await, Ok(None)) {
                tracing::info!(target = %w.name, event = %n.event, "the target was deleted; its retries stop");
                return;
            }
            let result = self.attempt(w, n).await;
            // Read before the attempt is recorded: whoever sees it recorded and moves the
            // clock on moves this retry's wait on too.
            let attempted = self.inner.clock.now_ms();
            let error = result.as_ref().err().map(|(_, e)| e.clone());
            if let Err(e) = self
                .inner
                .store
                .delivery_attempt(id, error.as_deref(), wait.is_none())
                .await
            {
                tracing::error!(error = %e, "could not record a delivery attempt");
            }
            match (error, wait) {
                (None, _) => return,
                (Some(e), None) => {
                    tracing::warn!(target = %w.name, error = %e, event = %n.event, "a notification could not be delivered");
                    return;
                }
                (Some(_), Some(wait)) => {
                    let wait = i64::try_from(wait.as_millis()).unwrap_or(i64::MAX);
                    self.inner
                        .clock
                        .sleep_until(attempted.saturating_add(wait))
                        .await;
                }
            }
        }
    }

    /// "Send test": one attempt now, answered directly.
    pub async fn send_test(&self, w: &WebhookRow) -> TestReport {
        let n = Notification::new(
            NotifyEvent::Test,
            Severity::Info,
            format!("Test from bosun to {}", w.name),
            "If you can read this, bosun can reach this target.",
            serde_json::json!({"webhook": w.name}),
        );
        let started = Instant::now();
        let id = self
            .inner
            .store
            .insert_delivery(w.id, NotifyEvent::Test, &n.title)
            .await
            .ok();
        let result = self.attempt(w, &n).await;
        if let Some(id) = id {
            let _ = self
                .inner
                .store
                .delivery_attempt(id, result.as_ref().err().map(|(_, e)| e.as_str()), true)
                .await;
        }
        let took_ms = started.elapsed().as_millis() as u64;
        match result {
            Ok(status) => TestReport {
                delivered: true,
                status: Some(status),
                error: None,
                took_ms,
            },
            Err((status, error)) => TestReport {
                delivered: false,
                status,
                error: Some(error),
                took_ms,
            },
        }
    }

    pub(crate) fn store(&self) -> &Store {
        &self.inner.store
    }

    pub(crate) fn audit(&self) -> &crate::audit::AuditService {
        &self.inner.audit
    }
}

fn describe(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "no answer within 10 s"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_redirect() {
        "too many redirects"
    } else {
        "the request failed"
    };
    let mut cause = std::error::Error::source(e);
    let mut detail = String::new();
    while let Some(c) = cause {
        detail = c.to_string();
        cause = c.source();
    }
    if detail.is_empty() {
        what.to_owned()
    } else {
        format!("{what} ({detail})")
    }
}

/// A URL a target can be reached at: http(s) with a host. Credentials in it (ntfy's basic
/// auth, say) are allowed; they are never shown or logged (see `store::webhooks`).
pub fn check_url(url: &str) -> Result<(), String> {
    let u = url::Url::parse(url.trim())
        .map_err(|_| "That is not a URL: give the webhook's full https:// address.".to_owned())?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        return Err("Give an http:// or https:// URL with a host.".into());
    }
    if url.len() > 2048 {
        return Err("The URL is too long (at most 2048 characters).".into());
    }
    Ok(())
}
