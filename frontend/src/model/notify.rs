//! Notifications: webhook targets, the events they get, and how deliveries went.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The body a target expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    /// `{"event","severity","title","message","at","details"}`
    Generic,
    /// Slack incoming webhooks (and Mattermost, Rocket.Chat): `{"text"}`
    Slack,
    /// Discord webhooks: `{"content"}`
    Discord,
    /// ntfy topics: the message as the body, `Title`/`Priority`/`Tags` headers
    Ntfy,
}

impl WebhookFormat {
    pub const ALL: [WebhookFormat; 4] = [
        WebhookFormat::Generic,
        WebhookFormat::Slack,
        WebhookFormat::Discord,
        WebhookFormat::Ntfy,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookFormat::Generic => "generic",
            WebhookFormat::Slack => "slack",
            WebhookFormat::Discord => "discord",
            WebhookFormat::Ntfy => "ntfy",
        }
    }
}

impl FromStr for WebhookFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| "Choose the format generic, slack, discord or ntfy.".to_owned())
    }
}

/// What is worth telling someone about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum NotifyEvent {
    #[serde(rename = "backup.failed")]
    BackupFailed,
    /// A backup's restore into a throwaway server failed, or its tables or rows differ.
    #[serde(rename = "backup.verify_failed")]
    BackupVerifyFailed,
    /// A good backup's copy to the off-site store failed (it is tried again).
    #[serde(rename = "backup.offsite_failed")]
    BackupOffsiteFailed,
    /// A certificate is inside the warning window (once a day per certificate).
    #[serde(rename = "certificate.expiring")]
    CertExpiring,
    #[serde(rename = "certificate.renew_failed")]
    CertRenewFailed,
    /// A container exited with an error (not stopped on purpose), or was OOM-killed.
    #[serde(rename = "container.died")]
    ContainerDied,
    #[serde(rename = "container.unhealthy")]
    ContainerUnhealthy,
    /// A user name or client was locked out after repeated failed sign-ins.
    #[serde(rename = "login.failures")]
    LoginFailures,
    /// A runbook task failed or timed out (or bosun stopped while it ran).
    #[serde(rename = "task.failed")]
    TaskFailed,
    /// A service's image has a newer build in its registry (once per new build).
    #[serde(rename = "update.available")]
    UpdateAvailable,
    /// An update was rolled back, failed, or was interrupted by bosun stopping.
    #[serde(rename = "update.failed")]
    UpdateFailed,
    /// The "Send test" button.
    #[serde(rename = "test")]
    Test,
}

impl NotifyEvent {
    /// The events a target can subscribe to (the test goes to the one being tested only).
    pub const ALL: [NotifyEvent; 11] = [
        NotifyEvent::BackupFailed,
        NotifyEvent::BackupVerifyFailed,
        NotifyEvent::BackupOffsiteFailed,
        NotifyEvent::CertExpiring,
        NotifyEvent::CertRenewFailed,
        NotifyEvent::ContainerDied,
        NotifyEvent::ContainerUnhealthy,
        NotifyEvent::LoginFailures,
        NotifyEvent::TaskFailed,
        NotifyEvent::UpdateAvailable,
        NotifyEvent::UpdateFailed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NotifyEvent::BackupFailed => "backup.failed",
            NotifyEvent::BackupVerifyFailed => "backup.verify_failed",
            NotifyEvent::BackupOffsiteFailed => "backup.offsite_failed",
            NotifyEvent::CertExpiring => "certificate.expiring",
            NotifyEvent::CertRenewFailed => "certificate.renew_failed",
            NotifyEvent::ContainerDied => "container.died",
            NotifyEvent::ContainerUnhealthy => "container.unhealthy",
            NotifyEvent::LoginFailures => "login.failures",
            NotifyEvent::TaskFailed => "task.failed",
            NotifyEvent::UpdateAvailable => "update.available",
            NotifyEvent::UpdateFailed => "update.failed",
            NotifyEvent::Test => "test",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            NotifyEvent::BackupFailed => "a backup failed",
            NotifyEvent::BackupVerifyFailed => "a backup did not restore as it should",
            NotifyEvent::BackupOffsiteFailed => "a backup's off-site copy failed",
            NotifyEvent::CertExpiring => "a certificate expires soon",
            NotifyEvent::CertRenewFailed => "a certificate renewal failed",
            NotifyEvent::ContainerDied => "a container died or ran out of memory",
            NotifyEvent::ContainerUnhealthy => "a container turned unhealthy",
            NotifyEvent::LoginFailures => "repeated failed sign-ins",
            NotifyEvent::TaskFailed => "a runbook task failed",
            NotifyEvent::UpdateAvailable => "a service's image has a newer build",
            NotifyEvent::UpdateFailed => "an update was rolled back or failed",
            NotifyEvent::Test => "test",
        }
    }
}

impl fmt::Display for NotifyEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for NotifyEvent {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|e| e.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "“{}” is not an event: use {}.",
                    s.chars()
                        .filter(|c| !c.is_control())
                        .take(40)
                        .collect::<String>(),
                    Self::ALL.map(|e| e.as_str()).join(", ")
                )
            })
    }
}

/// A webhook target as admins see it. The URL often holds a secret (Slack, Discord): only
/// its scheme, host and the end of its path are shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WebhookDto {
    pub id: i64,
    pub name: String,
    pub url_shown: String,
    pub format: WebhookFormat,
    pub events: Vec<NotifyEvent>,
    pub created_at: String,
    pub created_by: String,
}

/// `POST /api/v1/webhooks`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    pub name: String,
    /// `https://…` (or `http://` on the LAN).
    pub url: String,
    pub format: WebhookFormat,
    pub events: Vec<NotifyEvent>,
}

impl fmt::Debug for NewWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewWebhook")
            .field("name", &self.name)
            .field("url", &"<redacted>")
            .field("format", &self.format)
            .field("events", &self.events)
            .finish()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Being sent, or waiting for its next attempt.
    Pending,
    Delivered,
    /// Every attempt failed.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }
}

impl FromStr for DeliveryStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "pending" => Ok(DeliveryStatus::Pending),
            "delivered" => Ok(DeliveryStatus::Delivered),
            "failed" => Ok(DeliveryStatus::Failed),
            _ => Err("unknown delivery status".into()),
        }
    }
}

/// One notification to one target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DeliveryDto {
    pub id: i64,
    pub webhook_id: i64,
    pub webhook: String,
    pub event: NotifyEvent,
    pub title: String,
    pub status: DeliveryStatus,
    pub attempts: u32,
    /// The last failure: the HTTP status or the connection error.
    pub last_error: Option<String>,
    pub created_at: String,
    pub delivered_at: Option<String>,
}

/// The notifications part of the Settings page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WebhooksView {
    pub webhooks: Vec<WebhookDto>,
    /// The last 50 deliveries, newest first.
    pub deliveries: Vec<DeliveryDto>,
}

/// What "Send test" did: one attempt, no retries, answered at once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TestReport {
    pub delivered: bool,
    pub status: Option<u16>,
    pub error: Option<String>,
    pub took_ms: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_and_formats_parse_by_their_names() {
        for e in NotifyEvent::ALL {
            assert_eq!(e.as_str().parse::<NotifyEvent>(), Ok(e));
            assert_eq!(
                serde_json::to_string(&e).unwrap(),
                format!("\"{}\"", e.as_str())
            );
        }
        assert!("test".parse::<NotifyEvent>().is_err(), "not subscribable");
        assert!(
            "container.dead"
                .parse::<NotifyEvent>()
                .unwrap_err()
                .contains("container.died")
        );
        assert_eq!("ntfy".parse::<WebhookFormat>(), Ok(WebhookFormat::Ntfy));
        let w = NewWebhook {
            name: "ops".into(),
            url: "https://hooks.slack.com/services/T0/B0/SECRET".into(),
            format: WebhookFormat::Slack,
            events: vec![],
        };
        assert!(!format!("{w:?}").contains("SECRET"));
    }
}
