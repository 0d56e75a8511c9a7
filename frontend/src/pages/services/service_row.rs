//! One service as a row of its project's table: a status dot, replicas, image, published
//! ports, CPU and memory over the last minutes, uptime, a Logs link and the actions menu.
//! The row opens to its containers, its links, its update and its tasks.

use leptos::prelude::*;

use super::container_row::ContainerRow;
use super::ctx::ctx;
use super::menu::{ActionsMenu, MenuInfo, StopConfirm};
use super::scale_control::{ScaleControl, ScaleInfo};
use super::shape::{Condition, published, span, up_since};
use super::stats::ServiceUsage;
use super::updates::ServiceUpdates;
use crate::components::icon::{Icon, lucide};
use crate::model::{CheckState, ContainerState, LinkDto, PortDto, ServiceDto};
use crate::pages::logs::encode;

#[component]
pub fn ServiceRow(project: String, service: ServiceDto, compose: bool) -> impl IntoView {
    let Some(c) = ctx() else { return ().into_any() };
    let key = format!("{project}/{}", service.name);
    let condition = Condition::of(&service);
    let total = service.containers.iter().filter(|s| !s.oneoff).count();
    let running_ids: Vec<String> = service
        .containers
        .iter()
        .filter(|c| c.state == ContainerState::Running)
        .map(|c| c.id.clone())
        .collect();
    let since = up_since(&service);
    let menu = compose.then(|| MenuInfo::new(&project, &service));
    let scale = compose.then(|| ScaleInfo::new(&project, &service));
    let update_badge = service
        .update
        .as_ref()
        .is_some_and(|u| u.check.state == CheckState::Available);
    let detail_id = format!("containers-of-{key}");
    let open = {
        let key = key.clone();
        move || c.expanded.with(|e| e.contains(&key))
    };
    let toggle = {
        let key = key.clone();
        move |_| {
            c.expanded.update(|e| {
                if !e.remove(&key) {
                    e.insert(key.clone());
                }
            });
            // Opened again: its history is read afresh.
            c.history.update(|m| {
                m.remove(&key);
            });
        }
    };
    let scaling = {
        let key = key.clone();
        move || c.scaling.get().as_deref() == Some(key.as_str())
    };
    let logs = format!(
        "/logs?scope=s:{}/{}",
        encode(&project),
        encode(&service.name)
    );
    let detail = {
        let open = open.clone();
        let (project, detail_id) = (project.clone(), detail_id.clone());
        let service = service.clone();
        move || {
            open().then(|| {
                let s = service.clone();
                view! {
                    <div class="svc-detail" id=detail_id.clone()>
                        {compose.then(|| view! {
                            <ServiceUpdates project=project.clone() service=s.name.clone() update=s.update.clone()
                                busy=s.busy.is_some() buttons=false />
                        })}
                        {compose.then(|| view! { <super::tasks::TaskProblems project=project.clone() service=s.name.clone() /> })}
                        {compose.then(|| view! { <super::history::ServiceHistory project=project.clone() service=s.name.clone() /> })}
                        <ul class="containers">
                            {s.containers.into_iter().map(|c| view! { <ContainerRow container=c /> }).collect_view()}
                        </ul>
                    </div>
                }
            })
        }
    };
    let progress = service.progress;
    view! {
        <li class=format!("svc {}", condition.class()) data-service=key.clone()
            data-running=service.running.to_string() data-condition=condition.words()>
            <div class="svc-row">
                <div class="svc-name">
                    <button class="disclose" data-toggle="service" aria-controls=detail_id
                        aria-expanded=move || open().to_string() on:click=toggle
                        title="Show its containers">
                        <span class="dot" aria-hidden="true"></span>
                        <span class="sr-only">{format!("{}: ", condition.words())}</span>
                        <span class="svc-title">{service.name.clone()}</span>
                    </button>
                    {service.busy.clone().map(|b| view! { <span class="badge badge-warn" data-testid="busy">{b} "…"</span> })}
                    {update_badge.then(|| view! { <span class="badge badge-info" data-testid="update-badge" title="Its registry has a newer build">"update"</span> })}
                </div>
                <div class="svc-replicas" title="Running / containers">
                    <span class="sr-only">"Replicas "</span>{format!("{}/{total}", service.running)}
                </div>
                <div class="svc-image" title=service.image.clone()><code>{service.image.clone()}</code></div>
                <div class="svc-ports">{ports(published(&service))} <Links links=service.links.clone() /></div>
                <ServiceUsage ids=running_ids />
                <div class="svc-up" title="Up since its longest-running container started">
                    {move || since.map(|t| span(c.now.get() - t))}
                </div>
                <div class="svc-actions">
                    <a class="icon-link" data-testid="service-logs" href=logs
                        aria-label=format!("Logs of {key}") title="Logs"><Icon svg=lucide::SCROLL_TEXT /></a>
                    {menu.map(|info| view! { <ActionsMenu info /> })}
                </div>
            </div>
            {progress.map(|p| view! {
                <progress class="progress" data-testid="progress" max=p.total.to_string() value=p.done.to_string()
                    aria-label=format!("{} of {} steps", p.done, p.total)></progress>
            })}
            <StopConfirm project=project.clone() service=service.name.clone() count=total />
            {move || scaling().then(|| scale.clone().map(|info| view! { <ScaleControl info /> }))}
            {detail}
        </li>
    }
    .into_any()
}

fn ports(list: Vec<PortDto>) -> impl IntoView {
    list.into_iter()
        .map(|p| {
            let text = match p.host_port {
                Some(h) if h == p.container_port => format!("{h}"),
                Some(h) => format!("{h}→{}", p.container_port),
                None => p.container_port.to_string(),
            };
            let text = if p.protocol == "tcp" { text } else { format!("{text}/{}", p.protocol) };
            match p.url {
                Some(url) => view! { <a class="port" href=url target="_blank" rel="noopener noreferrer">{text}</a> }.into_any(),
                None => view! { <span class="port">{text}</span> }.into_any(),
            }
        })
        .collect_view()
}

#[component]
fn Links(links: Vec<LinkDto>) -> impl IntoView {
    (!links.is_empty()).then(|| {
        view! {
            <span class="svc-links">
                {links.into_iter().map(|l| {
                    let state = match &l.check {
                        Some(c) if c.up => "up",
                        Some(_) => "down",
                        None => "unknown",
                    };
                    view! {
                        <a class=format!("badge badge-link link-{state}") href=l.url.clone() target="_blank" rel="noopener noreferrer" data-testid="service-link">
                            "↗ " {l.title.clone()}
                        </a>
                    }
                }).collect_view()}
            </span>
        }
    })
}
