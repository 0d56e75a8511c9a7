//! A compose project as a card: a header that folds it (remembered in this browser), and its
//! services as a dense table, problems first, narrowed by the page's filter.

use leptos::prelude::*;

use super::ctx::ctx;
use super::service_row::ServiceRow;
use super::shape::{Condition, finds};
use crate::model::ProjectDto;

/// `compose: false` for the "Other" group, which has no service to act on as a whole.
#[component]
pub fn ProjectCard(project: ProjectDto, #[prop(default = true)] compose: bool) -> impl IntoView {
    let Some(c) = ctx() else { return ().into_any() };
    let running: u32 = project.services.iter().map(|s| s.running).sum();
    let total: usize = project.services.iter().map(|s| s.containers.len()).sum();
    let condition = Condition::of_project(&project);
    let troubled = project
        .services
        .iter()
        .filter(|s| Condition::of(s) == Condition::Failing)
        .count();
    let shared: Vec<_> = project
        .networks
        .iter()
        .filter(|n| !n.shared_with.is_empty())
        .cloned()
        .collect();
    let name = project.name.clone();
    let folded = {
        let name = name.clone();
        move || {
            c.folds.with(|f| f.is_folded(&name, c.crowded.get()))
                && c.filter.with(|q| q.trim().is_empty())
        }
    };
    let toggle = {
        let name = name.clone();
        move |_| {
            let crowded = c.crowded.get_untracked();
            c.folds.update(|f| f.toggle(&name, crowded));
            c.folds.with_untracked(super::fold::save);
        }
    };
    let mut services = project.services.clone();
    // Worst first; the engine's order (by name) within each condition.
    services.sort_by_key(|s| std::cmp::Reverse(Condition::of(s)));
    let list_id = format!("services-of-{}", name);
    let pname = name.clone();
    let body = {
        let folded = folded.clone();
        let list_id = list_id.clone();
        move || {
            if folded() {
                return ().into_any();
            }
            let shown: Vec<_> = c.filter.with(|q| {
                services
                    .iter()
                    .filter(|s| finds(q, &pname, s))
                    .cloned()
                    .collect()
            });
            view! {
                <div class="svc-cols" aria-hidden="true">
                    <span>"Service"</span><span>"Replicas"</span><span>"Image"</span><span>"Ports"</span>
                    <span>"CPU"</span><span>"Memory"</span><span>"Up"</span><span></span>
                </div>
                <ul class="svc-list" id=list_id.clone()>
                    {shown.into_iter().map(|s| {
                        let p = pname.clone();
                        view! { <ServiceRow project=p service=s compose /> }
                    }).collect_view()}
                </ul>
            }
            .into_any()
        }
    };
    let visible = {
        let name = name.clone();
        let all = project.services.clone();
        move || c.filter.with(|q| all.iter().any(|s| finds(q, &name, s)))
    };
    let open = folded.clone();
    view! {
        <section class=format!("card project {}", condition.class()) data-project=name.clone()
            data-condition=format!("{condition:?}").to_lowercase()
            style:display=move || (!visible()).then_some("none")>
            <header class="project-head">
                <h2>
                    <button class="disclose" data-toggle="project" aria-controls=list_id
                        aria-expanded=move || (!open()).to_string() on:click=toggle>
                        <span class="chevron" aria-hidden="true"></span>
                        {name.clone()}
                    </button>
                </h2>
                <span class="count">{format!("{running}/{total} running")}</span>
                {(troubled > 0).then(|| view! {
                    <span class="badge badge-error">{format!("{troubled} failing")}</span>
                })}
                {project.working_dir.clone().map(|d| view! { <code class="muted path" title=d.clone()>{d.clone()}</code> })}
                {compose.then(|| view! { <div class="compose"><super::compose_view::ComposeView project=name.clone() /></div> })}
            </header>
            {(!shared.is_empty()).then(|| view! {
                <p class="networks" data-testid="shared-networks">
                    {shared.into_iter().map(|n| view! {
                        <span class="badge badge-info" title="A network shared with other compose projects">
                            "⇄ " {n.name.clone()} " — shared with " {n.shared_with.join(", ")}
                        </span>
                    }).collect_view()}
                </p>
            })}
            {body}
        </section>
    }
    .into_any()
}
