//! The Services page's body, live: the overview replaced by each frame of the events stream,
//! with the stream's and the engine's state above it.

use std::collections::HashMap;

use leptos::prelude::*;

use super::ctx::ctx;
use super::fold;
use super::project_card::ProjectCard;
use super::shape::{Condition, finds};
use crate::components::sse::{Stream, follow};
use crate::format::short_time;
use crate::model::Overview;

/// The overview, replaced by each frame of the events stream.
#[component]
pub fn Live(first: Overview, oneoff: bool) -> impl IntoView {
    let ctx = ctx();
    let max_replicas = ctx.map(|c| c.max_replicas);
    let engine_up = ctx.map(|c| c.engine_up);
    let crowded = ctx.map(|c| c.crowded);
    if let Some(m) = max_replicas {
        m.set(first.max_replicas);
    }
    if let Some(e) = engine_up {
        e.set(first.engine.connected);
    }
    // Only a change is told: every card's folding reads it.
    let follow_crowd = move |o: &Overview| {
        let now = fold::crowded(o);
        if let Some(cr) = crowded.filter(|cr| cr.get_untracked() != now) {
            cr.set(now);
        }
    };
    follow_crowd(&first);
    // The stream starts with the next change: this page already shows `first`.
    let url = match first.revision.as_str() {
        "" => format!("/api/v1/overview/events?oneoff={oneoff}"),
        have => format!("/api/v1/overview/events?oneoff={oneoff}&have={have}"),
    };
    let data = RwSignal::new(first);
    let state = RwSignal::new(Stream::Connecting);
    let was_lost = RwSignal::new(false);
    let recovered = RwSignal::new(false);
    follow::<Overview>(&url, state, move |o| {
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
        follow_crowd(&o);
        data.set(o);
    });
    let order = Memo::new(move |_| data.with(order_of));
    let index = Memo::new(move |_| {
        data.with(|o| {
            o.projects
                .iter()
                .enumerate()
                .map(|(i, p)| (p.name.clone(), i))
                .collect::<HashMap<_, _>>()
        })
    });
    let other = Memo::new(move |_| data.with(other_group));
    // The filter found nothing anywhere.
    let nothing = ctx.map(|c| c.filter).map(|f| {
        move || {
            f.with(|q| {
                let found = |g: &crate::model::ProjectDto| g.services.iter().any(|s| finds(q, &g.name, s));
                // An empty host says so itself (below), whatever the filter holds.
                let empty_host = data.with(|o| o.projects.is_empty() && o.other.is_empty());
                let none = !empty_host
                    && data.with(|o| !o.projects.iter().any(found))
                    && other.with(|g| !g.as_ref().is_some_and(found));
                none.then(|| view! {
                    <p class="empty" data-testid="filter-empty">{format!("No service, container, image or port matches “{}”.", q.trim())}</p>
                })
            })
        }
    });
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
        {move || data.with(|o| (o.projects.is_empty() && o.other.is_empty()).then(|| view! {
            <p class="empty">"No containers on this host yet. Start a stack with docker compose up -d and it appears here by itself."</p>
        }))}
        <FoldNote data />
        {nothing}
        // Keyed by project: a frame redraws only the cards whose project changed.
        <For each=move || order.get() key=|name| name.clone() let:name>
            <ProjectSlot data index name />
        </For>
        {move || other.get().map(|other| view! { <div class="other" data-testid="other"><ProjectCard project=other compose=false /></div> })}
    }
}

/// Projects in trouble first; the engine's order (by name) otherwise.
fn order_of(o: &Overview) -> Vec<String> {
    let mut keyed: Vec<(std::cmp::Reverse<Condition>, usize, &str)> = o
        .projects
        .iter()
        .enumerate()
        .map(|(i, p)| {
            (
                std::cmp::Reverse(Condition::of_project(p)),
                i,
                p.name.as_str(),
            )
        })
        .collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, _, n)| n.to_owned()).collect()
}

/// One project's card, redrawn only when that project changed in a frame.
#[component]
fn ProjectSlot(
    data: RwSignal<Overview>,
    index: Memo<HashMap<String, usize>>,
    name: String,
) -> impl IntoView {
    let project = Memo::new(move |_| {
        let at = index.with(|ix| ix.get(&name).copied());
        data.with(|o| at.and_then(|i| o.projects.get(i)).cloned())
    });
    move || {
        project
            .get()
            .map(|project| view! { <ProjectCard project /> })
    }
}

/// On a crowded host: why the projects are folded, and both ways out at once.
#[component]
fn FoldNote(data: RwSignal<Overview>) -> impl IntoView {
    let Some(c) = ctx() else { return ().into_any() };
    let set_all = move |fold: bool| {
        data.with_untracked(|o| {
            c.folds
                .update(|f| f.set_all(o.projects.iter().map(|p| p.name.as_str()), fold));
        });
        c.folds.with_untracked(fold::save);
    };
    (move || {
        c.crowded.get().then(|| {
            let rows = data.with(fold::rows);
            view! {
                <p class="fold-note muted" data-testid="fold-note">
                    {format!("{rows} services on this host: projects start folded. Open one, or find a service with the filter. ")}
                    <button class="small" data-action="open-all" on:click=move |_| set_all(false)>"Open all"</button>
                    " "
                    <button class="small" data-action="fold-all" on:click=move |_| set_all(true)>"Fold all"</button>
                </p>
            }
        })
    })
    .into_any()
}

/// Containers outside any compose project, shown as one group without service actions.
fn other_group(o: &Overview) -> Option<crate::model::ProjectDto> {
    (!o.other.is_empty()).then(|| crate::model::ProjectDto {
        name: "Other".to_owned(),
        working_dir: None,
        config_files: None,
        networks: Vec::new(),
        services: vec![crate::model::ServiceDto {
            name: "containers outside any compose project".to_owned(),
            image: String::new(),
            running: o
                .other
                .iter()
                .filter(|c| c.state == crate::model::ContainerState::Running)
                .count() as u32,
            containers: o.other.clone(),
            links: Vec::new(),
            busy: None,
            progress: None,
            single_replica: None,
            database: None,
            update: None,
        }],
    })
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
