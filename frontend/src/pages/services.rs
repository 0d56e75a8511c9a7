//! Services: every compose project on the host, live from the engine's events.

use std::collections::HashMap;

use leptos::prelude::*;

use crate::api::stacks::{ActOnContainer, ActOnService, ScaleService, load_overview};
use crate::components::error_view::ErrorView;
use crate::components::shell::CurrentUser;
use crate::components::sse::{Stream, follow};
use crate::components::stack_view::{HISTORY, ProjectCard, StackCtx};
use crate::components::swarm_view::SwarmSection;
use crate::format::short_time;
use crate::model::{ActionReport, ContainerStats, Overview, Role, ScaleReport, StatsFrame};

#[component]
pub fn ServicesPage() -> impl IntoView {
    let can_act = use_context::<CurrentUser>().is_some_and(|u| u.0.role.allows(Role::Operator));
    let stats = RwSignal::new(HashMap::<String, ContainerStats>::new());
    let c = StackCtx {
        can_act,
        stats,
        service_act: ServerAction::<ActOnService>::new(),
        container_act: ServerAction::<ActOnContainer>::new(),
        scale_act: ServerAction::<ScaleService>::new(),
        max_replicas: RwSignal::new(crate::model::scale::DEFAULT_MAX_REPLICAS),
        confirming: RwSignal::new(None),
        engine_up: RwSignal::new(true),
    };
    provide_context(c);
    // Stats are collected on the server only while a page like this one follows them.
    let stats_state = RwSignal::new(Stream::Connecting);
    follow::<StatsFrame>("/api/v1/stats/events", stats_state, move |frame| {
        stats.update(|m| merge(m, frame));
    });

    let oneoff = RwSignal::new(false);
    let initial = Resource::new(move || oneoff.get(), load_overview);
    view! {
        <section class="page">
            <div class="page-head">
                <h1>"Services"</h1>
                <label class="toggle">
                    <input type="checkbox" data-testid="show-oneoff" prop:checked=move || oneoff.get()
                        on:change=move |ev| oneoff.set(event_target_checked(&ev)) />
                    " Show one-off containers"
                </label>
            </div>
            <ActionResult c />
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match initial.await {
                        Ok(first) => view! { <Live first oneoff=oneoff.get_untracked() /> }.into_any(),
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                    }
                })}
            </Transition>
            <SwarmSection can_act />
        </section>
    }
}

/// The overview, replaced by each frame of the events stream.
#[component]
fn Live(first: Overview, oneoff: bool) -> impl IntoView {
    let ctx = use_context::<StackCtx>();
    let max_replicas = ctx.map(|c| c.max_replicas);
    let engine_up = ctx.map(|c| c.engine_up);
    if let Some(m) = max_replicas {
        m.set(first.max_replicas);
    }
    if let Some(e) = engine_up {
        e.set(first.engine.connected);
    }
    let data = RwSignal::new(first);
    let state = RwSignal::new(Stream::Connecting);
    let was_lost = RwSignal::new(false);
    let recovered = RwSignal::new(false);
    follow::<Overview>(
        &format!("/api/v1/overview/events?oneoff={oneoff}"),
        state,
        move |o| {
            if was_lost.get_untracked() {
                was_lost.set(false);
                recovered.set(true);
            }
            if let Some(m) = max_replicas {
                m.set(o.max_replicas);
            }
            if let Some(e) = engine_up {
                e.set(o.engine.connected);
            }
            data.set(o);
        },
    );
    Effect::new(move |_| {
        if state.get() == Stream::Lost {
            was_lost.set(true);
        }
    });
    view! {
        <p class="live muted" data-testid="live" data-state=move || format!("{:?}", state.get()).to_lowercase()>
            {move || match state.get() {
                Stream::Live => "● live",
                Stream::Connecting => "○ connecting…",
                Stream::Lost => "○ reconnecting…",
            }}
        </p>
        {move || (state.get() == Stream::Lost).then(|| view! {
            <div class="banner banner-warn" role="status">
                "Live updates from bosun are interrupted; reconnecting by itself. What you see may be out of date."
            </div>
        })}
        {move || recovered.get().then(|| view! {
            <div class="banner banner-info" role="status" data-testid="reconnected">
                "Live updates were interrupted for a while and are back; the list below is current again."
            </div>
        })}
        {move || data.with(engine_note)}
        {move || data.with(|o| {
            if o.projects.is_empty() && o.other.is_empty() {
                return view! { <p class="empty">"No containers on this host yet. Start a stack with docker compose up -d and it appears here by itself."</p> }.into_any();
            }
            view! {
                {o.projects.iter().cloned().map(|project| view! { <ProjectCard project /> }).collect_view()}
                {(!o.other.is_empty()).then(|| {
                    let other = crate::model::ProjectDto {
                        name: "Other".to_owned(),
                        working_dir: None,
                        config_files: None,
                        networks: Vec::new(),
                        services: vec![crate::model::ServiceDto {
                            name: "containers outside any compose project".to_owned(),
                            image: String::new(),
                            running: o.other.iter().filter(|c| c.state == crate::model::ContainerState::Running).count() as u32,
                            containers: o.other.clone(),
                            links: Vec::new(),
                            busy: None,
                            progress: None,
                            single_replica: None,
                            database: None,
                        }],
                    };
                    view! { <div class="other" data-testid="other"><ProjectCard project=other compose=false /></div> }.into_any()
                })}
            }.into_any()
        })}
    }
}

fn engine_note(o: &Overview) -> impl IntoView + use<> {
    let e = &o.engine;
    if let Some(since) = &e.disconnected_since {
        Some(view! {
            <div class="banner banner-error" role="alert" data-testid="engine-stale">
                {format!("The Docker engine is unreachable since {}. This is the last known state; bosun reconnects by itself and re-reads everything.", short_time(since))}
            </div>
        }.into_any())
    } else {
        e.last_outage.as_ref().map(|out| view! {
            <div class="banner banner-info" role="status" data-testid="engine-outage">
                {format!("The Docker engine was unreachable from {} to {}; everything was re-read when it came back.", short_time(&out.from), short_time(&out.to))}
            </div>
        }.into_any())
    }
}

/// The outcome of the last action, or its error with what to do next.
#[component]
fn ActionResult(c: StackCtx) -> impl IntoView {
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
