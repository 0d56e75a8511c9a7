//! Notification targets for the Settings page.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{TestReport, WebhookDto, WebhooksView};

#[cfg(feature = "ssr")]
use super::ctx;

#[server(prefix = "/sfn", endpoint = "admin/webhooks")]
pub async fn load_webhooks() -> Result<WebhooksView, AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::AdminRole>()?;
        ctx::ports()?.webhooks.view(&actor).await
    })
    .await
}

/// `events`: event names, comma-separated, as the form's ticks give them.
#[server(prefix = "/sfn", endpoint = "admin/add_webhook")]
pub async fn add_webhook(
    name: String,
    url: String,
    format: String,
    events: String,
) -> Result<WebhookDto, AppError> {
    ctx::run(async move {
        let format = crate::error::parse_field("format", &format)?;
        let events = events
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(|e| crate::error::parse_field("events", e))
            .collect::<Result<Vec<_>, _>>()?;
        let actor = ctx::actor::<crate::authz::AdminRole>()?;
        ctx::ports()?
            .webhooks
            .create(
                &actor,
                crate::model::NewWebhook {
                    name,
                    url,
                    format,
                    events,
                },
            )
            .await
    })
    .await
}

#[server(prefix = "/sfn", endpoint = "admin/delete_webhook")]
pub async fn delete_webhook(id: i64) -> Result<(), AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::AdminRole>()?;
        ctx::ports()?.webhooks.delete(&actor, id).await
    })
    .await
}

#[server(prefix = "/sfn", endpoint = "admin/test_webhook")]
pub async fn test_webhook(id: i64) -> Result<TestReport, AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::AdminRole>()?;
        ctx::ports()?.webhooks.test(&actor, id).await
    })
    .await
}
