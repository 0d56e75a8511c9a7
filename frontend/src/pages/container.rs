//! One container in full (`/containers/{id}`): what it runs and with what, its environment
//! (secret-looking values hidden; an admin may reveal one, audited), mounts, networks, ports,
//! labels by group, limits, and its health check's last results.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::details::{RevealVariable, load_details};
use crate::api::terminal::load_terminal_access;
use crate::components::error_view::ErrorView;
use crate::components::shell::CurrentUser;
use crate::format::short_time;
use crate::model::Role;
use crate::model::details::{ContainerDetails, EnvVar, LabelDto};

#[component]
pub fn ContainerPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let details = crate::components::render_once::page_resource(id, load_details);
    let access = crate::components::render_once::page_resource(|| (), |()| load_terminal_access());
    view! {
        <section class="page container-details">
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    // A failed question about terminals only hides the link.
                    let terminal = access.await.is_ok_and(|a| a.allowed);
                    match details.await {
                        Ok(d) => view! { <Details d terminal /> }.into_any(),
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

fn row(label: &'static str, value: Option<String>) -> impl IntoView {
    value
        .filter(|v| !v.is_empty())
        .map(|v| view! { <tr><th scope="row">{label}</th><td><code>{v}</code></td></tr> })
}

#[component]
fn Details(d: ContainerDetails, terminal: bool) -> impl IntoView {
    let admin = use_context::<CurrentUser>().is_some_and(|u| u.0.role.allows(Role::Admin));
    let limits = [
        d.memory_limit
            .map(|m| format!("memory {}", crate::model::human_bytes(m as u64))),
        d.cpus.map(|c| format!("{c} CPUs")),
        d.pids_limit.map(|p| format!("{p} processes")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    let id = d.id.clone();
    view! {
        <div class="page-head">
            <h1>{d.name.clone()}</h1>
            <span class="badge" data-testid="state">{d.state.clone()}</span>
            {d.oom_killed.then(|| view! { <span class="badge badge-warn">"killed: out of memory"</span> })}
            // A full page load: the terminal page brings its own script.
            {(terminal && d.state == "running").then(|| view! {
                <a class="button" rel="external" data-action="terminal"
                    href=format!("/containers/{}/terminal", d.id)>"Terminal"</a>
            })}
        </div>
        {d.project.clone().map(|p| view! { <p class="muted">{format!("Service {}/{}", p, d.service.clone().unwrap_or_default())}</p> })}
        <div class="card">
            <h2>"Runs"</h2>
            <table class="kv" data-testid="overview">
                {row("Image", Some(d.image.clone()))}
                {row("Image id", Some(d.image_id.clone()))}
                {row("Registry digests", Some(d.repo_digests.join(", ")))}
                {row("Command", Some(d.command.join(" ")))}
                {row("Entrypoint", Some(d.entrypoint.join(" ")))}
                {row("Working dir", d.working_dir.clone())}
                {row("User", d.user.clone())}
                {row("Restart policy", d.restart_policy.clone())}
                {row("Limits", Some(limits))}
                {row("Created", d.created.as_deref().map(short_time))}
                {row("Started", d.started_at.as_deref().map(short_time))}
                {row("Restarts", Some(d.restart_count.to_string()))}
                {row("Last exit code", d.exit_code.map(|c| c.to_string()))}
            </table>
        </div>
        <div class="card">
            <h2>"Environment"</h2>
            <table class="kv" data-testid="env">
                {d.env.into_iter().map(|v| view! { <EnvRow v id=id.clone() admin /> }).collect_view()}
            </table>
        </div>
        <div class="card">
            <h2>"Mounts"</h2>
            <table class="list" data-testid="mounts">
                <thead><tr><th>"Type"</th><th>"Source"</th><th>"Target"</th><th>"Access"</th></tr></thead>
                {d.mounts.into_iter().map(|m| view! {
                    <tr><td>{m.kind}</td><td><code>{m.source}</code></td><td><code>{m.target}</code></td><td>{if m.read_only { "read-only" } else { "read-write" }}</td></tr>
                }).collect_view()}
            </table>
        </div>
        <div class="card">
            <h2>"Networks and ports"</h2>
            <table class="list" data-testid="networks">
                <thead><tr><th>"Network"</th><th>"Address"</th><th>"Aliases"</th></tr></thead>
                {d.networks.into_iter().map(|n| view! {
                    <tr data-network=n.name.clone()><td>{n.name.clone()}</td><td><code>{n.address.unwrap_or_default()}</code></td><td>{n.aliases.join(", ")}</td></tr>
                }).collect_view()}
            </table>
            <p data-testid="ports">{if d.ports.is_empty() { "No ports.".to_owned() } else { d.ports.join(" · ") }}</p>
        </div>
        {d.health.map(|h| view! {
            <div class="card">
                <h2>"Health check"</h2>
                <p><code>{h.test.join(" ")}</code> " — " {h.status.unwrap_or_default()}
                    {h.failing_streak.filter(|s| *s > 0).map(|s| format!(", failing {s} time(s) in a row"))}</p>
                <table class="list" data-testid="health-log">
                    <thead><tr><th>"When"</th><th>"Exit code"</th><th>"Output"</th></tr></thead>
                    {h.log.into_iter().map(|p| view! {
                        <tr><td>{p.at.as_deref().map(short_time).unwrap_or_default()}</td><td>{p.exit_code.map(|c| c.to_string())}</td><td><pre class="logs">{p.output}</pre></td></tr>
                    }).collect_view()}
                </table>
            </div>
        })}
        <div class="card">
            <h2>"Labels"</h2>
            <Labels title="Compose" list=d.labels.compose />
            <Labels title="bosun" list=d.labels.bosun />
            <Labels title="Other" list=d.labels.other />
        </div>
    }
    .into_any()
}

#[component]
fn Labels(title: &'static str, list: Vec<LabelDto>) -> impl IntoView {
    (!list.is_empty()).then(|| view! {
        <h3>{title}</h3>
        <table class="kv">
            {list.into_iter().map(|l| view! { <tr><th scope="row"><code>{l.key}</code></th><td><code>{l.value}</code></td></tr> }).collect_view()}
        </table>
    })
}

/// A variable; a hidden one shows "hidden" and, for admins, a Reveal button.
#[component]
fn EnvRow(v: EnvVar, id: String, admin: bool) -> impl IntoView {
    let reveal = ServerAction::<RevealVariable>::new();
    let name = v.name.clone();
    let value = match v.value {
        Some(value) => view! { <code>{value}</code> }.into_any(),
        None => view! {
            <span class="muted" data-testid="hidden">"hidden"</span>
            {admin.then(|| {
                let (id, name) = (id.clone(), name.clone());
                view! {
                    " " <button class="small" data-action="reveal"
                        on:click=move |_| { reveal.dispatch(RevealVariable { id: id.clone(), name: name.clone() }); }>"Reveal"</button>
                }
            })}
            {move || reveal.value().get().map(|r| match r {
                Ok(r) => view! { " " <code data-testid="revealed">{r.value}</code> }.into_any(),
                Err(error) => view! { <ErrorView error /> }.into_any(),
            })}
        }.into_any(),
    };
    let shown = v.name.clone();
    view! { <tr data-var=v.name><th scope="row"><code>{shown}</code></th><td>{value}</td></tr> }
}
