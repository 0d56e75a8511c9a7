//! A task's form: what it runs and where, a field per parameter (its pattern beside it), the
//! name to type when it asks for confirmation, and the Run button.

use std::collections::BTreeMap;

use leptos::prelude::*;

use super::ctx::{Opened, argv_text};
use crate::api::tasks::RunTask;
use crate::components::error_view::ErrorView;
use crate::model::{TaskDto, TaskMode};

#[component]
pub fn RunForm(task: TaskDto, open: RwSignal<Opened>) -> impl IntoView {
    let run = ServerAction::<RunTask>::new();
    let values: Vec<(String, String, RwSignal<String>)> = task
        .params
        .iter()
        .map(|p| {
            (
                p.name.clone(),
                p.pattern.clone(),
                RwSignal::new(String::new()),
            )
        })
        .collect();
    let confirm = RwSignal::new(String::new());
    let keep = open;
    let started_task = task.clone();
    Effect::new(move |_| {
        if let Some(Ok(started)) = run.value().get() {
            keep.set(Opened {
                task: Some(started_task.clone()),
                run: Some(started.id),
            });
        }
    });
    let submit = {
        let (task, values) = (task.clone(), values.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let params: BTreeMap<String, String> = values
                .iter()
                .map(|(name, _, v)| (name.clone(), v.get_untracked()))
                .collect();
            run.dispatch(RunTask {
                project: task.project.clone(),
                service: task.service.clone(),
                name: task.name.clone(),
                params,
                confirm: task.confirm.then(|| confirm.get_untracked()),
            });
        }
    };
    let place = match task.mode {
        TaskMode::Exec => format!("in the running container of {} (exec)", task.service),
        TaskMode::Run => format!(
            "in a new one-off container copied from {}, removed afterwards (run)",
            task.service
        ),
    };
    let timeout = if task.timeout_secs.is_multiple_of(60) {
        format!("{} min", task.timeout_secs / 60)
    } else {
        format!("{} s", task.timeout_secs)
    };
    let name = task.name.clone();
    view! {
        <form class="stack task-form" data-testid="task-form" data-task=task.name.clone() on:submit=submit>
            {task.description.clone().map(|d| view! { <p class="muted">{d}</p> })}
            <p class="argv"><code data-testid="task-command">{argv_text(&task.command)}</code></p>
            <p class="muted">{format!("Runs {place}; stopped after {timeout}; for the {} role and above.", task.role)}</p>
            {task.hides_defined.then(|| view! {
                <p class="muted">"A task of the same name defined in bosun is hidden: this label task wins."</p>
            })}
            {values.into_iter().map(|(name, pattern, value)| view! {
                <label>
                    {name.clone()}
                    <input type="text" data-param=name.clone() autocomplete="off" spellcheck="false"
                        prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
                    <span class="muted hint">"must match " <code>{pattern}</code></span>
                </label>
            }).collect_view()}
            {task.confirm.then(|| view! {
                <label class="warn">
                    <span>"This task asks for confirmation: type " <code>{name.clone()}</code> " to run it."</span>
                    <input type="text" data-testid="task-confirm" autocomplete="off"
                        prop:value=move || confirm.get() on:input=move |ev| confirm.set(event_target_value(&ev)) />
                </label>
            })}
            <div class="row">
                <button type="submit" class="primary" data-action="run-task" disabled=move || run.pending().get()>"Run"</button>
                {move || run.pending().get().then(|| view! { <span class="muted" role="status">"starting…"</span> })}
            </div>
            {move || run.value().get().and_then(Result::err).map(|error| view! { <ErrorView error /> })}
        </form>
    }
}
