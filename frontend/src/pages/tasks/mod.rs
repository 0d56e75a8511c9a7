//! Tasks (the Runbook): every task on the host the user's role may run, grouped by service,
//! each with its form and its history; declarations that cannot be used; the latest runs;
//! for admins, the tasks defined in bosun.

pub mod ctx;
mod defined;
pub mod dialog;
mod history;
mod run_form;
mod run_panel;

use leptos::prelude::*;

use self::ctx::Opened;
use self::defined::DefinedTasks;
use self::dialog::TaskDialog;
use self::history::RunTable;
use crate::api::tasks::{load_tasks, task_history};
use crate::components::error_view::ErrorView;
use crate::components::shell::CurrentUser;
use crate::model::{Role, TaskDto, TaskProblem, TasksView};

#[component]
pub fn TasksPage() -> impl IntoView {
    let admin = use_context::<CurrentUser>().is_some_and(|u| u.0.role.allows(Role::Admin));
    let open = RwSignal::new(Opened::default());
    // Read again when the dialog closes: new runs show in the lists.
    let closed = RwSignal::new(0u32);
    Effect::new(move |was_open: Option<bool>| {
        let now = open.with(Opened::is_open);
        if was_open == Some(true) && !now {
            closed.update(|n| *n += 1);
        }
        now
    });
    let history_of = RwSignal::new(None::<TaskDto>);
    let data =
        crate::components::render_once::page_resource(move || closed.get(), |_| load_tasks());
    view! {
        <section class="page">
            <div class="page-head"><h1>"Tasks"</h1></div>
            <p class="muted">
                "The stack's maintenance commands as named tasks, declared with "
                <code>"bosun.task.NAME.*"</code>
                " labels on a service or defined here by admins. A task's command is an argument list that never meets a shell; every run is kept and audited."
            </p>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(view) => view! { <Body view open history_of /> }.into_any(),
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                    }
                })}
            </Transition>
            // Each part type-erased: the page's view type stays shallow enough to compile.
            {view! { <History history_of open /> }.into_any()}
            {admin.then(|| view! { <DefinedTasks /> }.into_any())}
            {view! { <TaskDialog open /> }.into_any()}
        </section>
    }
}

#[component]
fn Body(
    view: TasksView,
    open: RwSignal<Opened>,
    history_of: RwSignal<Option<TaskDto>>,
) -> impl IntoView {
    let TasksView {
        tasks,
        problems,
        runs,
    } = view;
    view! {
        {tasks.is_empty().then(|| view! {
            <p class="empty">
                "No tasks you may run on this host. Declare one on a service with the label "
                <code>"bosun.task.NAME.command"</code>
                " and bring the service up again."
            </p>
        })}
        <div class="task-list">
            {tasks.into_iter().map(|t| view! { <TaskCard task=t open history_of /> }).collect_view()}
        </div>
        <Problems problems />
        <h2>"Latest runs"</h2>
        <RunTable runs open />
    }
}

#[component]
fn TaskCard(
    task: TaskDto,
    open: RwSignal<Opened>,
    history_of: RwSignal<Option<TaskDto>>,
) -> impl IntoView {
    let key = format!("{}/{}/{}", task.project, task.service, task.name);
    let (to_run, to_list) = (task.clone(), task.clone());
    view! {
        <article class="card task" data-task=key>
            <div class="service-head">
                <h3>{task.title.clone()}</h3>
                <span class="muted">{format!("{}/{} · ", task.project, task.service)}<code>{task.name.clone()}</code></span>
                <span class="badge">{task.mode.as_str()}</span>
                {(task.role == Role::Admin).then(|| view! { <span class="badge badge-denied">"admin"</span> })}
                <span class="badge badge-net">{match task.source {
                    crate::model::TaskSource::Label => "label",
                    crate::model::TaskSource::Bosun => "defined in bosun",
                }}</span>
            </div>
            {task.description.clone().map(|d| view! { <p class="muted">{d}</p> })}
            <div class="row buttons">
                <button class="small primary" data-action="open-task" on:click=move |_| open.set(Opened::task(to_run.clone()))>"Run…"</button>
                <button class="small" data-action="task-history" on:click=move |_| history_of.set(Some(to_list.clone()))>"History"</button>
            </div>
        </article>
    }
}

#[component]
pub fn Problems(problems: Vec<TaskProblem>) -> impl IntoView {
    (!problems.is_empty()).then(|| view! {
        <h2>"Cannot be used"</h2>
        <ul class="plain">
            {problems.into_iter().map(|p| view! {
                <li class="alert alert-error" data-testid="task-problem">
                    {format!("{}/{} · task ", p.project, p.service)}<code>{p.name}</code>{format!(": {}. Nothing of it runs.", p.reason)}
                </li>
            }).collect_view()}
        </ul>
    })
}

/// One task's runs, all on one page.
#[component]
fn History(history_of: RwSignal<Option<TaskDto>>, open: RwSignal<Opened>) -> impl IntoView {
    let runs = crate::components::render_once::page_resource(
        move || history_of.get(),
        |task| async move {
            match task {
                Some(t) => task_history(t.project, t.service, t.name).await.map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let title = history_of
                    .get()
                    .map(|t| format!("History of {} on {}/{}", t.name, t.project, t.service));
                match runs.await {
                    Ok(Some(list)) => view! {
                        <section data-testid="task-history">
                            <h2 data-testid="history-title">{title}</h2>
                            <RunTable runs=list open />
                        </section>
                    }.into_any(),
                    Ok(None) => ().into_any(),
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Transition>
    }
}
