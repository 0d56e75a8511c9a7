//! A compose project as a card: its services with their buttons, links and replica control,
//! and their containers as rows.

use leptos::prelude::*;

use super::container_row::ContainerRow;
use super::ctx::{ENGINE_AWAY, ctx};
use super::scale_control::{ScaleControl, ScaleInfo};
use super::tasks::ServiceTasks;
use super::updates::ServiceUpdates;
use crate::api::services::ActOnService;
use crate::model::{LinkDto, ProjectDto, ServiceDto};
use crate::pages::logs::encode;

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
            {compose.then(|| view! { <div class="compose"><super::compose_view::ComposeView project=project.name.clone() /></div> })}
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
    let update = service.update.clone();
    let busy = service.busy.is_some();
    view! {
        <div class=format!("service {health}") data-service=key.clone() data-running=service.running.to_string()>
            <div class="service-head">
                <h3>{service.name.clone()}</h3>
                <span class="count">{format!("{}/{total}", service.running)}</span>
                <span class="muted image">{service.image.clone()}</span>
                {service.busy.clone().map(|b| view! { <span class="pill pill-busy" data-testid="busy">{b} "…"</span> })}
                <Links links=service.links.clone() />
                <a class="button small" data-testid="service-logs"
                    href=format!("/logs?scope=s:{}/{}", encode(&project), encode(&service.name))>"Logs"</a>
            </div>
            {progress.map(|p| view! {
                <progress class="progress" data-testid="progress" max=p.total.to_string() value=p.done.to_string()
                    aria-label=format!("{} of {} steps", p.done, p.total)></progress>
            })}
            {compose.then(|| view! { <ServiceUpdates project=project.clone() service=service.name.clone() update busy /> })}
            {compose.then(|| view! { <ServiceButtons project=project.clone() service=service.name.clone() count=total /> })}
            {scale.map(|info| view! { <ScaleControl info /> })}
            {compose.then(|| view! { <ServiceTasks project=project.clone() service=service.name.clone() /> })}
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
