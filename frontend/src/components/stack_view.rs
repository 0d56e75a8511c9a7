//! Projects, services and containers as cards: the body of the Services page.

use std::collections::HashMap;

use leptos::prelude::*;

use crate::api::stacks::{ActOnContainer, ActOnService, ScaleService};
use crate::components::scale_control::{ScaleControl, ScaleInfo};
use crate::components::sparkline::Sparkline;
use crate::model::{ContainerDto, ContainerStats, LinkDto, ProjectDto, ServiceDto};

/// Samples a sparkline holds (the server keeps the same).
pub const HISTORY: usize = 180;

/// What every card needs from the page.
#[derive(Clone, Copy)]
pub struct StackCtx {
    pub can_act: bool,
    pub stats: RwSignal<HashMap<String, ContainerStats>>,
    pub service_act: ServerAction<ActOnService>,
    pub container_act: ServerAction<ActOnContainer>,
    pub scale_act: ServerAction<ScaleService>,
    /// The most replicas a service may have (from the server's settings).
    pub max_replicas: RwSignal<u32>,
    /// The target whose stop (or scale plan) waits for confirmation.
    pub confirming: RwSignal<Option<String>>,
    /// bosun's own connection to the engine: while it is down, no action is offered.
    pub engine_up: RwSignal<bool>,
}

/// Why the action buttons are greyed out, while they are.
const ENGINE_AWAY: &str =
    "The Docker engine is unreachable; actions come back when bosun has reconnected.";

fn ctx() -> Option<StackCtx> {
    use_context::<StackCtx>()
}

/// `compose: false` for the "Other" group, which has no service to act on as a whole.
#[component]
pub fn ProjectCard(project: ProjectDto, #[prop(default = true)] compose: bool) -> impl IntoView {
    let running: u32 = project.services.iter().map(|s| s.running).sum();
    let total: usize = project.services.iter().map(|s| s.containers.len()).sum();
    let shared: Vec<_> = project
        .networks
        .iter()
        .filter(|n| !n.shared_with.is_empty())
        .cloned()
        .collect();
    view! {
        <section class="card project" data-project=project.name.clone()>
            <header class="project-head">
                <h2>{project.name.clone()}</h2>
                <span class="count">{format!("{running}/{total} running")}</span>
                {project.working_dir.clone().map(|d| view! { <code class="muted path">{d}</code> })}
            </header>
            {(!shared.is_empty()).then(|| view! {
                <p class="networks" data-testid="shared-networks">
                    {shared.into_iter().map(|n| view! {
                        <span class="pill pill-net" title="A network shared with other compose projects">
                            "⇄ " {n.name.clone()} " — shared with " {n.shared_with.join(", ")}
                        </span>
                    }).collect_view()}
                </p>
            })}
            {project.services.into_iter().map(|s| {
                let p = project.name.clone();
                view! { <ServiceBlock project=p service=s compose /> }
            }).collect_view()}
        </section>
    }
    .into_any()
}

#[component]
fn ServiceBlock(project: String, service: ServiceDto, compose: bool) -> impl IntoView {
    let key = format!("{project}/{}", service.name);
    let total = service.containers.len();
    let health = if service.running as usize == total && total > 0 {
        "all-up"
    } else if service.running == 0 {
        "all-down"
    } else {
        "partly-up"
    };
    let scale = compose.then(|| ScaleInfo::new(&project, &service));
    let progress = service.progress;
    view! {
        <div class=format!("service {health}") data-service=key.clone() data-running=service.running.to_string()>
            <div class="service-head">
                <h3>{service.name.clone()}</h3>
                <span class="count">{format!("{}/{total}", service.running)}</span>
                <span class="muted image">{service.image.clone()}</span>
                {service.busy.clone().map(|b| view! { <span class="pill pill-busy" data-testid="busy">{b} "…"</span> })}
                <Links links=service.links.clone() />
            </div>
            {progress.map(|p| view! {
                <progress class="progress" data-testid="progress" max=p.total.to_string() value=p.done.to_string()
                    aria-label=format!("{} of {} steps", p.done, p.total)></progress>
            })}
            {compose.then(|| view! { <ServiceButtons project=project.clone() service=service.name.clone() count=total /> })}
            {scale.map(|info| view! { <ScaleControl info /> })}
            <ul class="containers">
                {service.containers.into_iter().map(|c| view! { <ContainerRow container=c /> }).collect_view()}
            </ul>
        </div>
    }
    .into_any()
}

#[component]
fn Links(links: Vec<LinkDto>) -> impl IntoView {
    links
        .into_iter()
        .map(|l| {
            let state = match &l.check {
                Some(c) if c.up => "up",
                Some(_) => "down",
                None => "unknown",
            };
            view! {
                <a class=format!("pill pill-link link-{state}") href=l.url.clone() target="_blank" rel="noopener noreferrer" data-testid="service-link">
                    "↗ " {l.title.clone()}
                </a>
            }
        })
        .collect_view()
}

/// Start / Stop / Restart, with an inline confirmation for Stop.
#[component]
fn ServiceButtons(project: String, service: String, count: usize) -> impl IntoView {
    let Some(c) = ctx().filter(|c| c.can_act) else {
        return ().into_any();
    };
    let key = format!("{project}/{service}");
    let pending = {
        let key = key.clone();
        move || {
            c.service_act.pending().get()
                && c.service_act.input().with(|i| {
                    i.as_ref()
                        .is_some_and(|i| format!("{}/{}", i.project, i.service) == key)
                })
        }
    };
    let run = {
        let (project, service) = (project.clone(), service.clone());
        move |action: &'static str| {
            c.confirming.set(None);
            c.service_act.dispatch(ActOnService {
                project: project.clone(),
                service: service.clone(),
                action: action.to_owned(),
            });
        }
    };
    let confirm_key = key.clone();
    let asking = move || c.confirming.get().as_deref() == Some(confirm_key.as_str());
    let (run2, run3, ask_key) = (run.clone(), run.clone(), key.clone());
    let off = {
        let pending = pending.clone();
        move || pending() || !c.engine_up.get()
    };
    let why = move || (!c.engine_up.get()).then_some(ENGINE_AWAY);
    view! {
        <div class="row buttons">
            <button class="small" data-action="start" disabled=off.clone() title=why on:click=move |_| run("start")>"Start"</button>
            <button class="small" data-action="restart" disabled=off.clone() title=why on:click=move |_| run2("restart")>"Restart"</button>
            <button class="small danger" data-action="stop" disabled=off title=why on:click=move |_| c.confirming.set(Some(ask_key.clone()))>"Stop"</button>
            {move || pending().then(|| view! { <span class="muted" role="status">"working…"</span> })}
        </div>
        {move || asking().then(|| {
            let run = run3.clone();
            view! {
                <div class="confirm" role="alertdialog" data-testid="confirm-stop">
                    {format!("Stop {key}? Its {count} container(s) stop; anything using them loses them until started again. ")}
                    <button class="small danger" data-action="confirm-stop" on:click=move |_| run("stop")>"Stop"</button>
                    <button class="small" on:click=move |_| c.confirming.set(None)>"Cancel"</button>
                </div>
            }
        })}
    }
    .into_any()
}

#[component]
fn ContainerRow(container: ContainerDto) -> impl IntoView {
    let state = container.state.as_str();
    let id = container.id.clone();
    let number = container
        .number
        .map(|n| format!("#{n}"))
        .unwrap_or_default();
    let ports = container
        .ports
        .iter()
        .filter_map(|p| {
            let text = format!("{}→{}/{}", p.host_port?, p.container_port, p.protocol);
            Some(match &p.url {
                Some(url) => view! { <a class="port" href=url.clone() target="_blank" rel="noopener noreferrer">{text}</a> }.into_any(),
                None => view! { <span class="port">{text}</span> }.into_any(),
            })
        })
        .collect_view();
    let health = container.health.map(|h| h.as_str());
    view! {
        <li class=format!("container state-{state}") data-container=container.name.clone() data-state=state>
            <span class="dot" aria-hidden="true"></span>
            <div class="c-main">
                <div class="c-name">
                    <strong>{container.name.clone()}</strong>
                    " " <span class="muted">{number}</span>
                    {container.oneoff.then_some(view! { <span class="pill">"one-off"</span> })}
                </div>
                <div class="c-status" data-testid="status">
                    {container.status.clone()}
                    {(container.restart_count > 0).then(|| format!(" · {} restarts", container.restart_count))}
                    {container.oom_killed.then_some(" · killed: out of memory")}
                </div>
                <div class="c-meta muted">{container.image.clone()} " " {ports}</div>
            </div>
            {health.map(|h| view! { <span class=format!("pill health-{h}")>{h}</span> })}
            <Usage id=id.clone() />
            <ContainerButtons id name=container.name.clone() running=container.state.as_str() == "running" />
        </li>
    }
    .into_any()
}

/// CPU and memory sparklines with the latest figures, from the stats stream.
#[component]
fn Usage(id: String) -> impl IntoView {
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

#[component]
fn ContainerButtons(id: String, name: String, running: bool) -> impl IntoView {
    let Some(c) = ctx().filter(|c| c.can_act) else {
        return ().into_any();
    };
    let key = format!("container:{id}");
    let run = {
        let id = id.clone();
        move |action: &'static str| {
            c.confirming.set(None);
            c.container_act.dispatch(ActOnContainer {
                container: id.clone(),
                action: action.to_owned(),
            });
        }
    };
    let ask_key = key.clone();
    let asking = move || c.confirming.get().as_deref() == Some(key.as_str());
    let (run2, run3) = (run.clone(), run.clone());
    let off = move || !c.engine_up.get();
    let why = move || off().then_some(ENGINE_AWAY);
    view! {
        <div class="row buttons c-buttons">
            {if running {
                view! {
                    <button class="small" data-action="restart" disabled=off title=why on:click=move |_| run2("restart")>"Restart"</button>
                    <button class="small danger" data-action="stop" disabled=off title=why on:click=move |_| c.confirming.set(Some(ask_key.clone()))>"Stop"</button>
                }.into_any()
            } else {
                view! { <button class="small" data-action="start" disabled=off title=why on:click=move |_| run("start")>"Start"</button> }.into_any()
            }}
        </div>
        {move || asking().then(|| {
            let run = run3.clone();
            let name = name.clone();
            view! {
                <div class="confirm" role="alertdialog" data-testid="confirm-stop">
                    {format!("Stop {name}? ")}
                    <button class="small danger" data-action="confirm-stop" on:click=move |_| run("stop")>"Stop"</button>
                    <button class="small" on:click=move |_| c.confirming.set(None)>"Cancel"</button>
                </div>
            }
        })}
    }
    .into_any()
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
