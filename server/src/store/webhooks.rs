//! Webhook targets and their deliveries.

use bosun_frontend::model::{DeliveryDto, DeliveryStatus, NotifyEvent, WebhookDto, WebhookFormat};

use super::{Store, StoreError, now_ms, rfc3339};

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct WebhookRow {
    pub id: i64,
    pub name: String,
    pub url: String,
    pub format: String,
    pub events: String,
    pub created_at: i64,
    pub created_by: String,
}

/// `https://hooks.slack.com/services/T0/B0/x` → `https://hooks.slack.com/…`: the path and
/// query often are the secret.
pub fn shown_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => format!(
            "{}://{}{}/…",
            u.scheme(),
            u.host_str().unwrap_or_default(),
            u.port().map(|p| format!(":{p}")).unwrap_or_default()
        ),
        Err(_) => "…".into(),
    }
}

impl WebhookRow {
    pub fn format(&self) -> WebhookFormat {
        self.format.parse().unwrap_or(WebhookFormat::Generic)
    }
    pub fn events(&self) -> Vec<NotifyEvent> {
        serde_json::from_str(&self.events).unwrap_or_default()
    }
    pub fn dto(&self) -> WebhookDto {
        WebhookDto {
            id: self.id,
            name: self.name.clone(),
            url_shown: shown_url(&self.url),
            format: self.format(),
            events: self.events(),
            created_at: rfc3339(self.created_at),
            created_by: self.created_by.clone(),
        }
    }
}

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct DeliveryRow {
    pub id: i64,
    pub webhook_id: i64,
    pub webhook: String,
    pub event: String,
    pub title: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
}

impl DeliveryRow {
    pub fn dto(&self) -> DeliveryDto {
        DeliveryDto {
            id: self.id,
            webhook_id: self.webhook_id,
            webhook: self.webhook.clone(),
            event: serde_json::from_value(serde_json::Value::String(self.event.clone()))
                .unwrap_or(NotifyEvent::Test),
            title: self.title.clone(),
            status: self.status.parse().unwrap_or(DeliveryStatus::Failed),
            attempts: u32::try_from(self.attempts).unwrap_or(0),
            last_error: self.last_error.clone(),
            created_at: rfc3339(self.created_at),
            delivered_at: self.delivered_at.map(rfc3339),
        }
    }
}

const COLUMNS: &str = "id, name, url, format, events, created_at, created_by";

impl Store {
    pub async fn insert_webhook(
        &self,
        name: &str,
        url: &str,
        format: WebhookFormat,
        events: &[NotifyEvent],
        by: &str,
    ) -> Result<WebhookRow, StoreError> {
        Ok(sqlx::query_as(&format!(
            "INSERT INTO webhooks (name, url, format, events, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?) RETURNING {COLUMNS}"
        ))
        .bind(name)
        .bind(url)
        .bind(format.as_str())
        .bind(serde_json::to_string(events).unwrap_or_else(|_| "[]".into()))
        .bind(now_ms())
        .bind(by)
        .fetch_one(self.pool())
        .await?)
    }

    pub async fn webhooks(&self) -> Result<Vec<WebhookRow>, StoreError> {
        Ok(
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM webhooks ORDER BY name"))
                .fetch_all(self.pool())
                .await?,
        )
    }

    pub async fn webhook(&self, id: i64) -> Result<Option<WebhookRow>, StoreError> {
        Ok(
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM webhooks WHERE id = ?"))
                .bind(id)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    pub async fn delete_webhook(&self, id: i64) -> Result<bool, StoreError> {
        Ok(sqlx::query("DELETE FROM webhooks WHERE id = ?")
            .bind(id)
            .execute(self.pool())
            .await?
            .rows_affected()
            == 1)
    }

    pub async fn insert_delivery(
        &self,
        webhook_id: i64,
        event: NotifyEvent,
        title: &str,
    ) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "INSERT INTO webhook_deliveries (webhook_id, event, title, status, created_at) VALUES (?, ?, ?, 'pending', ?) RETURNING id",
        )
        .bind(webhook_id)
        .bind(event.as_str())
        .bind(title)
        .bind(now_ms())
        .fetch_one(self.pool())
        .await?)
    }

    /// Records one attempt: delivered, or failed with `error` (final when `last`).
    pub async fn delivery_attempt(
        &self,
        id: i64,
        error: Option<&str>,
        last: bool,
    ) -> Result<(), StoreError> {
        let status = match (error, last) {
            (None, _) => DeliveryStatus::Delivered,
            (Some(_), true) => DeliveryStatus::Failed,
            (Some(_), false) => DeliveryStatus::Pending,
        };
        sqlx::query(
            "UPDATE webhook_deliveries SET attempts = attempts + 1, status = ?, last_error = COALESCE(?, last_error), \
             delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END WHERE id = ?",
        )
        .bind(status.as_str())
        .bind(error)
        .bind(status.as_str())
        .bind(now_ms())
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn recent_deliveries(&self, limit: i64) -> Result<Vec<DeliveryRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT d.id, d.webhook_id, w.name AS webhook, d.event, d.title, d.status, d.attempts, d.last_error, d.created_at, d.delivered_at \
             FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id ORDER BY d.id DESC LIMIT ?",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }

    /// Deliveries left pending when bosun stopped: they are failed, not silently dropped.
    pub async fn fail_pending_deliveries(&self) -> Result<u64, StoreError> {
        Ok(sqlx::query(
            "UPDATE webhook_deliveries SET status = 'failed', last_error = COALESCE(last_error, '') || ' (bosun stopped before it was sent)' WHERE status = 'pending'",
        )
        .execute(self.pool())
        .await?
        .rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_shown_without_their_secret_parts() {
        assert_eq!(
            shown_url("https://hooks.slack.com/services/T0/B0/SECRET?x=1"),
            "https://hooks.slack.com/…"
        );
        assert_eq!(
            shown_url("http://10.0.0.5:8080/hook"),
            "http://10.0.0.5:8080/…"
        );
    }

    #[tokio::test]
    async fn a_delivery_is_pending_until_it_is_delivered_or_out_of_attempts() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        let w = store
            .insert_webhook(
                "ops",
                "https://x.lan/h",
                WebhookFormat::Generic,
                &[NotifyEvent::BackupFailed],
                "admin",
            )
            .await
            .unwrap();
        assert_eq!(w.events(), vec![NotifyEvent::BackupFailed]);
        let d = store
            .insert_delivery(w.id, NotifyEvent::BackupFailed, "t")
            .await
            .unwrap();
        store
            .delivery_attempt(d, Some("HTTP 500"), false)
            .await
            .unwrap();
        let row = &store.recent_deliveries(10).await.unwrap()[0];
        assert_eq!((row.status.as_str(), row.attempts), ("pending", 1));
        store.delivery_attempt(d, None, false).await.unwrap();
        let row = store.recent_deliveries(10).await.unwrap()[0].dto();
        assert_eq!(row.status, DeliveryStatus::Delivered);
        assert_eq!(row.attempts, 2);
        assert_eq!(row.last_error.as_deref(), Some("HTTP 500"));
        assert!(row.delivered_at.is_some());
        let d2 = store
            .insert_delivery(w.id, NotifyEvent::Test, "t")
            .await
            .unwrap();
        assert_eq!(store.fail_pending_deliveries().await.unwrap(), 1);
        let _ = d2;
    }
}
