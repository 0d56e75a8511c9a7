//! The top of the home page: one line of counts, then what needs attention, live, each item
//! a link to the page where it is fixed; "All good" (and when that was checked) otherwise.

use leptos::prelude::*;

use crate::components::sse::{Stream, follow};
use crate::format::short_time;
use crate::model::attention::{AttentionView, Severity};

#[component]
pub fn AttentionPanel() -> impl IntoView {
    let data = RwSignal::new(None::<AttentionView>);
    let state = RwSignal::new(Stream::Connecting);
    follow::<AttentionView>("/api/v1/attention/events", state, move |v| {
        data.set(Some(v))
    });
    view! {
        <section class="attention" aria-labelledby="attention-title" data-testid="attention">
            {move || data.get().map_or_else(
                || view! { <p class="muted" data-testid="attention-checking">"Checking what needs attention…"</p> }.into_any(),
                |v| {
                    let c = v.counts.clone();
                    let counts = format!(
                        "{} projects · {} services · {} running · {} stopped · {} unhealthy · {} restarting",
                        c.projects, c.services, c.running, c.stopped, c.unhealthy, c.restarting
                    );
                    let checked = short_time(&v.checked_at);
                    view! {
                        <p class="counts" data-testid="counts">{counts}</p>
                        <h2 id="attention-title">"Needs attention"</h2>
                        {if v.items.is_empty() {
                            view! { <p class="all-good" data-testid="all-good">{format!("✓ All good (checked {checked})")}</p> }.into_any()
                        } else {
                            view! {
                                <ul class="attention-items">
                                    {v.items.into_iter().map(|i| {
                                        let severity = match i.severity {
                                            Severity::Critical => "critical",
                                            Severity::Warning => "warning",
                                        };
                                        view! {
                                            <li class=format!("attention-item {severity}") data-kind=i.kind.clone() data-testid="attention-item">
                                                <a href=i.href.clone()>{i.title.clone()}</a>
                                                <span class="muted">{format!(" — {}", i.detail)}</span>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    }.into_any()
                },
            )}
        </section>
    }
}
