//! Runs as a table, newest first; each opens in the task dialog.

use leptos::prelude::*;

use super::ctx::Opened;
use super::run_panel::{duration, status_class};
use crate::format::short_time;
use crate::model::TaskRunDto;

#[component]
pub fn RunTable(runs: Vec<TaskRunDto>, open: RwSignal<Opened>) -> impl IntoView {
    if runs.is_empty() {
        return view! { <p class="empty">"No runs yet."</p> }.into_any();
    }
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label="Table, scrolls sideways"><table class="runs" data-testid="task-runs">
            <thead><tr>
                <th>"Run"</th><th>"Task"</th><th>"Service"</th><th>"Status"</th><th>"Exit"</th>
                <th>"Started"</th><th>"Took"</th><th>"By"</th><th></th>
            </tr></thead>
            <tbody>
                {runs.into_iter().map(|r| {
                    let id = r.id;
                    view! {
                        <tr data-run=id.to_string() data-status=r.status.as_str()>
                            <td>{format!("#{id}")}</td>
                            <td><code>{r.task.clone()}</code></td>
                            <td>{format!("{}/{}", r.project, r.service)}</td>
                            <td><span class=status_class(r.status)>{r.status.title()}</span></td>
                            <td>{r.exit_code.map(|c| c.to_string()).unwrap_or_default()}</td>
                            <td>{short_time(&r.started_at)}</td>
                            <td>{r.duration_ms.map(duration).unwrap_or_default()}</td>
                            <td>{r.by.clone()}</td>
                            <td><button class="small" data-action="open-run" on:click=move |_| open.set(Opened::run(id))>"Output"</button></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table></div>
    }
    .into_any()
}
