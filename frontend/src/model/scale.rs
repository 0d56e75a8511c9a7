//! Scaling a compose service: the request and the plan (shared by the page's preview and the
//! server, so both say the same thing); the report is with the other action reports.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The default upper bound for a service's replicas (`--max-replicas`).
pub const DEFAULT_MAX_REPLICAS: u32 = 20;

/// `POST …/scale` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ScaleRequest {
    /// The number of containers wanted, 0 up to the configured maximum (20 by default).
    pub replicas: u32,
    /// Needed to scale a database service: replicas of one database split or share its data.
    #[serde(default, rename = "override")]
    pub allow_database: bool,
}

/// A database engine, recognised by image, image environment or the `bosun.backup.engine`
/// label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum DbEngine {
    Postgres,
    Mysql,
    Mariadb,
}

impl DbEngine {
    pub fn as_str(self) -> &'static str {
        match self {
            DbEngine::Postgres => "postgres",
            DbEngine::Mysql => "mysql",
            DbEngine::Mariadb => "mariadb",
        }
    }

    /// The product name for messages.
    pub fn title(self) -> &'static str {
        match self {
            DbEngine::Postgres => "PostgreSQL",
            DbEngine::Mysql => "MySQL",
            DbEngine::Mariadb => "MariaDB",
        }
    }
}

impl std::str::FromStr for DbEngine {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s.trim().to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => Ok(DbEngine::Postgres),
            "mysql" => Ok(DbEngine::Mysql),
            "mariadb" => Ok(DbEngine::Mariadb),
            _ => Err(()),
        }
    }
}

/// One existing container of the service, as the plan sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Replica {
    pub number: u32,
    pub running: bool,
}

/// What setting the replica count does, container number by container number.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ScalePlan {
    /// New containers, lowest number first (numbers continue after the highest existing).
    pub create: Vec<u32>,
    /// Containers removed, highest number first.
    pub remove: Vec<u32>,
    /// Kept containers that are not running and will be started.
    pub start: Vec<u32>,
    /// Scaling to 0 stops the lowest-numbered container and keeps it, so the service stays
    /// visible and can be scaled up again from its configuration.
    pub stop: Vec<u32>,
}

impl ScalePlan {
    /// The plan for going from `existing` to `target` running replicas: keep the lowest
    /// numbers, remove the highest first, number new ones after the highest existing.
    pub fn new(existing: &[Replica], target: u32) -> ScalePlan {
        let mut sorted = existing.to_vec();
        sorted.sort_by_key(|r| r.number);
        sorted.dedup_by_key(|r| r.number);
        let keep = (target as usize).max(1).min(sorted.len());
        let (kept, extra) = sorted.split_at(keep);
        let mut plan = ScalePlan {
            remove: extra.iter().rev().map(|r| r.number).collect(),
            ..ScalePlan::default()
        };
        if target == 0 {
            plan.stop = kept
                .iter()
                .filter(|r| r.running)
                .map(|r| r.number)
                .collect();
            return plan;
        }
        plan.start = kept
            .iter()
            .filter(|r| !r.running)
            .map(|r| r.number)
            .collect();
        let highest = sorted.last().map_or(0, |r| r.number);
        let missing = (target as usize).saturating_sub(kept.len()) as u32;
        plan.create = (1..=missing).map(|i| highest + i).collect();
        plan
    }

    pub fn is_empty(&self) -> bool {
        self.create.is_empty()
            && self.remove.is_empty()
            && self.start.is_empty()
            && self.stop.is_empty()
    }

    /// The number of container operations, for progress.
    pub fn steps(&self) -> u32 {
        (self.create.len() + self.remove.len() + self.start.len() + self.stop.len()) as u32
    }
}

fn numbers(f: &mut fmt::Formatter<'_>, verb: &str, list: &[u32]) -> fmt::Result {
    let shown: Vec<String> = list.iter().map(|n| format!("#{n}")).collect();
    write!(f, "{verb} {}: {}", list.len(), shown.join(", "))
}

impl fmt::Display for ScalePlan {
    /// "create 2: #3, #4", "remove 2: #4, #3", parts joined with "; ".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("nothing to do");
        }
        let mut first = true;
        for (verb, list) in [
            ("create", &self.create),
            ("start", &self.start),
            ("remove", &self.remove),
            ("stop", &self.stop),
        ] {
            if list.is_empty() {
                continue;
            }
            if !first {
                f.write_str("; ")?;
            }
            first = false;
            numbers(f, verb, list)?;
        }
        Ok(())
    }
}

/// How far a long action on a service has got, pushed to every viewer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Progress {
    pub done: u32,
    pub total: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn up(numbers: &[u32]) -> Vec<Replica> {
        numbers
            .iter()
            .map(|&number| Replica {
                number,
                running: true,
            })
            .collect()
    }

    #[test]
    fn scaling_up_numbers_after_the_highest_existing() {
        let plan = ScalePlan::new(&up(&[1, 2]), 4);
        assert_eq!(plan.create, vec![3, 4]);
        assert_eq!(plan.to_string(), "create 2: #3, #4");
        // A gap is not refilled: compose numbers after the highest too.
        assert_eq!(ScalePlan::new(&up(&[1, 5]), 3).create, vec![6]);
    }

    #[test]
    fn scaling_down_removes_the_highest_first() {
        let plan = ScalePlan::new(&up(&[1, 2, 3, 4]), 2);
        assert_eq!(plan.remove, vec![4, 3]);
        assert_eq!(plan.to_string(), "remove 2: #4, #3");
        assert_eq!(plan.steps(), 2);
    }

    #[test]
    fn stopped_replicas_that_stay_are_started() {
        let existing = [
            Replica {
                number: 1,
                running: true,
            },
            Replica {
                number: 2,
                running: false,
            },
        ];
        let plan = ScalePlan::new(&existing, 3);
        assert_eq!(plan.start, vec![2]);
        assert_eq!(plan.create, vec![3]);
        assert_eq!(plan.to_string(), "create 1: #3; start 1: #2");
    }

    #[test]
    fn zero_keeps_the_first_container_stopped() {
        let plan = ScalePlan::new(&up(&[1, 2, 3]), 0);
        assert_eq!(plan.remove, vec![3, 2]);
        assert_eq!(plan.stop, vec![1]);
        assert!(plan.create.is_empty());
        // And back up from a stopped #1.
        let back = ScalePlan::new(
            &[Replica {
                number: 1,
                running: false,
            }],
            2,
        );
        assert_eq!(back.start, vec![1]);
        assert_eq!(back.create, vec![2]);
    }

    #[test]
    fn the_same_count_is_nothing_to_do() {
        let plan = ScalePlan::new(&up(&[1, 2]), 2);
        assert!(plan.is_empty());
        assert_eq!(plan.to_string(), "nothing to do");
    }

    #[test]
    fn the_request_reads_override_and_refuses_strings_and_unknown_fields() {
        let r: ScaleRequest = serde_json::from_str(r#"{"replicas": 3, "override": true}"#)
            .unwrap_or(ScaleRequest {
                replicas: 0,
                allow_database: false,
            });
        assert_eq!(r.replicas, 3);
        assert!(r.allow_database);
        assert!(serde_json::from_str::<ScaleRequest>(r#"{"replicas": "3"}"#).is_err());
        assert!(serde_json::from_str::<ScaleRequest>(r#"{"replicas": -1}"#).is_err());
        assert!(serde_json::from_str::<ScaleRequest>(r#"{"replica": 3}"#).is_err());
    }
}
