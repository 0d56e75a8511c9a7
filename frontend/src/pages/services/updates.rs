//! A service's image on its card: whether its registry has a newer build (old and new
//! digest, when it was built), the Update and Roll back buttons for operators, and how the
//! latest update went, with the failed container's last lines. Progress while it runs is the
//! card's busy line and bar, live from the overview.

use leptos::prelude::*;

use super::ctx::{ENGINE_AWAY, ctx};
use crate::api::updates::{UpdateService, UpdateSwarmService};
use crate::model::{CheckState, ServiceUpdate, UpdateStatus, short_digest};

fn short(d: &Option<String>) -> String {
    d.as_deref().map(short_digest).unwrap_or_else(|| "?".into())
}

#[component]
pub fn ServiceUpdates(
    project: String,
    service: String,
    update: Option<ServiceUpdate>,
    busy: bool,
    #[prop(default = false)] swarm: bool,
    /// Update and Roll back here (Swarm); a compose service has them in its actions menu.
    #[prop(default = true)]
    buttons: bool,
) -> impl IntoView {
    let Some(u) = update else {
        return ().into_any();
    };
    let c = ctx();
    let can_act = c.is_some_and(|c| c.can_act);
    let check = u.check.clone();
    let badge = match check.state {
        CheckState::Available => Some(view! {
            <span class="badge badge-update" data-testid="update-available"
                title=format!("{} has a newer build in its registry", check.image)>
                "⬆ Update available: " <code>{short(&check.current_digest)}</code> " → " <code>{short(&check.available_digest)}</code>
                {check.built_at.as_deref().map(|b| format!(" (built {})", crate::format::short_time(b)))}
            </span>
        }.into_any()),
        CheckState::Current => Some(view! {
            <span class="badge muted" data-testid="update-current" title=check.checked_at.clone().map(|t| format!("checked {t}")).unwrap_or_default()>
                "✓ Newest build"
            </span>
        }.into_any()),
        CheckState::LocalBuild => Some(view! {
            <span class="badge muted" data-testid="update-local" title=check.reason.clone().unwrap_or_default()>"Local build, not checked"</span>
        }.into_any()),
        CheckState::Failed => Some(view! {
            <span class="badge badge-warn" data-testid="update-check-failed" title=check.reason.clone().unwrap_or_default()>"Update check failed"</span>
        }.into_any()),
        CheckState::Pinned | CheckState::Excluded | CheckState::Unchecked => None,
    };
    let buttons = (buttons && can_act && !busy).then(|| {
        let c = c?;
        let (p1, s1, p2, s2) = (project.clone(), service.clone(), project.clone(), service.clone());
        let go = move |project: String, service: String, rollback: bool| {
            if swarm {
                c.swarm_update_act.dispatch(UpdateSwarmService { service, rollback });
            } else {
                c.update_act.dispatch(UpdateService { project, service, rollback });
            }
        };
        let off = move || {
            c.update_act.pending().get() || c.swarm_update_act.pending().get() || !c.engine_up.get()
        };
        let why = move || (!c.engine_up.get()).then_some(ENGINE_AWAY);
        let update = (check.state == CheckState::Available).then(|| view! {
            <button class="small primary" data-action="update" disabled=off title=why
                on:click=move |_| go(p1.clone(), s1.clone(), false)>
                "Update"
            </button>
        });
        let rollback = check.rollback_to.clone().map(|to| view! {
            <button class="small" data-action="rollback" disabled=off
                title=format!("Recreate it on the image it ran before its last update ({})", short_digest(&to))
                on:click=move |_| go(p2.clone(), s2.clone(), true)>
                "Roll back"
            </button>
        });
        Some(view! { {update} {rollback} })
    }).flatten();
    let outcome = u.last_run.filter(|r| r.finished()).map(|r| {
        let ok = r.status == UpdateStatus::Succeeded;
        let class = if ok { "update-outcome muted" } else { "alert alert-error update-outcome" };
        let to = r.to.as_ref().map(|t| short(&t.digest).replace('?', &short_digest(&t.id))).unwrap_or_default();
        view! {
            <div class=class data-testid="update-outcome" data-status=r.status.as_str()>
                {format!("Last {} by {}: {}", r.kind.as_str(), r.by, r.status.title())}
                {ok.then(|| format!(" — now on {to}"))}
                {r.downtime_ms.map(|d| format!(" ({:.1} s without a running container)", d as f64 / 1000.0))}
                {r.reason.clone().map(|why| view! { <p>{why}</p> })}
                {r.logs.clone().map(|logs| view! {
                    <details><summary>"The new container's last lines"</summary><pre class="logs">{logs}</pre></details>
                })}
            </div>
        }
    });
    view! {
        <div class="row updates" data-testid="service-updates">
            {badge}
            {buttons}
        </div>
        {outcome}
    }
    .into_any()
}
