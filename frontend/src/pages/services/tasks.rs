//! A service's runbook tasks on its card: a button per task the user may run (opening the
//! task dialog), and the declarations that cannot be used, with the reason.

use leptos::prelude::*;

use super::ctx::ctx;
use crate::pages::tasks::ctx::Opened;

#[component]
pub fn ServiceTasks(project: String, service: String) -> impl IntoView {
    let Some(c) = ctx().filter(|c| c.can_act) else {
        return ().into_any();
    };
    let this = move |p: &str, s: &str| p == project && s == service;
    let (tasks, problems) = c.tasks.with(|v| {
        (
            v.tasks
                .iter()
                .filter(|t| this(&t.project, &t.service))
                .cloned()
                .collect::<Vec<_>>(),
            v.problems
                .iter()
                .filter(|p| this(&p.project, &p.service))
                .cloned()
                .collect::<Vec<_>>(),
        )
    });
    if tasks.is_empty() && problems.is_empty() {
        return ().into_any();
    }
    view! {
        {(!tasks.is_empty()).then(|| view! {
            <div class="row tasks" data-testid="service-tasks">
                <span class="muted">"Tasks"</span>
                {tasks.into_iter().map(|t| {
                    let name = t.name.clone();
                    let title = t.title.clone();
                    view! {
                        <button class="small" data-task=name title=t.description.clone().unwrap_or_default()
                            on:click=move |_| c.task_dialog.set(Opened::task(t.clone()))>
                            "▶ " {title}
                        </button>
                    }
                }).collect_view()}
            </div>
        })}
        {problems.into_iter().map(|p| view! {
            <p class="alert alert-error task-problem" data-testid="task-problem">
                "Task " <code>{p.name}</code> {format!(" cannot be used: {}.", p.reason)}
            </p>
        }).collect_view()}
    }
    .into_any()
}
