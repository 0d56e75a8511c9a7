//! CPU, memory and network per running container, collected only while a page watches.
//!
//! The first watcher starts a supervisor that keeps one engine stats stream per running
//! container; when the last watcher leaves, everything stops after `linger` (so a reload
//! does not lose the history).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::models::ContainerStatsResponse;
use bollard::query_parameters::StatsOptions;
use bosun_frontend::model::{ContainerStats, StatsFrame, StatsStatus};
use futures::StreamExt;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::inventory::Inventory;

/// Samples kept per container: about three minutes at the engine's one per second.
const HISTORY: usize = 180;
const TICK: Duration = Duration::from_secs(2);

#[derive(Default)]
struct Series {
    cpu: VecDeque<f32>,
    memory: VecDeque<u64>,
    memory_limit: u64,
    net_rx: u64,
    net_tx: u64,
    /// Samples taken so far, to send each watcher only what is new to it.
    total: u64,
}

#[derive(Default)]
struct Hub {
    watchers: u32,
    last_left: Option<Instant>,
    supervisor: Option<JoinHandle<()>>,
    collectors: HashMap<String, JoinHandle<()>>,
    series: HashMap<String, Series>,
}

#[derive(Clone)]
pub struct StatsHub {
    hub: Arc<Mutex<Hub>>,
    client: watch::Receiver<Option<Docker>>,
    inventory: Inventory,
    linger: Duration,
}

/// Held by each watching stream; dropping it lets collection stop.
pub struct Watch {
    hub: StatsHub,
    /// Samples of each container already sent to this watcher.
    seen: HashMap<String, u64>,
    started: bool,
}

impl StatsHub {
    /// Follows `engine`'s connection and inventory; a sampler lingers this long after its
    /// last viewer left.
    pub fn new(engine: &super::Engine, linger: Duration) -> Self {
        StatsHub {
            hub: Arc::default(),
            client: engine.client.clone(),
            inventory: engine.inventory().clone(),
            linger,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Hub> {
        self.hub.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts watching: collection runs until the returned guard (and `linger`) is gone.
    pub fn watch(&self) -> Watch {
        let mut hub = self.lock();
        hub.watchers += 1;
        if hub.supervisor.as_ref().is_none_or(|s| s.is_finished()) {
            hub.supervisor = Some(tokio::spawn(self.clone().supervise()));
        }
        drop(hub);
        Watch {
            hub: self.clone(),
            seen: HashMap::new(),
            started: false,
        }
    }

    pub fn status(&self) -> StatsStatus {
        let hub = self.lock();
        let mut collecting: Vec<String> = hub.collectors.keys().cloned().collect();
        collecting.sort();
        StatsStatus {
            watchers: hub.watchers,
            collecting,
            // The always-on history's figures are added by whoever holds it.
            history: Default::default(),
        }
    }

    async fn supervise(self) {
        let mut tick = tokio::time::interval(TICK);
        loop {
            tick.tick().await;
            let docker = self.client.borrow().clone();
            let running: std::collections::HashSet<String> = self
                .inventory
                .records()
                .iter()
                .filter(|r| r.is_running())
                .map(|r| r.id.clone())
                .collect();
            let mut hub = self.lock();
            let idle =
                hub.watchers == 0 && hub.last_left.is_some_and(|t| t.elapsed() >= self.linger);
            if idle || docker.is_none() {
                for (_, task) in hub.collectors.drain() {
                    task.abort();
                }
                if idle {
                    hub.series.clear();
                    hub.supervisor = None;
                    tracing::debug!("nobody watches stats any more; collection stopped");
                    return;
                }
                continue;
            }
            let Some(docker) = docker else { continue };
            hub.collectors.retain(|id, task| {
                let keep = running.contains(id) && !task.is_finished();
                if !keep {
                    task.abort();
                }
                keep
            });
            hub.series.retain(|id, _| running.contains(id));
            for id in running {
                if let std::collections::hash_map::Entry::Vacant(slot) =
                    hub.collectors.entry(id.clone())
                {
                    slot.insert(tokio::spawn(self.clone().collect(docker.clone(), id)));
                }
            }
        }
    }

    async fn collect(self, docker: Docker, id: String) {
        let mut stream = docker.stats(
            &id,
            Some(StatsOptions {
                stream: true,
                one_shot: false,
            }),
        );
        while let Some(Ok(s)) = stream.next().await {
            let sample = Sample::from(&s);
            let mut hub = self.lock();
            let series = hub.series.entry(id.clone()).or_default();
            if let Some(cpu) = sample.cpu_percent {
                push(&mut series.cpu, cpu);
                push(&mut series.memory, sample.memory);
                series.total += 1;
            }
            series.memory_limit = sample.memory_limit;
            series.net_rx = sample.net_rx;
            series.net_tx = sample.net_tx;
        }
    }
}

fn push<T>(q: &mut VecDeque<T>, v: T) {
    if q.len() == HISTORY {
        q.pop_front();
    }
    q.push_back(v);
}

impl Watch {
    /// What this watcher has not seen yet; everything on the first call.
    pub fn frame(&mut self) -> StatsFrame {
        let reset = !self.started;
        self.started = true;
        let hub = self.hub.lock();
        let mut containers = BTreeMap::new();
        for (id, s) in &hub.series {
            let new = match self.seen.get(id) {
                None => s.cpu.len(),
                Some(seen) => (s.total.saturating_sub(*seen) as usize).min(s.cpu.len()),
            };
            if new == 0 && self.seen.contains_key(id) {
                continue;
            }
            let skip = s.cpu.len() - new;
            containers.insert(
                id.clone(),
                ContainerStats {
                    cpu_percent: s.cpu.iter().skip(skip).copied().collect(),
                    memory: s.memory.iter().skip(skip).copied().collect(),
                    memory_limit: s.memory_limit,
                    net_rx: s.net_rx,
                    net_tx: s.net_tx,
                },
            );
            self.seen.insert(id.clone(), s.total);
        }
        StatsFrame {
            reset,
            interval_secs: 1,
            containers,
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let mut hub = self.hub.lock();
        hub.watchers = hub.watchers.saturating_sub(1);
        if hub.watchers == 0 {
            hub.last_left = Some(Instant::now());
        }
    }
}

/// One reading, in the units the page shows.
#[derive(Debug, PartialEq)]
struct Sample {
    /// None for the first reading (no previous one to compare with).
    cpu_percent: Option<f32>,
    memory: u64,
    memory_limit: u64,
    net_rx: u64,
    net_tx: u64,
}

impl From<&ContainerStatsResponse> for Sample {
    fn from(s: &ContainerStatsResponse) -> Self {
        let total = |c: &Option<bollard::models::ContainerCpuStats>| {
            c.as_ref()
                .and_then(|c| c.cpu_usage.as_ref())
                .and_then(|u| u.total_usage)
        };
        let system = |c: &Option<bollard::models::ContainerCpuStats>| {
            c.as_ref().and_then(|c| c.system_cpu_usage)
        };
        let cpus = s
            .cpu_stats
            .as_ref()
            .and_then(|c| c.online_cpus)
            .unwrap_or(1)
            .max(1) as f64;
        // Like `docker stats`: the container's share of the host's CPU time, times the CPUs.
        let cpu_percent = match (
            total(&s.cpu_stats),
            total(&s.precpu_stats),
            system(&s.cpu_stats),
            system(&s.precpu_stats),
        ) {
            (Some(t), Some(pt), Some(sys), Some(psys)) if sys > psys && psys > 0 => {
                Some((t.saturating_sub(pt) as f64 / (sys - psys) as f64 * cpus * 100.0) as f32)
            }
            (Some(_), Some(_), Some(_), Some(psys)) if psys > 0 => Some(0.0),
            _ => None,
        };
        let mem = s.memory_stats.as_ref();
        let (rx, tx) = s
            .networks
            .as_ref()
            .map(|n| {
                n.values().fold((0, 0), |(rx, tx), i| {
                    (rx + i.rx_bytes.unwrap_or(0), tx + i.tx_bytes.unwrap_or(0))
                })
            })
            .unwrap_or((0, 0));
        Sample {
            cpu_percent,
            memory: memory_in_use(s),
            memory_limit: mem.and_then(|m| m.limit).unwrap_or(0),
            net_rx: rx,
            net_tx: tx,
        }
    }
}

/// Bytes in use, like `docker stats`: usage without the page cache, which is reclaimable
/// (cgroup v2 reports it as inactive_file, v1 as cache).
pub(crate) fn memory_in_use(s: &ContainerStatsResponse) -> u64 {
    let mem = s.memory_stats.as_ref();
    let cache = mem
        .and_then(|m| m.stats.as_ref())
        .and_then(|st| st.get("inactive_file").or_else(|| st.get("cache")).copied())
        .unwrap_or(0);
    let usage = mem.and_then(|m| m.usage).unwrap_or(0);
    usage.saturating_sub(cache)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::{ContainerCpuStats, ContainerCpuUsage, ContainerMemoryStats};

    fn cpu(total: u64, system: u64) -> Option<ContainerCpuStats> {
        Some(ContainerCpuStats {
            cpu_usage: Some(ContainerCpuUsage {
                total_usage: Some(total),
                ..Default::default()
            }),
            system_cpu_usage: Some(system),
            online_cpus: Some(2),
            ..Default::default()
        })
    }

    #[test]
    fn cpu_is_computed_like_docker_stats() {
        let s = ContainerStatsResponse {
            cpu_stats: cpu(1_500, 20_000),
            precpu_stats: cpu(1_000, 10_000),
            memory_stats: Some(ContainerMemoryStats {
                usage: Some(10_000),
                limit: Some(1_000_000),
                stats: Some([("inactive_file".to_owned(), 4_000)].into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let sample = Sample::from(&s);
        // 500 of 10,000 system ticks on 2 CPUs = 10 %.
        assert_eq!(sample.cpu_percent, Some(10.0));
        assert_eq!(sample.memory, 6_000);
        assert_eq!(sample.memory_limit, 1_000_000);
    }

    #[test]
    fn the_first_reading_has_no_cpu_figure() {
        let s = ContainerStatsResponse {
            cpu_stats: cpu(1_500, 20_000),
            precpu_stats: Some(ContainerCpuStats::default()),
            ..Default::default()
        };
        assert_eq!(Sample::from(&s).cpu_percent, None);
    }
}
