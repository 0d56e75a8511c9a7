//! The always-on, low-frequency CPU and memory history (`BOSUN_STATS_HISTORY`), there before
//! anyone looks: unlike the live stats (`stats.rs`, collected only while a page watches), a
//! background task samples every running container once per interval, and keeps a bounded
//! ring of samples per container until the container is removed.
//!
//! Each sample is one engine call (`one_shot`, not a stream), a few at a time. A one-shot
//! reading carries no previous CPU figures, so CPU % is computed against this container's
//! previous reading, as `docker stats` computes it against the engine's.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use bollard::Docker;
use bollard::models::ContainerStatsResponse;
use bollard::query_parameters::StatsOptions;
use bosun_frontend::authz::Viewer;
use bosun_frontend::error::AppError;
use bosun_frontend::model::{
    ContainerHistory, HistoryQuery, HistorySample, HistorySelector, HistoryStatus, StatsHistory,
};
use bosun_frontend::ports::StatsPort;
use futures::StreamExt;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::inventory::Inventory;
use super::record::Record;
use super::stats::memory_in_use;

/// Engine calls at once, so a host with many containers does not get them all together.
/// A one-shot reading mostly waits (the engine's own collector ticks once a second: a call
/// takes about 1 s on Docker 20.10), so more at once cost little; 32 sample about 1,900
/// containers in the default minute.
const CONCURRENCY: usize = 32;
/// One call that takes longer is given up (that container has no sample this time).
const CALL_TIMEOUT: Duration = Duration::from_secs(5);
/// A previous reading older than this many intervals (the container was stopped, or the
/// engine away) is no base for a CPU figure.
const GAP_INTERVALS: u64 = 3;

/// How the history samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Every {
    interval_secs: u32,
    retention_secs: u32,
    /// Samples kept per container: retention / interval.
    capacity: usize,
}

impl Every {
    fn new(interval: Duration, retention: Duration) -> Self {
        let interval_secs = u32::try_from(interval.as_secs()).unwrap_or(u32::MAX).max(1);
        let retention_secs = u32::try_from(retention.as_secs()).unwrap_or(u32::MAX);
        Every {
            interval_secs,
            retention_secs,
            capacity: usize::try_from((retention_secs / interval_secs).max(1)).unwrap_or(1),
        }
    }
}

/// A container's CPU time and the host's, nanoseconds since they started counting.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Counters {
    container: u64,
    system: u64,
    cpus: u32,
}

/// What one engine reading gives.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Reading {
    counters: Counters,
    memory: u64,
}

impl Reading {
    /// None for a reading without CPU counters (a container that stopped meanwhile).
    fn of(s: &ContainerStatsResponse) -> Option<Self> {
        let cpu = s.cpu_stats.as_ref()?;
        let container = cpu.cpu_usage.as_ref()?.total_usage?;
        let system = cpu.system_cpu_usage.filter(|&s| s > 0)?;
        Some(Reading {
            counters: Counters {
                container,
                system,
                cpus: cpu.online_cpus.unwrap_or(1).max(1),
            },
            memory: memory_in_use(s),
        })
    }
}

/// Like `docker stats`: the container's share of the host's CPU time between two readings,
/// times the CPUs (100 = one full core). None when the counters went back (a restart).
fn cpu_between(before: Counters, now: Counters) -> Option<f32> {
    let used = now.container.checked_sub(before.container)?;
    let system = now.system.checked_sub(before.system)?;
    if system == 0 {
        return None;
    }
    Some((used as f64 / system as f64 * f64::from(now.cpus) * 100.0) as f32)
}

/// One kept sample: 16 bytes.
#[derive(Clone, Copy, Debug)]
struct Point {
    /// Unix seconds.
    at: u32,
    /// NaN: no figure (nothing to compare with).
    cpu: f32,
    memory: u64,
}

impl Point {
    fn sample(&self) -> HistorySample {
        HistorySample {
            at: i64::from(self.at),
            cpu_percent: (!self.cpu.is_nan()).then_some(self.cpu),
            memory: self.memory,
        }
    }
}

#[derive(Default)]
struct Ring {
    points: VecDeque<Point>,
    /// The previous reading's counters and when it was taken, for the next CPU figure.
    last: Option<(u32, Counters)>,
}

impl Ring {
    fn record(&mut self, at: u32, reading: Reading, every: Every) {
        // Two samples in one second (a late tick): the first stands, times only increase.
        if self.points.back().is_some_and(|p| p.at >= at) {
            return;
        }
        let recent = |then: u32| {
            u64::from(at.saturating_sub(then)) <= GAP_INTERVALS * u64::from(every.interval_secs)
        };
        let cpu = match self.last {
            Some((then, before)) if recent(then) => cpu_between(before, reading.counters),
            _ => None,
        };
        self.last = Some((at, reading.counters));
        while self.points.len() >= every.capacity {
            self.points.pop_front();
        }
        self.points.push_back(Point {
            at,
            cpu: cpu.unwrap_or(f32::NAN),
            memory: reading.memory,
        });
    }

    /// Drops what is older than `cutoff` (a stopped container's samples age out too).
    fn forget_before(&mut self, cutoff: u32) {
        while self.points.front().is_some_and(|p| p.at < cutoff) {
            self.points.pop_front();
        }
    }
}

/// The history: owned by the app, cheap to clone.
#[derive(Clone)]
pub struct History {
    rings: Arc<Mutex<HashMap<String, Ring>>>,
    calls: Arc<AtomicU64>,
    every: Option<Every>,
    client: watch::Receiver<Option<Docker>>,
    inventory: Inventory,
}

fn now_secs() -> u32 {
    u32::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap_or(0)
}

impl History {
    /// Starts sampling `engine`'s running containers every `interval`, keeping `retention`
    /// (None: never samples; the task ends at once).
    pub fn start(
        engine: &super::Engine,
        every: Option<(Duration, Duration)>,
    ) -> (Self, JoinHandle<()>) {
        let history = History {
            rings: Arc::default(),
            calls: Arc::default(),
            every: every.map(|(interval, retention)| Every::new(interval, retention)),
            client: engine.client.clone(),
            inventory: engine.inventory().clone(),
        };
        let task = tokio::spawn(history.clone().run());
        (history, task)
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Ring>> {
        self.rings.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn run(self) {
        let Some(every) = self.every else { return };
        let mut tick = tokio::time::interval(Duration::from_secs(u64::from(every.interval_secs)));
        // A slow round delays the next rather than bunching the missed ones.
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            // Engine away: nothing to ask, and the inventory may be stale; keep what we have.
            let Some(docker) = self.client.borrow().clone() else {
                continue;
            };
            let at = now_secs();
            let records = self.inventory.records();
            self.forget(&records, at.saturating_sub(every.retention_secs));
            let running: Vec<String> = records
                .iter()
                .filter(|r| r.is_running())
                .map(|r| r.id.clone())
                .collect();
            let readings: Vec<(String, Option<Reading>)> = futures::stream::iter(running)
                .map(|id| self.sample(docker.clone(), id))
                .buffer_unordered(CONCURRENCY)
                .collect()
                .await;
            let mut rings = self.lock();
            for (id, reading) in readings {
                if let Some(reading) = reading {
                    rings.entry(id).or_default().record(at, reading, every);
                }
            }
        }
    }

    /// Drops the history of containers that left the inventory (removed), and samples older
    /// than `cutoff`.
    fn forget(&self, records: &[Arc<Record>], cutoff: u32) {
        let known: HashSet<&str> = records.iter().map(|r| r.id.as_str()).collect();
        let mut rings = self.lock();
        rings.retain(|id, _| known.contains(id.as_str()));
        for ring in rings.values_mut() {
            ring.forget_before(cutoff);
        }
    }

    async fn sample(&self, docker: Docker, id: String) -> (String, Option<Reading>) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let options = StatsOptions {
            stream: false,
            one_shot: true,
        };
        let mut stream = docker.stats(&id, Some(options));
        let reading = match tokio::time::timeout(CALL_TIMEOUT, stream.next()).await {
            Ok(Some(Ok(s))) => Reading::of(&s),
            Ok(Some(Err(e))) => {
                tracing::debug!(container = %id, "stats history: no sample: {e}");
                None
            }
            Ok(None) | Err(_) => None,
        };
        (id, reading)
    }

    /// Its settings and what it holds, for `GET /api/v1/stats`.
    pub fn status(&self) -> HistoryStatus {
        let rings = self.lock();
        HistoryStatus {
            enabled: self.every.is_some(),
            interval_secs: self.every.map_or(0, |e| e.interval_secs),
            retention_secs: self.every.map_or(0, |e| e.retention_secs),
            containers: u32::try_from(rings.len()).unwrap_or(u32::MAX),
            samples: rings.values().map(|r| r.points.len() as u64).sum(),
            engine_calls: self.calls.load(Ordering::Relaxed),
        }
    }

    /// The chosen containers' samples within the range, oldest first, sorted by name.
    pub fn read(&self, query: &HistoryQuery) -> Result<StatsHistory, AppError> {
        let mut chosen = self.choose(&query.selector)?;
        chosen.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        let since = i64::from(now_secs()) - query.range.secs();
        let rings = self.lock();
        let containers = chosen
            .iter()
            .map(|r| ContainerHistory {
                id: r.id.clone(),
                name: r.name.clone(),
                samples: rings
                    .get(&r.id)
                    .map(|ring| {
                        ring.points
                            .iter()
                            .map(Point::sample)
                            .filter(|s| s.at >= since)
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect();
        Ok(StatsHistory {
            enabled: self.every.is_some(),
            interval_secs: self.every.map_or(0, |e| e.interval_secs),
            retention_secs: self.every.map_or(0, |e| e.retention_secs),
            containers,
        })
    }

    fn choose(&self, selector: &HistorySelector) -> Result<Vec<Arc<Record>>, AppError> {
        match selector {
            HistorySelector::Container(c) => {
                let record = self.inventory.find(c.as_str()).ok_or_else(|| {
                    AppError::not_found(format!(
                        "There is no container “{c}” on this host. Open Services to see the containers there are."
                    ))
                })?;
                Ok(vec![record])
            }
            HistorySelector::Service { project, service } => {
                let (members, others): (Vec<Arc<Record>>, Vec<Arc<Record>>) = self
                    .inventory
                    .records()
                    .into_iter()
                    .filter(|r| r.project() == Some(project.as_str()) && !r.oneoff())
                    .partition(|r| r.service() == Some(service.as_str()));
                if members.is_empty() {
                    let names: std::collections::BTreeSet<&str> =
                        others.iter().filter_map(|r| r.service()).collect();
                    return Err(AppError::not_found(if names.is_empty() {
                        format!("There is no compose project “{project}” on this host.")
                    } else {
                        format!(
                            "Project “{project}” has no service “{service}”. Its services: {}.",
                            names.into_iter().collect::<Vec<_>>().join(", ")
                        )
                    }));
                }
                Ok(members)
            }
        }
    }
}

#[async_trait]
impl StatsPort for History {
    async fn history(
        &self,
        _actor: &Viewer,
        query: HistoryQuery,
    ) -> Result<StatsHistory, AppError> {
        self.read(&query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::{ContainerCpuStats, ContainerCpuUsage, ContainerMemoryStats};
    use bosun_frontend::model::HistoryRange;

    const EVERY: Every = Every {
        interval_secs: 2,
        retention_secs: 6,
        capacity: 3,
    };

    fn counters(container: u64, system: u64) -> Counters {
        Counters {
            container,
            system,
            cpus: 2,
        }
    }

    fn reading(container: u64, system: u64, memory: u64) -> Reading {
        Reading {
            counters: counters(container, system),
            memory,
        }
    }

    #[test]
    fn cpu_is_the_share_of_host_time_since_the_previous_reading_times_the_cpus() {
        // 500 of 10,000 system ticks on 2 CPUs = 10 %.
        assert_eq!(
            cpu_between(counters(1_000, 10_000), counters(1_500, 20_000)),
            Some(10.0)
        );
        // Two full cores of a four-CPU host: 200 %.
        let four = |c, s| Counters {
            container: c,
            system: s,
            cpus: 4,
        };
        assert_eq!(cpu_between(four(0, 0), four(5_000, 10_000)), Some(200.0));
        assert_eq!(
            cpu_between(counters(1_000, 10_000), counters(1_000, 20_000)),
            Some(0.0)
        );
        // Restarted (its counter began again), or no host time passed: no figure.
        assert_eq!(
            cpu_between(counters(9_000, 10_000), counters(100, 20_000)),
            None
        );
        assert_eq!(
            cpu_between(counters(1_000, 10_000), counters(1_500, 10_000)),
            None
        );
    }

    #[test]
    fn a_one_shot_reading_gives_counters_and_memory_without_the_page_cache() {
        let s = ContainerStatsResponse {
            cpu_stats: Some(ContainerCpuStats {
                cpu_usage: Some(ContainerCpuUsage {
                    total_usage: Some(1_500),
                    ..Default::default()
                }),
                system_cpu_usage: Some(20_000),
                online_cpus: Some(2),
                ..Default::default()
            }),
            memory_stats: Some(ContainerMemoryStats {
                usage: Some(10_000),
                stats: Some([("inactive_file".to_owned(), 4_000)].into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(Reading::of(&s), Some(reading(1_500, 20_000, 6_000)));
        assert_eq!(Reading::of(&ContainerStatsResponse::default()), None);
    }

    #[test]
    fn a_ring_holds_its_capacity_with_cpu_from_the_second_sample_on() {
        let mut ring = Ring::default();
        ring.record(100, reading(1_000, 10_000, 7), EVERY);
        ring.record(102, reading(1_500, 20_000, 8), EVERY);
        // The same second again: ignored, times only increase.
        ring.record(102, reading(9_000, 30_000, 9), EVERY);
        let cpu: Vec<Option<f32>> = ring.points.iter().map(|p| p.sample().cpu_percent).collect();
        assert_eq!(cpu, [None, Some(10.0)]);
        ring.record(104, reading(1_500, 30_000, 9), EVERY);
        ring.record(106, reading(1_500, 40_000, 10), EVERY);
        let at: Vec<u32> = ring.points.iter().map(|p| p.at).collect();
        assert_eq!(at, [102, 104, 106]);
        // After a gap of more than three intervals (stopped), no figure to begin with.
        ring.record(120, reading(2_000, 50_000, 11), EVERY);
        assert_eq!(
            ring.points.back().map(|p| p.sample().cpu_percent),
            Some(None)
        );
        ring.forget_before(110);
        assert_eq!(ring.points.len(), 1);
        assert_eq!(
            Every::new(Duration::from_secs(60), Duration::from_secs(86_400)).capacity,
            1440
        );
        assert_eq!(
            Every::new(Duration::from_secs(7), Duration::from_secs(60)).capacity,
            8
        );
    }

    fn history(records: Vec<Record>) -> History {
        let inventory = Inventory::default();
        inventory.replace_all(records);
        History {
            rings: Arc::default(),
            calls: Arc::default(),
            every: Some(EVERY),
            client: watch::channel(None).1,
            inventory,
        }
    }

    fn member(name: &str, service: &str, oneoff: &str) -> Record {
        Record::running(
            name,
            "busybox",
            &[
                (super::super::record::PROJECT, "shop"),
                (super::super::record::SERVICE, service),
                (super::super::record::ONEOFF, oneoff),
            ],
            &[],
        )
    }

    #[test]
    fn a_services_history_lists_its_containers_by_name_with_recent_samples() {
        let h = history(vec![
            member("shop-db-2", "db", "False"),
            member("shop-db-1", "db", "False"),
            member("shop-db-run-1", "db", "True"),
            member("shop-web-1", "web", "False"),
        ]);
        let now = now_secs();
        {
            let mut rings = h.lock();
            let ring = rings.entry("id-shop-db-1".into()).or_default();
            ring.record(now - 7200, reading(0, 10, 1), EVERY);
            ring.record(now - 2, reading(1, 20, 2), EVERY);
            ring.record(now, reading(2, 30, 3), EVERY);
        }
        let query = |selector| HistoryQuery {
            selector,
            range: HistoryRange::Hour,
        };
        let service = HistorySelector::Service {
            project: "shop".parse().unwrap(),
            service: "db".parse().unwrap(),
        };
        let got = h.read(&query(service)).unwrap();
        let names: Vec<&str> = got.containers.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["shop-db-1", "shop-db-2"]);
        let memory: Vec<u64> = got.containers[0].samples.iter().map(|s| s.memory).collect();
        assert_eq!(memory, [2, 3]);
        assert!(got.containers[1].samples.is_empty());
        assert_eq!((got.interval_secs, got.retention_secs), (2, 6));

        let one = h
            .read(&query(HistorySelector::Container(
                "shop-web-1".parse().unwrap(),
            )))
            .unwrap();
        assert_eq!(one.containers.len(), 1);
        let missing = HistorySelector::Service {
            project: "shop".parse().unwrap(),
            service: "cache".parse().unwrap(),
        };
        let e = h.read(&query(missing)).unwrap_err();
        assert_eq!(e.status(), 404);
        assert!(e.message.contains("Its services: db, web."), "{e:?}");
        let status = h.status();
        assert_eq!((status.containers, status.samples), (1, 3));

        // Removed from the inventory: its history goes too.
        h.forget(&[], 0);
        assert_eq!(h.status().containers, 0);
    }
}
