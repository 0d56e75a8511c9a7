//! A service's CPU and memory over the last hour, 6 hours or day, in its opened row: from the
//! history bosun keeps whether or not anyone looks (`BOSUN_STATS_HISTORY`). What was read, and
//! the range chosen, live in the page's context, so the live table redrawing keeps them.

use std::collections::BTreeMap;

use leptos::prelude::*;

use super::ctx::{HistorySlot, ctx};
use super::stats::bytes;
use crate::api::stats::load_stats_history;
use crate::components::chart::{LineChart, Series};
use crate::components::error_view::ErrorView;
use crate::model::StatsHistory;

/// (Unix seconds, value), oldest first.
pub type Points = Vec<(i64, f64)>;

pub const RANGES: [&str; 3] = ["1h", "6h", "24h"];

/// Reads a service's history for `range` into the page's context.
fn load(key: String, project: String, service: String, range: &'static str) {
    let Some(c) = ctx() else { return };
    c.history.update(|m| {
        m.insert(key.clone(), HistorySlot { range, read: None });
    });
    leptos::task::spawn_local(async move {
        let read = load_stats_history(project, service, range.to_owned()).await;
        c.history.update(|m| {
            if let Some(slot) = m.get_mut(&key).filter(|s| s.range == range) {
                slot.read = Some(read);
            }
        });
    });
}

#[component]
pub fn ServiceHistory(project: String, service: String) -> impl IntoView {
    let Some(c) = ctx() else { return ().into_any() };
    let key = format!("{project}/{service}");
    {
        let (key, project, service) = (key.clone(), project.clone(), service.clone());
        Effect::new(move |_| {
            if c.history.with_untracked(|m| !m.contains_key(&key)) {
                load(key.clone(), project.clone(), service.clone(), RANGES[0]);
            }
        });
    }
    let shown = {
        let key = key.clone();
        move || {
            c.history.with(|m| match m.get(&key) {
                Some(HistorySlot {
                    read: Some(Ok(h)),
                    range,
                }) => charts(h, range, &key).into_any(),
                Some(HistorySlot {
                    read: Some(Err(error)),
                    ..
                }) => view! { <ErrorView error=error.clone() /> }.into_any(),
                _ => view! { <p class="loading">"Reading the history…"</p> }.into_any(),
            })
        }
    };
    let choices = RANGES.map(|range| {
        let (key, project, service) = (key.clone(), project.clone(), service.clone());
        let chosen = {
            let key = key.clone();
            move || {
                c.history
                    .with(|m| m.get(&key).is_some_and(|s| s.range == range))
            }
        };
        view! {
            <button class="small" data-range=range aria-pressed=move || chosen().to_string()
                on:click=move |_| load(key.clone(), project.clone(), service.clone(), range)>
                {range}
            </button>
        }
    });
    view! {
        <section class="history" data-testid="history" aria-label=format!("History of {key}")>
            <div class="row history-head">
                <span class="muted">"History"</span>
                <div class="row" role="group" aria-label="Time range">{choices.collect_view()}</div>
            </div>
            {shown}
        </section>
    }
    .into_any()
}

fn charts(h: &StatsHistory, range: &str, key: &str) -> impl IntoView + use<> {
    if !h.enabled {
        return view! { <p class="muted">"The history is off on this server (BOSUN_STATS_HISTORY=off)."</p> }.into_any();
    }
    let (cpu, memory) = summed(h);
    let to = super::shape::now_secs();
    let from = to
        - match range {
            "6h" => 6 * 3600,
            "24h" => 24 * 3600,
            _ => 3600,
        };
    if memory.is_empty() {
        return view! {
            <p class="muted" data-testid="history-empty">
                {format!("No samples yet: one is taken every {} s while a container runs.", h.interval_secs)}
            </p>
        }
        .into_any();
    }
    view! {
        <div class="charts">
            <LineChart series=Series { points: cpu, from, to } label=format!("CPU of {key}") class="cpu"
                show=|v| format!("{v:.1} %") />
            <LineChart series=Series { points: memory, from, to } label=format!("Memory of {key}") class="mem"
                show=|v| bytes(v as u64) />
        </div>
    }
    .into_any()
}

/// The service's containers added up, sample time by sample time (samples of one round
/// share a slot of one interval).
pub fn summed(h: &StatsHistory) -> (Points, Points) {
    let slot = i64::from(h.interval_secs.max(1));
    let mut cpu: BTreeMap<i64, (i64, f64)> = BTreeMap::new();
    let mut memory: BTreeMap<i64, (i64, f64)> = BTreeMap::new();
    for s in h.containers.iter().flat_map(|c| &c.samples) {
        let m = memory.entry(s.at / slot).or_insert((s.at, 0.0));
        m.1 += s.memory as f64;
        if let Some(p) = s.cpu_percent {
            let e = cpu.entry(s.at / slot).or_insert((s.at, 0.0));
            e.1 += f64::from(p);
        }
    }
    (cpu.into_values().collect(), memory.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::summed;
    use crate::model::{ContainerHistory, HistorySample, StatsHistory};

    #[test]
    fn replicas_add_up_per_round() {
        let sample = |at, cpu, memory| HistorySample {
            at,
            cpu_percent: cpu,
            memory,
        };
        let h = StatsHistory {
            enabled: true,
            interval_secs: 60,
            retention_secs: 3600,
            containers: vec![
                ContainerHistory {
                    id: "a".into(),
                    name: "a".into(),
                    samples: vec![sample(60, None, 10), sample(120, Some(5.0), 10)],
                },
                ContainerHistory {
                    id: "b".into(),
                    name: "b".into(),
                    samples: vec![sample(121, Some(2.5), 30)],
                },
            ],
        };
        let (cpu, memory) = summed(&h);
        assert_eq!(cpu, vec![(120, 7.5)]);
        assert_eq!(memory, vec![(60, 10.0), (120, 40.0)]);
    }
}
