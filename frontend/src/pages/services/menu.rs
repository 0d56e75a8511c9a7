//! A service's actions in one compact menu, offering only what makes sense now: Start when
//! something is stopped, Restart and Stop when something runs, Scale, Update and Roll back
//! when there is a newer or an older build, and the service's runbook tasks. Stop asks first.

use leptos::prelude::*;

use super::ctx::{ENGINE_AWAY, ctx};
use crate::api::services::ActOnService;
use crate::api::updates::UpdateService;
use crate::components::icon::{Icon, lucide};
use crate::model::{CheckState, ContainerState, ServiceDto, short_digest};
use crate::pages::tasks::ctx::Opened;

/// What the menu needs from a service row.
#[derive(Clone)]
pub struct MenuInfo {
    pub project: String,
    pub service: String,
    pub any_running: bool,
    pub any_stopped: bool,
    pub busy: bool,
    pub update: bool,
    pub rollback_to: Option<String>,
}

impl MenuInfo {
    pub fn new(project: &str, s: &ServiceDto) -> MenuInfo {
        let mine = || s.containers.iter().filter(|c| !c.oneoff);
        let check = s.update.as_ref().map(|u| &u.check);
        MenuInfo {
            project: project.to_owned(),
            service: s.name.clone(),
            any_running: mine().any(|c| c.state == ContainerState::Running),
            any_stopped: mine().any(|c| c.state != ContainerState::Running)
                || s.containers.is_empty(),
            busy: s.busy.is_some(),
            update: check.is_some_and(|c| c.state == CheckState::Available),
            rollback_to: check.and_then(|c| c.rollback_to.clone()),
        }
    }

    fn key(&self) -> String {
        format!("{}/{}", self.project, self.service)
    }
}

#[component]
pub fn ActionsMenu(info: MenuInfo) -> impl IntoView {
    let Some(c) = ctx().filter(|c| c.can_act) else {
        return ().into_any();
    };
    let key = info.key();
    let open = {
        let key = key.clone();
        move || c.menu.get().as_deref() == Some(key.as_str())
    };
    let toggle = {
        let key = key.clone();
        move |_| {
            c.menu.update(|m| {
                *m = if m.as_deref() == Some(key.as_str()) {
                    None
                } else {
                    Some(key.clone())
                }
            })
        }
    };
    let panel_id = format!("actions-of-{key}");
    let items = {
        let open = open.clone();
        let panel_id = panel_id.clone();
        move || open().then(|| view! { <Items info=info.clone() id=panel_id.clone() /> })
    };
    view! {
        <div class="menu" on:keydown=move |ev| if ev.key() == "Escape" { c.menu.set(None) }>
            <button class="icon-button" data-toggle="menu" aria-haspopup="true" aria-controls=panel_id
                aria-expanded=move || open().to_string() aria-label=format!("Actions for {key}") on:click=toggle>
                <Icon svg=lucide::ELLIPSIS />
            </button>
            {items}
        </div>
    }
    .into_any()
}

#[component]
fn Items(info: MenuInfo, id: String) -> impl IntoView {
    let Some(c) = ctx() else { return ().into_any() };
    let key = info.key();
    let act = {
        let (project, service) = (info.project.clone(), info.service.clone());
        move |action: &'static str| {
            c.menu.set(None);
            c.confirming.set(None);
            c.service_act.dispatch(ActOnService {
                project: project.clone(),
                service: service.clone(),
                action: action.to_owned(),
            });
        }
    };
    let updating = move || c.update_act.pending().get() || !c.engine_up.get();
    let update = {
        let (project, service) = (info.project.clone(), info.service.clone());
        move |rollback: bool| {
            c.menu.set(None);
            c.update_act.dispatch(UpdateService {
                project: project.clone(),
                service: service.clone(),
                rollback,
            });
        }
    };
    let off = move || !c.engine_up.get() || c.service_act.pending().get();
    let why = move || (!c.engine_up.get()).then_some(ENGINE_AWAY);
    let act2 = act.clone();
    let (update2, stop_key, scale_key) = (update.clone(), key.clone(), key.clone());
    let tasks: Vec<_> = c.tasks.with(|v| {
        v.tasks
            .iter()
            .filter(|t| t.project == info.project && t.service == info.service)
            .cloned()
            .collect()
    });
    view! {
        <div class="menu-panel" id=id>
            {info.any_stopped.then(|| view! {
                <button data-action="start" disabled=off title=why on:click=move |_| act("start")><Icon svg=lucide::PLAY />"Start"</button>
            })}
            {info.any_running.then(|| view! {
                <button data-action="restart" disabled=off title=why on:click=move |_| act2("restart")><Icon svg=lucide::ROTATE_CCW />"Restart"</button>
                <button class="danger" data-action="stop" disabled=off title=why on:click=move |_| {
                    c.menu.set(None);
                    c.confirming.set(Some(stop_key.clone()));
                }><Icon svg=lucide::SQUARE />"Stop…"</button>
            })}
            <button data-action="open-scale" disabled=off on:click=move |_| {
                c.menu.set(None);
                c.scaling.set(Some(scale_key.clone()));
            }><Icon svg=lucide::SCALING />"Scale…"</button>
            {(info.update && !info.busy).then(|| view! {
                <button class="primary" data-action="update" disabled=updating title=why on:click=move |_| update(false)><Icon svg=lucide::CIRCLE_ARROW_UP />"Update to the newer build"</button>
            })}
            {info.rollback_to.clone().filter(|_| !info.busy).map(|to| view! {
                <button data-action="rollback" disabled=updating title=format!("Recreate it on the image it ran before its last update ({})", short_digest(&to))
                    on:click=move |_| update2(true)><Icon svg=lucide::UNDO_2 />"Roll back"</button>
            })}
            {(!tasks.is_empty()).then(|| view! {
                <div class="menu-group" data-testid="service-tasks" role="group" aria-label="Tasks">
                    <span class="menu-heading">"Tasks"</span>
                    {tasks.into_iter().map(|t| {
                        let name = t.name.clone();
                        let title = t.title.clone();
                        view! {
                            <button data-task=name title=t.description.clone().unwrap_or_default()
                                on:click=move |_| {
                                    c.menu.set(None);
                                    c.task_dialog.set(Opened::task(t.clone()));
                                }>
                                <Icon svg=lucide::PLAY /> {title}
                            </button>
                        }
                    }).collect_view()}
                </div>
            })}
        </div>
    }
    .into_any()
}

/// Stop's question, under the row while it waits for an answer.
#[component]
pub fn StopConfirm(project: String, service: String, count: usize) -> impl IntoView {
    let Some(c) = ctx().filter(|c| c.can_act) else {
        return ().into_any();
    };
    let key = format!("{project}/{service}");
    let asking = {
        let key = key.clone();
        move || c.confirming.get().as_deref() == Some(key.as_str())
    };
    let run = move || {
        c.confirming.set(None);
        c.service_act.dispatch(ActOnService {
            project: project.clone(),
            service: service.clone(),
            action: "stop".to_owned(),
        });
    };
    (move || {
        asking().then(|| {
            let run = run.clone();
            let key = key.clone();
            view! {
                <div class="confirm" role="alertdialog" aria-label=format!("Stop {key}?") data-testid="confirm-stop">
                    {format!("Stop {key}? Its {count} container(s) stop; anything using them loses them until started again. ")}
                    <button class="small danger" data-action="confirm-stop" on:click=move |_| run()>"Stop"</button>
                    <button class="small" on:click=move |_| c.confirming.set(None)>"Cancel"</button>
                </div>
            }
        })
    })
    .into_any()
}
