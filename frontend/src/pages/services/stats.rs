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

/// A service's CPU and memory (its running containers summed) as two cells of its row, each
/// a chart of the last minutes with the current value; the tooltip gives the peak too.
#[component]
pub fn ServiceUsage(ids: Vec<String>) -> impl IntoView {
    let Some(c) = ctx() else { return ().into_any() };
    (move || {
        let (cpu, mem) = c.stats.with(|m| {
            let mine: Vec<&ContainerStats> = ids.iter().filter_map(|id| m.get(id)).collect();
            (
                sum(&mine.iter().map(|s| s.cpu_percent.as_slice()).collect::<Vec<_>>(), f64::from),
                sum(&mine.iter().map(|s| s.memory.as_slice()).collect::<Vec<_>>(), |m| m as f64),
            )
        });
        let known = !cpu.is_empty();
        let cpu_now = cpu.last().copied().unwrap_or(0.0);
        let cpu_peak = cpu.iter().copied().fold(0.0, f32::max);
        let mem_now = mem.last().copied().unwrap_or(0.0) as u64;
        let mem_peak = mem.iter().copied().fold(0.0, f32::max) as u64;
        let cpu_tip = format!("CPU now {cpu_now:.1} %, peak {cpu_peak:.1} % over the last minutes (100 % = one core)");
        let mem_tip = format!("Memory now {}, peak {} over the last minutes", bytes(mem_now), bytes(mem_peak));
        view! {
            <div class="svc-cpu metric">
                {known.then(|| view! {
                    <Sparkline values=cpu.clone() capacity=HISTORY label=format!("CPU {cpu_now:.1} %") tip=cpu_tip class="cpu" />
                    <span class="value">{format!("{cpu_now:.1} %")}</span>
                })}
            </div>
            <div class="svc-mem metric">
                {known.then(|| view! {
                    <Sparkline values=mem.clone() capacity=HISTORY label=format!("Memory {}", bytes(mem_now)) tip=mem_tip class="mem" />
                    <span class="value">{bytes(mem_now)}</span>
                })}
            </div>
        }
    })
    .into_any()
}

/// Series summed sample by sample, aligned at their newest end.
pub fn sum<T: Copy>(series: &[&[T]], value: impl Fn(T) -> f64) -> Vec<f32> {
    let len = series.iter().map(|s| s.len()).max().unwrap_or(0);
    (0..len)
        .map(|i| {
            let back = len - i;
            series
                .iter()
                .filter(|s| s.len() >= back)
                .map(|s| value(s[s.len() - back]))
                .sum::<f64>() as f32
        })
        .collect()
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
    use super::{bytes, sum};

    #[test]
    fn series_sum_at_their_newest_end() {
        let a: &[f32] = &[1.0, 2.0, 3.0];
        let b: &[f32] = &[10.0];
        assert_eq!(sum(&[a, b], f64::from), vec![1.0, 2.0, 13.0]);
        let none: [&[u64]; 0] = [];
        assert!(sum(&none, |m| m as f64).is_empty());
    }

    #[test]
    fn bytes_read_naturally() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(3 * 1024 * 1024 * 1024), "3.0 GiB");
    }
}
