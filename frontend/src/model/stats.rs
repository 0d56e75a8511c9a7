//! Resource use per container, streamed while someone watches.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::names::{ContainerRef, ProjectName, ServiceName};
use crate::error::{AppError, parse_field};

/// One frame of the stats stream. The first frame of a stream carries the whole recent
/// history (`reset`); later ones only the samples taken since.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StatsFrame {
    pub reset: bool,
    /// Seconds between samples.
    pub interval_secs: u32,
    pub containers: BTreeMap<String, ContainerStats>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ContainerStats {
    /// Oldest first; 100 = one full core.
    pub cpu_percent: Vec<f32>,
    /// Bytes in use, oldest first.
    pub memory: Vec<u64>,
    pub memory_limit: u64,
    /// Bytes received and sent since the container started.
    pub net_rx: u64,
    pub net_tx: u64,
}

/// What the collector is doing (for `GET /api/v1/stats`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StatsStatus {
    /// Open stats streams (pages watching).
    pub watchers: u32,
    /// Containers whose stats are being collected now.
    pub collecting: Vec<String>,
    /// The always-on history (`BOSUN_STATS_HISTORY`) and what it costs.
    #[serde(default)]
    pub history: HistoryStatus,
}

/// The always-on history's settings and cost.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HistoryStatus {
    /// False when `BOSUN_STATS_HISTORY=off`.
    pub enabled: bool,
    /// Seconds between two samples of a container (0 when off).
    pub interval_secs: u32,
    /// Seconds samples are kept (0 when off).
    pub retention_secs: u32,
    /// Containers with a history held: running ones, and stopped ones not yet removed.
    pub containers: u32,
    /// Samples held, every container's together.
    pub samples: u64,
    /// Engine stats calls made since bosun started.
    pub engine_calls: u64,
}

/// The always-on CPU and memory history of a service's containers, or of one container
/// (`GET /api/v1/stats/history`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StatsHistory {
    /// False when `BOSUN_STATS_HISTORY=off`: the containers are listed without samples.
    pub enabled: bool,
    /// Seconds between two samples (0 when off).
    pub interval_secs: u32,
    /// Seconds samples are kept (0 when off).
    pub retention_secs: u32,
    /// Sorted by name.
    pub containers: Vec<ContainerHistory>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ContainerHistory {
    pub id: String,
    pub name: String,
    /// Within the range asked for, oldest first.
    pub samples: Vec<HistorySample>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HistorySample {
    /// When it was taken, Unix seconds.
    pub at: i64,
    /// 100 = one full core; none for a container's first sample (or its first after a
    /// restart or a gap), which has nothing to compare with.
    pub cpu_percent: Option<f32>,
    /// Bytes in use, page cache left out.
    pub memory: u64,
}

/// How far back a history is read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HistoryRange {
    #[default]
    Hour,
    SixHours,
    Day,
}

impl HistoryRange {
    pub const ALLOWED: &'static str = "1h, 6h or 24h";

    pub fn secs(self) -> i64 {
        match self {
            HistoryRange::Hour => 3600,
            HistoryRange::SixHours => 6 * 3600,
            HistoryRange::Day => 24 * 3600,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            HistoryRange::Hour => "1h",
            HistoryRange::SixHours => "6h",
            HistoryRange::Day => "24h",
        }
    }
}

impl std::str::FromStr for HistoryRange {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "1h" => Ok(HistoryRange::Hour),
            "6h" => Ok(HistoryRange::SixHours),
            "24h" => Ok(HistoryRange::Day),
            other => Err(format!(
                "range must be {}, not “{}”.",
                Self::ALLOWED,
                super::names::shown(other)
            )),
        }
    }
}

/// Whose history: one compose service's containers, or one container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HistorySelector {
    Service {
        project: ProjectName,
        service: ServiceName,
    },
    Container(ContainerRef),
}

/// A validated history request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryQuery {
    pub selector: HistorySelector,
    pub range: HistoryRange,
}

/// The query string of `GET /api/v1/stats/history` as sent, parsed by [`RawHistoryQuery::parse`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
pub struct RawHistoryQuery {
    /// Compose project (with `service`).
    pub project: Option<String>,
    /// Compose service (with `project`).
    pub service: Option<String>,
    /// A container id, unique id prefix or name (instead of `project` and `service`).
    pub container: Option<String>,
    /// `1h` (default), `6h` or `24h`.
    pub range: Option<String>,
}

/// A parameter with something in it, trimmed.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl RawHistoryQuery {
    /// Checks every parameter; the error names the one at fault.
    pub fn parse(&self) -> Result<HistoryQuery, AppError> {
        let range = match given(&self.range) {
            None => HistoryRange::default(),
            Some(r) => parse_field("range", r)?,
        };
        let selector = match (
            given(&self.container),
            given(&self.project),
            given(&self.service),
        ) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                return Err(AppError::bad_request(
                    "container",
                    "Give either container, or project and service, not both.",
                ));
            }
            (Some(c), None, None) => HistorySelector::Container(parse_field("container", c)?),
            (None, Some(p), Some(s)) => HistorySelector::Service {
                project: parse_field("project", p)?,
                service: parse_field("service", s)?,
            },
            (None, p, _) => {
                return Err(AppError::bad_request(
                    if p.is_none() { "project" } else { "service" },
                    "Say whose history: project and service (?project=shop&service=db), or container (?container=ID).",
                ));
            }
        };
        Ok(HistoryQuery { selector, range })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawHistoryQuery {
        let mut q = RawHistoryQuery::default();
        for (k, v) in pairs {
            let v = Some((*v).to_owned());
            match *k {
                "project" => q.project = v,
                "service" => q.service = v,
                "container" => q.container = v,
                _ => q.range = v,
            }
        }
        q
    }

    #[test]
    fn a_history_query_names_a_service_or_a_container_and_a_known_range() {
        let q = raw(&[("project", "shop"), ("service", "db"), ("range", "6h")])
            .parse()
            .unwrap();
        assert_eq!(q.range, HistoryRange::SixHours);
        assert!(matches!(q.selector, HistorySelector::Service { .. }));
        let q = raw(&[("container", "abc123")]).parse().unwrap();
        assert_eq!(q.range, HistoryRange::Hour);
        assert!(matches!(q.selector, HistorySelector::Container(_)));

        let e = raw(&[("container", "abc"), ("range", "7d")])
            .parse()
            .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("range"));
        assert!(e.message.contains("1h, 6h or 24h") && e.message.contains("7d"));
        let e = raw(&[("project", "shop")]).parse().unwrap_err();
        assert_eq!(e.field.as_deref(), Some("service"));
        let e = raw(&[]).parse().unwrap_err();
        assert_eq!(e.field.as_deref(), Some("project"));
        let e = raw(&[("container", "a"), ("project", "b")])
            .parse()
            .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("container"));
        let e = raw(&[("project", "../x"), ("service", "db")])
            .parse()
            .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("project"));
    }
}
