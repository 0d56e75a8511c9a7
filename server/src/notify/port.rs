//! The webhooks port: checked input, every change audited.

use async_trait::async_trait;
use bosun_frontend::authz::Admin;
use bosun_frontend::error::AppError;
use bosun_frontend::model::{NewWebhook, TestReport, WebhookDto, WebhooksView};
use bosun_frontend::ports::WebhooksPort;

use super::{Notifier, check_url};
use crate::error::OrInternal;

impl Notifier {
    async fn row(&self, id: i64) -> Result<crate::store::webhooks::WebhookRow, AppError> {
        self.store()
            .webhook(id)
            .await
            .or_internal("reading the webhooks")?
            .ok_or_else(|| AppError::not_found(format!("There is no webhook #{id}.")))
    }
}

#[async_trait]
impl WebhooksPort for Notifier {
    async fn view(&self, _actor: &Admin) -> Result<WebhooksView, AppError> {
        let store = self.store();
        Ok(WebhooksView {
            webhooks: store
                .webhooks()
                .await
                .or_internal("reading the webhooks")?
                .iter()
                .map(|w| w.dto())
                .collect(),
            deliveries: store
                .recent_deliveries(50)
                .await
                .or_internal("reading the deliveries")?
                .iter()
                .map(|d| d.dto())
                .collect(),
        })
    }

    async fn create(&self, actor: &Admin, w: NewWebhook) -> Result<WebhookDto, AppError> {
        let name = w.name.trim().to_owned();
        let result = async {
            if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
                return Err(AppError::bad_request(
                    "name",
                    "Give the webhook a name of 1 to 64 characters.",
                ));
            }
            check_url(&w.url).map_err(|m| AppError::bad_request("url", m))?;
            if w.events.is_empty() {
                return Err(AppError::bad_request(
                    "events",
                    "Tick at least one event to send.",
                ));
            }
            let mut events = w.events.clone();
            events.sort();
            events.dedup();
            if events.contains(&bosun_frontend::model::NotifyEvent::Test) {
                return Err(AppError::bad_request(
                    "events",
                    "“test” is sent with the Send test button, not subscribed to.",
                ));
            }
            match self
                .store()
                .insert_webhook(&name, w.url.trim(), w.format, &events, actor.username())
                .await
            {
                Ok(row) => Ok(row.dto()),
                Err(e) if e.is_unique_violation() => Err(AppError::conflict(format!(
                    "There is a webhook called “{name}” already: choose another name."
                ))),
                Err(e) => Err(crate::error::internal("saving a webhook", e)),
            }
        }
        .await;
        self.audit()
            .outcome(
                actor.into(),
                "webhook.create",
                &format!("webhook:{name}"),
                &result,
            )
            .await;
        result
    }

    async fn delete(&self, actor: &Admin, id: i64) -> Result<(), AppError> {
        let mut target = format!("webhook #{id}");
        let result = async {
            let row = self.row(id).await?;
            target = format!("webhook:{}", row.name);
            self.store()
                .delete_webhook(id)
                .await
                .or_internal("deleting a webhook")
                .map(|_| ())
        }
        .await;
        self.audit()
            .outcome(actor.into(), "webhook.delete", &target, &result)
            .await;
        result
    }

    async fn test(&self, actor: &Admin, id: i64) -> Result<TestReport, AppError> {
        let row = self.row(id).await?;
        let report = self.send_test(&row).await;
        let outcome: Result<(), AppError> = match &report.error {
            None => Ok(()),
            Some(e) => Err(AppError::upstream_failed(e.clone())),
        };
        self.audit()
            .outcome(
                actor.into(),
                "webhook.test",
                &format!("webhook:{}", row.name),
                &outcome,
            )
            .await;
        Ok(report)
    }
}
