//! Links: the stack's own monitors on one page, each checked by bosun.

use leptos::prelude::*;

use crate::api::links::links;
use crate::components::error_view::ErrorView;
use crate::model::{LinkDto, LinkSource};

#[component]
pub fn LinksPage() -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let list = crate::components::render_once::page_resource(move || refresh.get(), |_| links());
    view! {
        <section class="page">
            <div class="page-head">
                <h1>"Links"</h1>
                <button class="small" data-testid="recheck" on:click=move |_| refresh.update(|n| *n += 1)>"Check again"</button>
            </div>
            <p class="muted">
                "Monitors of your stacks: services labelled " <code>"bosun.link.url"</code> " / " <code>"bosun.link.title"</code>
                ", and Celery Flower, Grafana, RabbitMQ management, InfluxDB, pgAdmin and Prometheus found by image and published port. bosun checks each one from the server."
            </p>
            <Transition fallback=|| view! { <p class="loading">"Checking…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(links) if links.is_empty() => view! {
                            <p class="empty">
                                "No monitors found. Add a label to a service, for example "
                                <code>"bosun.link.url: \"http://{host}:{port:5555}/\""</code>
                                " and " <code>"bosun.link.title: Flower"</code> ", then recreate it."
                            </p>
                        }.into_any(),
                        Ok(links) => view! {
                            <ul class="links" data-testid="links">
                                {links.into_iter().map(|l| view! { <LinkItem link=l /> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn LinkItem(link: LinkDto) -> impl IntoView {
    let (state, detail) = match &link.check {
        Some(c) if c.up => (
            "up",
            format!("up · HTTP {} in {} ms", c.status.unwrap_or(0), c.took_ms),
        ),
        Some(c) => (
            "down",
            format!(
                "down · {}",
                c.error
                    .clone()
                    .or_else(|| c.status.map(|s| format!("HTTP {s}")))
                    .unwrap_or_default()
            ),
        ),
        None => ("unknown", "not checked".to_owned()),
    };
    let checked = link
        .check
        .as_ref()
        .map(|c| format!("checked {}", crate::format::short_time(&c.checked_at)))
        .unwrap_or_default();
    let whence = match (&link.project, &link.service) {
        (Some(p), Some(s)) => format!("{p}/{s}"),
        _ => String::new(),
    };
    let source = match link.source {
        LinkSource::Label => "label",
        LinkSource::Detected => "detected",
    };
    view! {
        <li class=format!("card link link-{state}") data-link=link.title.clone() data-state=state>
            <a href=link.url.clone() target="_blank" rel="noopener noreferrer" class="link-title">{link.title.clone()}</a>
            <div class="muted">{whence} " · " {source} " · " <code>{link.url.clone()}</code></div>
            <div><span class=format!("badge link-state-{state}")>{detail}</span> " " <small class="muted">{checked}</small></div>
        </li>
    }
}
