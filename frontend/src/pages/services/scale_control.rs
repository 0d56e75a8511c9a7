//! The replica count of a service and the control that sets it, with the plan shown before
//! anything happens ("create 2: #3, #4").

use leptos::prelude::*;

use super::ctx::ctx;
use crate::api::services::ScaleService;
use crate::model::{ContainerState, Replica, ScalePlan, ServiceDto};

/// What the control needs from a service card.
#[derive(Clone)]
pub struct ScaleInfo {
    pub project: String,
    pub service: String,
    pub replicas: Vec<Replica>,
    pub single_replica: Option<String>,
    pub database: Option<&'static str>,
}

impl ScaleInfo {
    pub fn new(project: &str, s: &ServiceDto) -> ScaleInfo {
        ScaleInfo {
            project: project.to_owned(),
            service: s.name.clone(),
            replicas: s
                .containers
                .iter()
                .filter(|c| !c.oneoff)
                .filter_map(|c| {
                    Some(Replica {
                        number: c.number?,
                        running: matches!(
                            c.state,
                            ContainerState::Running | ContainerState::Restarting
                        ),
                    })
                })
                .collect(),
            single_replica: s.single_replica.clone(),
            database: s.database.map(|d| d.title()),
        }
    }
}

#[component]
pub fn ScaleControl(info: ScaleInfo) -> impl IntoView {
    let Some(c) = ctx().filter(|c| c.can_act) else {
        return ().into_any();
    };
    let current = info.replicas.iter().filter(|r| r.running).count() as u32;
    let wanted = RwSignal::new(current.to_string());
    let allow_db = RwSignal::new(false);
    let key = format!("{}/{}", info.project, info.service);
    let open_key = format!("scale:{key}");
    let asking = {
        let open_key = open_key.clone();
        move || c.confirming.get().as_deref() == Some(open_key.as_str())
    };
    let pending = {
        let key = key.clone();
        move || {
            c.scale_act.pending().get()
                && c.scale_act.input().with(|i| {
                    i.as_ref()
                        .is_some_and(|i| format!("{}/{}", i.project, i.service) == key)
                })
        }
    };
    let info_for_plan = info.clone();
    // The plan for what is typed, or why it cannot be done.
    let plan = move || -> Result<ScalePlan, String> {
        let max = c.max_replicas.get();
        let n: u32 = wanted
            .get()
            .trim()
            .parse()
            .map_err(|_| format!("Enter a whole number from 0 to {max}."))?;
        if n > max {
            return Err(format!(
                "At most {max} replicas here (bosun's --max-replicas)."
            ));
        }
        if n > 1
            && let Some(why) = &info_for_plan.single_replica
        {
            return Err(why.clone());
        }
        Ok(ScalePlan::new(&info_for_plan.replicas, n))
    };
    let submit = {
        let info = info.clone();
        move || {
            c.confirming.set(None);
            c.scale_act.dispatch(ScaleService {
                project: info.project.clone(),
                service: info.service.clone(),
                replicas: wanted.get_untracked().trim().to_owned(),
                allow_database: allow_db.get_untracked(),
            });
        }
    };
    let database = info.database;
    let name = key.clone();
    view! {
        <div class="row scale" data-testid="scale">
            <label class="scale-count">
                "Replicas "
                <input type="number" inputmode="numeric" min="0" max=move || c.max_replicas.get().to_string()
                    data-testid="replicas" aria-label=format!("Replicas of {key}")
                    prop:value=move || wanted.get()
                    on:input=move |ev| wanted.set(event_target_value(&ev)) />
            </label>
            <button class="small" data-action="scale"
                disabled={
                    let pending = pending.clone();
                    move || pending() || !c.engine_up.get()
                }
                on:click=move |_| c.confirming.set(Some(open_key.clone()))>"Scale…"</button>
            <button class="small" data-action="close-scale" on:click=move |_| {
                c.confirming.set(None);
                c.scaling.set(None);
            }>"Close"</button>
            {move || pending().then(|| view! { <span class="muted" role="status">"scaling…"</span> })}
        </div>
        {move || asking().then(|| {
            let submit = submit.clone();
            let name = name.clone();
            match plan() {
                Err(why) => view! {
                    <div class="confirm" role="alert" data-testid="scale-refused">
                        {why} " "
                        <button class="small" on:click=move |_| c.confirming.set(None)>"OK"</button>
                    </div>
                }.into_any(),
                Ok(plan) => {
                    let empty = plan.is_empty();
                    view! {
                        <div class="confirm" role="alertdialog" data-testid="scale-plan">
                            <p>{format!("Scale {name} to {}: {plan}.", wanted.get_untracked().trim())}</p>
                            {(!plan.remove.is_empty() || !plan.stop.is_empty()).then_some(view! {
                                <p class="muted">"Containers are stopped gracefully and removed highest number first; their volumes stay."</p>
                            })}
                            {database.map(|db| view! {
                                <label class="warn">
                                    <input type="checkbox" data-testid="allow-database"
                                        on:change=move |ev| allow_db.set(event_target_checked(&ev)) />
                                    {format!(" This is a {db} database: replicas would share or split its data. Scale it anyway.")}
                                </label>
                            })}
                            <button class="small primary" data-action="confirm-scale" disabled=move || empty || (database.is_some() && !allow_db.get())
                                on:click=move |_| submit()>"Scale"</button>
                            <button class="small" on:click=move |_| c.confirming.set(None)>"Cancel"</button>
                        </div>
                    }.into_any()
                }
            }
        })}
    }
    .into_any()
}
