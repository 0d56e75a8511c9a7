//! Swarm services on the Services page, shown only when the engine is a Swarm manager:
//! tasks live from `/api/v1/swarm/events`, a replica control for operators.

use leptos::prelude::*;

use crate::api::swarm::{ScaleSwarmService, load_swarm};
use crate::components::error_view::ErrorView;
use crate::components::sse::{Stream, follow};
use crate::model::{SwarmDto, SwarmScaleReport, SwarmServiceDto, SwarmTaskDto};

#[derive(Clone, Copy)]
struct SwarmCtx {
    can_act: bool,
    act: ServerAction<ScaleSwarmService>,
    max: RwSignal<u32>,
    confirming: RwSignal<Option<String>>,
}

#[component]
pub fn SwarmSection(can_act: bool) -> impl IntoView {
    let first = crate::components::render_once::page_resource(|| (), |_| load_swarm());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match first.await {
                    Ok(dto) if dto.manager => view! { <Live first=dto can_act /> }.into_any(),
                    // Not a manager, or the engine is away (the page says so already).
                    _ => ().into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Live(first: SwarmDto, can_act: bool) -> impl IntoView {
    let c = SwarmCtx {
        can_act,
        act: ServerAction::<ScaleSwarmService>::new(),
        max: RwSignal::new(first.max_replicas),
        confirming: RwSignal::new(None),
    };
    let data = RwSignal::new(first);
    let state = RwSignal::new(Stream::Connecting);
    follow::<SwarmDto>("/api/v1/swarm/events", state, move |dto| {
        c.max.set(dto.max_replicas);
        data.set(dto);
    });
    view! {
        <section class="card project swarm" data-testid="swarm">
            <header class="project-head">
                <h2>"Swarm services"</h2>
                <span class="count muted">"this engine is a Swarm manager"</span>
            </header>
            {move || c.act.value().get().map(|r| match r {
                Ok(report) => view! { <div class="alert alert-ok" role="status" data-testid="swarm-result">{done(&report)}</div> }.into_any(),
                Err(error) => view! { <ErrorView error /> }.into_any(),
            })}
            {move || data.with(|d| {
                if d.services.is_empty() {
                    return view! { <p class="empty">"No Swarm services yet. Create one with docker service create or docker stack deploy."</p> }.into_any();
                }
                d.services.iter().cloned().map(|s| view! { <ServiceCard s c /> }).collect_view().into_any()
            })}
        </section>
    }
}

fn done(r: &SwarmScaleReport) -> String {
    let s = &r.service;
    let wanted = s.replicas.unwrap_or(0);
    if r.converged {
        format!(
            "Scaled {} to {wanted}: {} running ({:.1} s).",
            s.name,
            s.running,
            r.took_ms as f64 / 1000.0
        )
    } else {
        format!(
            "{} is set to {wanted} replicas; {} running after {:.0} s. Swarm keeps trying: watch its tasks below for errors.",
            s.name,
            s.running,
            r.took_ms as f64 / 1000.0
        )
    }
}

#[component]
fn ServiceCard(s: SwarmServiceDto, c: SwarmCtx) -> impl IntoView {
    let health = match s.replicas {
        Some(w) if s.running == w && w > 0 => "all-up",
        _ if s.running == 0 => "all-down",
        _ => "partly-up",
    };
    let count = match s.replicas {
        Some(w) => format!("{}/{w}", s.running),
        None => format!("{} ({})", s.running, s.mode),
    };
    let logs = format!("/logs?scope=w:{}", s.name);
    view! {
        <div class=format!("service {health}") data-swarm-service=s.name.clone() data-running=s.running.to_string()>
            <div class="service-head">
                <h3>{s.name.clone()}</h3>
                <span class="count">{count}</span>
                {s.stack.clone().map(|st| view! { <span class="badge" title="docker stack">{format!("stack {st}")}</span> })}
                <span class="muted image">{s.image.clone()}</span>
                {s.busy.clone().map(|b| view! { <span class="badge badge-busy" data-testid="busy">{b} "…"</span> })}
                <a class="badge badge-link" href=logs>"Logs"</a>
            </div>
            <super::updates::ServiceUpdates project=String::new() service=s.name.clone() update=s.update.clone() busy=s.busy.is_some() swarm=true />
            {(c.can_act && s.replicas.is_some()).then(|| view! { <ScaleSwarm name=s.name.clone() current=s.replicas.unwrap_or(0) c /> })}
            <ul class="containers">
                {s.tasks.into_iter().map(|t| view! { <TaskRow t /> }).collect_view()}
            </ul>
        </div>
    }
}

#[component]
fn TaskRow(t: SwarmTaskDto) -> impl IntoView {
    let state = match t.state.as_str() {
        "running" => "running",
        "failed" | "rejected" | "orphaned" => "dead",
        "shutdown" | "complete" | "remove" => "exited",
        _ => "created",
    };
    let slot = t.slot.map(|n| format!(".{n}")).unwrap_or_default();
    let node: String = t
        .node_id
        .clone()
        .unwrap_or_default()
        .chars()
        .take(12)
        .collect();
    let why = t.error.clone().or(t.message.clone()).unwrap_or_default();
    view! {
        <li class=format!("container state-{state}") data-task=t.id.clone() data-state=t.state.clone()>
            <span class="dot" aria-hidden="true"></span>
            <div class="c-main">
                <div class="c-name"><strong>{format!("task{slot}")}</strong> " " <span class="muted">{t.id.chars().take(12).collect::<String>()}</span></div>
                <div class="c-status">{format!("{} (wanted: {})", t.state, t.desired_state)} {(!why.is_empty()).then(|| format!(" · {why}"))}</div>
                <div class="c-meta muted">{format!("node {node}")}</div>
            </div>
        </li>
    }
}

#[component]
fn ScaleSwarm(name: String, current: u64, c: SwarmCtx) -> impl IntoView {
    let wanted = RwSignal::new(current.to_string());
    let key = format!("swarm:{name}");
    let asking = {
        let key = key.clone();
        move || c.confirming.get().as_deref() == Some(key.as_str())
    };
    let pending = {
        let name = name.clone();
        move || {
            c.act.pending().get()
                && c.act
                    .input()
                    .with(|i| i.as_ref().is_some_and(|i| i.service == name))
        }
    };
    let label = format!("Replicas of {name}");
    view! {
        <div class="row scale" data-testid="swarm-scale">
            <label class="scale-count">
                "Replicas "
                <input type="number" inputmode="numeric" min="0" max=move || c.max.get().to_string()
                    data-testid="replicas" aria-label=label
                    prop:value=move || wanted.get() on:input=move |ev| wanted.set(event_target_value(&ev)) />
            </label>
            <button class="small" data-action="scale" disabled=pending.clone()
                on:click=move |_| c.confirming.set(Some(key.clone()))>"Scale…"</button>
            {move || pending().then(|| view! { <span class="muted" role="status">"scaling…"</span> })}
        </div>
        {move || asking().then(|| {
            let name = name.clone();
            let to = wanted.get_untracked().trim().to_owned();
            let valid = to.parse::<u32>().is_ok_and(|n| n <= c.max.get_untracked());
            view! {
                <div class="confirm" role="alertdialog" data-testid="scale-plan">
                    {if valid {
                        format!("Set {name} from {current} to {to} replicas? Swarm starts or stops tasks to match.")
                    } else {
                        format!("Enter a whole number from 0 to {}.", c.max.get_untracked())
                    }}
                    " "
                    <button class="small primary" data-action="confirm-scale" disabled=!valid on:click=move |_| {
                        c.confirming.set(None);
                        c.act.dispatch(ScaleSwarmService { service: name.clone(), replicas: to.clone() });
                    }>"Scale"</button>
                    <button class="small" on:click=move |_| c.confirming.set(None)>"Cancel"</button>
                </div>
            }
        })}
    }
}
