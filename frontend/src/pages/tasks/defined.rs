//! Tasks defined by admins in bosun (for stacks whose compose file they cannot change): the
//! list, and a form with the fields of the labels.

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::api::tasks::{DefineTask, DeleteDefinedTask, defined_tasks};
use crate::components::error_view::ErrorView;
use crate::model::{DefinedTaskDto, NewDefinedTask};

#[component]
pub fn DefinedTasks() -> impl IntoView {
    let define = ServerAction::<DefineTask>::new();
    let delete = ServerAction::<DeleteDefinedTask>::new();
    let list = crate::components::render_once::page_resource(
        move || (define.version().get(), delete.version().get()),
        |_| defined_tasks(),
    );
    view! {
        <h2>"Tasks defined in bosun"</h2>
        <p class="muted">
            "For stacks whose compose file you cannot change: the same fields as the "
            <code>"bosun.task.NAME.*"</code>
            " labels. A label task of the same name wins."
        </p>
        {move || define.value().get().map(|r| match r {
            Ok(t) => view! { <div class="alert alert-ok" role="status">{format!("Saved the task {} of {}/{}.", t.name, t.project, t.service)}</div> }.into_any(),
            Err(error) => view! { <ErrorView error /> }.into_any(),
        })}
        {move || delete.value().get().and_then(Result::err).map(|error| view! { <ErrorView error /> })}
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(rows) => view! { <DefinedList rows delete /> }.into_any(),
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Transition>
        <DefineForm define />
    }
}

#[component]
fn DefinedList(
    rows: Vec<DefinedTaskDto>,
    delete: ServerAction<DeleteDefinedTask>,
) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="empty">"None yet."</p> }.into_any();
    }
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label="Table, scrolls sideways"><table data-testid="defined-tasks">
            <thead><tr><th>"Service"</th><th>"Task"</th><th>"Fields"</th><th>"By"</th><th></th></tr></thead>
            <tbody>
                {rows.into_iter().map(|t| {
                    let id = t.id.to_string();
                    let fields: Vec<String> = t.fields.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                    view! {
                        <tr data-defined=t.name.clone()>
                            <td>{format!("{}/{}", t.project, t.service)}</td>
                            <td>
                                <code>{t.name.clone()}</code>
                                {t.hidden_by_label.then(|| view! { " " <span class="badge badge-denied">"hidden by a label task"</span> })}
                            </td>
                            <td><ul class="plain">{fields.into_iter().map(|f| view! { <li><code>{f}</code></li> }).collect_view()}</ul></td>
                            <td>{t.created_by.clone()}</td>
                            <td><button class="small danger" on:click=move |_| { delete.dispatch(DeleteDefinedTask { id: id.clone() }); }>"Delete"</button></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table></div>
    }
    .into_any()
}

/// `NAME=PATTERN` lines as parameters.
fn params(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .filter(|(k, _)| !k.is_empty())
        .collect()
}

#[component]
fn DefineForm(define: ServerAction<DefineTask>) -> impl IntoView {
    let field = || RwSignal::new(String::new());
    let (project, service, name, command, title) = (field(), field(), field(), field(), field());
    let (user, workdir, timeout, param_lines) = (field(), field(), field(), field());
    let mode = RwSignal::new("exec".to_owned());
    let role = RwSignal::new("operator".to_owned());
    let confirm = RwSignal::new(false);
    let some = |s: RwSignal<String>| Some(s.get_untracked()).filter(|v| !v.trim().is_empty());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        define.dispatch(DefineTask {
            task: NewDefinedTask {
                project: project.get_untracked(),
                service: service.get_untracked(),
                name: name.get_untracked(),
                command: command.get_untracked(),
                title: some(title),
                description: None,
                mode: Some(mode.get_untracked()),
                role: Some(role.get_untracked()),
                confirm: Some(confirm.get_untracked()),
                user: some(user),
                workdir: some(workdir),
                timeout: some(timeout),
                params: params(&param_lines.get_untracked()),
            },
        });
    };
    let text = |label: &'static str, value: RwSignal<String>, hint: &'static str| {
        view! {
            <label>{label}
                <input type="text" placeholder=hint autocomplete="off" spellcheck="false"
                    prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
            </label>
        }
    };
    view! {
        <details class="define-task">
            <summary>"Define a task…"</summary>
            <form class="stack" on:submit=submit>
                {text("Project", project, "shop")}
                {text("Service", service, "web")}
                {text("Name", name, "migrate")}
                {text("Command", command, "python manage.py migrate --noinput, or [\"a\", \"b\"]")}
                {text("Title", title, "Apply database migrations")}
                <label>"Mode"
                    <select prop:value=move || mode.get() on:change=move |ev| mode.set(event_target_value(&ev))>
                        <option value="exec">"exec: in the running container"</option>
                        <option value="run">"run: in a one-off copy, removed afterwards"</option>
                    </select>
                </label>
                <label>"Role"
                    <select prop:value=move || role.get() on:change=move |ev| role.set(event_target_value(&ev))>
                        <option value="operator">"operator"</option>
                        <option value="admin">"admin"</option>
                    </select>
                </label>
                <label class="inline-check">
                    <input type="checkbox" prop:checked=move || confirm.get() on:change=move |ev| confirm.set(event_target_checked(&ev)) />
                    "Ask to type the task's name before it runs"
                </label>
                {text("User", user, "0, or www-data")}
                {text("Working directory", workdir, "/app")}
                {text("Timeout", timeout, "30m")}
                <label>"Parameters (one NAME=PATTERN a line)"
                    <textarea rows="3" placeholder="path=[A-Za-z0-9_./-]{1,200}"
                        prop:value=move || param_lines.get() on:input=move |ev| param_lines.set(event_target_value(&ev))></textarea>
                </label>
                <button type="submit" class="primary" disabled=move || define.pending().get()>"Save task"</button>
            </form>
        </details>
    }
}
