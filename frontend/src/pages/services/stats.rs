//! Container stats on the Services page: the stream's frames merged into a short history,
//! and the CPU / memory / network figures of one container.

use std::collections::HashMap;

use leptos::prelude::*;

use super::ctx::ctx;
use crate::components::sparkline::Sparkline;
use crate::model::{ContainerStats, StatsFrame};

/// Samples a sparkline holds (the server keeps the same).
pub const HISTORY: usize = 180;

/// CPU and memory sparklines with the latest figures, from the stats stream.
#[component]
pub fn Usage(id: String) -> impl IntoView {
    let Some(c) = ctx() else { return ().into_any() };
    (move || {
        c.stats.with(|m| {
            m.get(&id).map(|s| {
                let cpu = s.cpu_percent.last().copied().unwrap_or(0.0);
                let mem = s.memory.last().copied().unwrap_or(0);
                let mem_f: Vec<f32> = s.memory.iter().map(|m| *m as f32).collect();
                let limit = s.memory_limit as f32;
                view! {
                    <div class="usage">
                        <div class="metric">
                            <Sparkline values=s.cpu_percent.clone() capacity=HISTORY label=format!("CPU {cpu:.1} %") class="cpu" />
                            <span>{format!("CPU {cpu:.1} %")}</span>
                        </div>
                        <div class="metric">
                            <Sparkline values=mem_f max=limit capacity=HISTORY label=format!("Memory {}", bytes(mem)) class="mem" />
                            <span>{format!("{} / {}", bytes(mem), bytes(s.memory_limit))}</span>
                        </div>
                        <div class="metric net muted">{format!("↓ {} ↑ {}", bytes(s.net_rx), bytes(s.net_tx))}</div>
                    </div>
                }
            })
        })
    })
    .into_any()
}

/// Applies one stats frame: a reset replaces everything, otherwise samples are appended.
pub fn merge(m: &mut HashMap<String, ContainerStats>, frame: StatsFrame) {
    if frame.reset {
        m.clear();
    }
    for (id, s) in frame.containers {
        let e = m.entry(id).or_default();
        e.cpu_percent.extend(s.cpu_percent);
        e.memory.extend(s.memory);
        let drop_cpu = e.cpu_percent.len().saturating_sub(HISTORY);
        e.cpu_percent.drain(..drop_cpu);
        let drop_mem = e.memory.len().saturating_sub(HISTORY);
        e.memory.drain(..drop_mem);
        e.memory_limit = s.memory_limit;
        e.net_rx = s.net_rx;
        e.net_tx = s.net_tx;
    }
}

/// 1536 → "1.5 KiB".
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::bytes;

    #[test]
    fn bytes_read_naturally() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(3 * 1024 * 1024 * 1024), "3.0 GiB");
    }
}
