//! The Services page's body, live: the overview replaced by each frame of the events stream,
//! with the stream's and the engine's state above it.

use leptos::prelude::*;

use super::ctx::ctx;
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
            // Projects in trouble first; the engine's order (by name) otherwise.
            let mut projects = o.projects.clone();
            projects.sort_by_key(|p| std::cmp::Reverse(Condition::of_project(p)));
            let other = other_group(o);
            let nothing = ctx.map(|c| c.filter).map(|f| {
                let every: Vec<(String, crate::model::ServiceDto)> = projects
                    .iter()
                    .chain(other.iter())
                    .flat_map(|p| p.services.iter().map(|s| (p.name.clone(), s.clone())))
                    .collect();
                move || f.with(|q| {
                    let none = !every.iter().any(|(p, s)| finds(q, p, s));
                    none.then(|| view! {
                        <p class="empty" data-testid="filter-empty">{format!("No service, container, image or port matches “{}”.", q.trim())}</p>
                    })
                })
            });
            view! {
                {nothing}
                {projects.into_iter().map(|project| view! { <ProjectCard project /> }).collect_view()}
                {other.map(|other| view! { <div class="other" data-testid="other"><ProjectCard project=other compose=false /></div> })}
            }.into_any()
        })}
    }
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
