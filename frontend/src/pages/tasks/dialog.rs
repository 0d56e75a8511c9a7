//! The task dialog: a panel over the page with a task's form, then its run's live output.
//! It sits outside the live-updated lists, so what is typed and shown stays put while they
//! change.

use leptos::prelude::*;

use super::ctx::Opened;
use super::run_form::RunForm;
use super::run_panel::RunPanel;

#[component]
pub fn TaskDialog(open: RwSignal<Opened>) -> impl IntoView {
    move || {
        let o = open.get();
        if !o.is_open() {
            return ().into_any();
        }
        let title = match (&o.task, o.run) {
            (Some(t), _) => format!("{} — {}/{}", t.title, t.project, t.service),
            (None, Some(id)) => format!("Run #{id}"),
            (None, None) => String::new(),
        };
        let label = title.clone();
        let again = o.task.clone().filter(|_| o.run.is_some());
        view! {
            <section class="task-dialog" role="dialog" aria-label=label data-testid="task-dialog">
                <header class="task-dialog-head">
                    <h2>{title}</h2>
                    {again.map(|t| view! {
                        <button class="small" data-action="run-again" on:click=move |_| open.set(Opened::task(t.clone()))>"Run again…"</button>
                    })}
                    <button class="small" data-action="close-task" on:click=move |_| open.set(Opened::default())>"Close"</button>
                </header>
                {match (o.task, o.run) {
                    (_, Some(id)) => view! { <RunPanel id /> }.into_any(),
                    (Some(task), None) => view! { <RunForm task open /> }.into_any(),
                    (None, None) => ().into_any(),
                }}
            </section>
        }
        .into_any()
    }
}
