//! One container as a row of a service card: state, status, ports, usage, and its own
//! Start / Stop / Restart.

use leptos::prelude::*;

use super::ctx::{ENGINE_AWAY, ctx};
use super::stats::Usage;
use crate::api::services::ActOnContainer;
use crate::model::ContainerDto;

#[component]
pub fn ContainerRow(container: ContainerDto) -> impl IntoView {
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
                    {container.oneoff.then_some(view! { <span class="badge">"one-off"</span> })}
                    " " <a class="small" href=format!("/containers/{}", container.name) data-testid="details-link"
                        aria-label=format!("Details of {}", container.name)>"Details"</a>
                </div>
                <div class="c-status" data-testid="status">
                    {container.status.clone()}
                    {(container.restart_count > 0).then(|| format!(" · {} restarts", container.restart_count))}
                    {container.oom_killed.then_some(" · killed: out of memory")}
                </div>
                <div class="c-meta muted">{container.image.clone()} " " {ports}</div>
            </div>
            {health.map(|h| view! { <span class=format!("badge health-{h}")>{h}</span> })}
            <Usage id=id.clone() />
            <ContainerButtons id name=container.name.clone() running=container.state.as_str() == "running" />
        </li>
    }
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
