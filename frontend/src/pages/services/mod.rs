//! Services: every compose project on the host, live from the engine's events.

mod attention;
mod compose_view;
mod container_row;
mod ctx;
mod filter;
mod fold;
mod history;
mod live;
mod menu;
mod project_card;
mod scale_control;
mod service_row;
mod shape;
mod stats;
mod swarm_view;
mod tasks;
mod updates;

use std::collections::{HashMap, HashSet};

use leptos::prelude::*;

use self::ctx::ServicesCtx;
use self::live::Live;
use self::stats::merge;
use self::swarm_view::SwarmSection;
use crate::api::services::{ActOnContainer, ActOnService, ScaleService, load_overview};
use crate::components::error_view::ErrorView;
use crate::components::shell::CurrentUser;
use crate::components::sse::{Stream, follow};
use crate::model::{ActionReport, ContainerStats, Role, ScaleReport, StatsFrame};
use crate::pages::tasks::ctx::Opened;
use crate::pages::tasks::dialog::TaskDialog;

#[component]
pub fn ServicesPage() -> impl IntoView {
    let can_act = use_context::<CurrentUser>().is_some_and(|u| u.0.role.allows(Role::Operator));
    let stats = RwSignal::new(HashMap::<String, ContainerStats>::new());
    let c = ServicesCtx {
        can_act,
        stats,
        service_act: ServerAction::<ActOnService>::new(),
        container_act: ServerAction::<ActOnContainer>::new(),
        scale_act: ServerAction::<ScaleService>::new(),
        max_replicas: RwSignal::new(crate::model::scale::DEFAULT_MAX_REPLICAS),
        confirming: RwSignal::new(None),
        engine_up: RwSignal::new(true),
        tasks: RwSignal::new(crate::model::TasksView::default()),
        task_dialog: RwSignal::new(Opened::default()),
        update_act: ServerAction::<crate::api::updates::UpdateService>::new(),
        swarm_update_act: ServerAction::<crate::api::updates::UpdateSwarmService>::new(),
        check_act: ServerAction::<crate::api::updates::CheckUpdates>::new(),
        compose: RwSignal::new(HashMap::new()),
        expanded: RwSignal::new(HashSet::new()),
        menu: RwSignal::new(None),
        scaling: RwSignal::new(None),
        folds: RwSignal::new(fold::Folds::default()),
        crowded: RwSignal::new(false),
        filter: RwSignal::new(
            leptos_router::hooks::use_query_map()
                .with_untracked(|q| q.get("q"))
                .unwrap_or_default(),
        ),
        history: RwSignal::new(HashMap::new()),
        now: RwSignal::new(shape::now_secs()),
    };
    provide_context(c);
    // Folded and opened projects are remembered by this browser: read once the page runs in it.
    Effect::new(move |_| c.folds.set(fold::load()));
    // The runbook tasks, for operators: read in the browser, and again when the dialog closes.
    let dialog_closed = RwSignal::new(0u32);
    Effect::new(move |was_open: Option<bool>| {
        let now = c.task_dialog.with(Opened::is_open);
        if was_open == Some(true) && !now {
            dialog_closed.update(|n| *n += 1);
        }
        now
    });
    Effect::new(move |_| {
        dialog_closed.track();
        if can_act {
            leptos::task::spawn_local(async move {
                if let Ok(view) = crate::api::tasks::load_tasks().await {
                    c.tasks.set(view);
                }
            });
        }
    });
    // Stats are collected on the server only while a page like this one follows them.
    let stats_state = RwSignal::new(Stream::Connecting);
    follow::<StatsFrame>("/api/v1/stats/events", stats_state, move |frame| {
        stats.update(|m| merge(m, frame));
    });

    let oneoff = RwSignal::new(false);
    let initial =
        crate::components::render_once::page_resource(move || oneoff.get(), load_overview);
    view! {
        <section class="page">
            <div class="page-head">
                <h1>"Services"</h1>
                <label class="toggle">
                    <input type="checkbox" data-testid="show-oneoff" prop:checked=move || oneoff.get()
                        on:change=move |ev| oneoff.set(event_target_checked(&ev)) />
                    " Show one-off containers"
                </label>
                {can_act.then(|| view! {
                    <button class="small" data-action="check-updates" disabled=move || c.check_act.pending().get()
                        on:click=move |_| { c.check_act.dispatch(crate::api::updates::CheckUpdates {}); }>
                        {move || if c.check_act.pending().get() { "Checking registries…" } else { "Check for updates" }}
                    </button>
                })}
            </div>
            <ActionResult c />
            <attention::AttentionPanel />
            <filter::FilterBox />
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match initial.await {
                        Ok(first) => view! { <Live first oneoff=oneoff.get_untracked() /> }.into_any(),
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                    }
                })}
            </Transition>
            <SwarmSection can_act />
            <TaskDialog open=c.task_dialog />
        </section>
    }
}

/// The outcome of the last action, or its error with what to do next.
#[component]
fn ActionResult(c: ServicesCtx) -> impl IntoView {
    let latest = RwSignal::new(None::<Result<String, crate::error::AppError>>);
    Effect::new(move |_| {
        if let Some(r) = c.service_act.value().get() {
            latest.set(Some(r.map(|r| action_done(&r))));
        }
    });
    Effect::new(move |_| {
        if let Some(r) = c.container_act.value().get() {
            latest.set(Some(r.map(|r| action_done(&r))));
        }
    });
    Effect::new(move |_| {
        if let Some(r) = c.update_act.value().get() {
            latest.set(Some(r.map(|r| {
                format!(
                    "Started run #{}: its progress and outcome show on the service.",
                    r.id
                )
            })));
        }
    });
    Effect::new(move |_| {
        if let Some(r) = c.swarm_update_act.value().get() {
            latest.set(Some(r.map(|r| {
                format!(
                    "Started run #{}: Swarm replaces the tasks; the outcome shows on the service.",
                    r.id
                )
            })));
        }
    });
    Effect::new(move |_| {
        if let Some(r) = c.check_act.value().get() {
            latest.set(Some(r.map(|checks| {
                let available = checks
                    .iter()
                    .filter(|c| c.state == crate::model::CheckState::Available)
                    .count();
                format!(
                    "Checked {} service(s): {available} with a newer build.",
                    checks.len()
                )
            })));
        }
    });
    Effect::new(move |_| {
        if let Some(r) = c.scale_act.value().get() {
            latest.set(Some(r.map(|r| scale_done(&r))));
        }
    });
    move || {
        latest.get().map(|r| match r {
            Ok(message) => view! {
                <div class="alert alert-ok" role="status" data-testid="action-result">{message}</div>
            }
            .into_any(),
            // Browsers on the Docker host drop their connections when container network
            // interfaces come and go (ERR_NETWORK_CHANGED); the action goes on regardless.
            Err(error) if error.is_connection_lost() => view! {
                <div class="alert alert-info" role="status" data-testid="action-result">
                    "The connection to bosun dropped before the answer came. The action goes on on the server: the list below shows its outcome as it happens, and the audit log records it."
                </div>
            }
            .into_any(),
            Err(error) => view! { <ErrorView error /> }.into_any(),
        })
    }
}

fn action_done(report: &ActionReport) -> String {
    format!(
        "{} {}: done for {} container(s) in {:.1} s.",
        report.action.done(),
        report.target,
        report.containers.len(),
        report.took_ms as f64 / 1000.0
    )
}

fn scale_done(report: &ScaleReport) -> String {
    let list: Vec<String> = report.containers.iter().map(|c| c.summary()).collect();
    format!(
        "Scaled {} to {} in {:.1} s ({}). Now: {}.",
        report.target,
        report.replicas,
        report.took_ms as f64 / 1000.0,
        report.plan,
        list.join(", ")
    )
}
