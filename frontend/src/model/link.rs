//! Links to the stack's own monitors (Flower, Grafana, RabbitMQ management, …).

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LinkDto {
    pub project: Option<String>,
    pub service: Option<String>,
    pub title: String,
    /// With `{host}` already replaced by the host the browser used.
    pub url: String,
    pub source: LinkSource,
    /// The last reachability check, if one was made.
    pub check: Option<LinkCheck>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum LinkSource {
    /// From the `bosun.link.url` / `bosun.link.title` labels.
    Label,
    /// A well-known monitor recognised by its image and port.
    Detected,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LinkCheck {
    pub up: bool,
    /// The HTTP status it answered with.
    pub status: Option<u16>,
    /// Why it is down.
    pub error: Option<String>,
    pub checked_at: String,
    pub took_ms: u64,
}
