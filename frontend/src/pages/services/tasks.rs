//! A service's runbook declarations that cannot be used, with the reason, in its opened row.
//! (The tasks it may run are in its actions menu.)

use leptos::prelude::*;

use super::ctx::ctx;

#[component]
pub fn TaskProblems(project: String, service: String) -> impl IntoView {
    let Some(c) = ctx().filter(|c| c.can_act) else {
        return ().into_any();
    };
    let problems: Vec<_> = c.tasks.with(|v| {
        v.problems
            .iter()
            .filter(|p| p.project == project && p.service == service)
            .cloned()
            .collect()
    });
    problems
        .into_iter()
        .map(|p| {
            view! {
                <p class="alert alert-error task-problem" data-testid="task-problem">
                    "Task " <code>{p.name}</code> {format!(" cannot be used: {}.", p.reason)}
                </p>
            }
        })
        .collect_view()
        .into_any()
}
