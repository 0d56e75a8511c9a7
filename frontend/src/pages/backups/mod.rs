//! Backups: the databases bosun found, live job progress, the catalogue, schedules.

mod backup_list;
mod ctx;
mod database_card;
mod files_card;
mod restore_form;
mod verify_badge;

use leptos::prelude::*;

use self::backup_list::BackupTable;
use self::ctx::BackupsCtx;
use self::database_card::DatabaseCard;
use self::files_card::{FilesCard, Sets};
use crate::api::backups::load_backups;
use crate::components::error_view::ErrorView;
use crate::components::shell::CurrentUser;
use crate::components::sse::{Stream, follow};
use crate::model::{BackupsView, Role};

#[component]
pub fn BackupsPage() -> impl IntoView {
    let role = use_context::<CurrentUser>().map(|u| u.0.role);
    let first = crate::components::render_once::page_resource(|| (), |_| load_backups());
    view! {
        <section class="page">
            <div class="page-head"><h1>"Backups"</h1></div>
            <p class="muted">
                "PostgreSQL, MySQL and MariaDB services found on this host, and the files of every service's volumes and bind mounts. Dumps run inside the database container; files are read through the Docker engine. Both are compressed as they stream, and count as good only when all of it is safely on disk."
            </p>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match first.await {
                        Ok(view) => view! { <Live first=view role /> }.into_any(),
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
    .into_any()
}

#[component]
fn Live(first: BackupsView, role: Option<Role>) -> impl IntoView {
    let allows = |r: Role| role.is_some_and(|mine| mine.allows(r));
    let c = BackupsCtx {
        operator: allows(Role::Operator),
        admin: allows(Role::Admin),
        start: ServerAction::new(),
        delete: ServerAction::new(),
        restore: ServerAction::new(),
        set_schedule: ServerAction::new(),
        delete_schedule: ServerAction::new(),
        start_set: ServerAction::new(),
        restore_set: ServerAction::new(),
        delete_set: ServerAction::new(),
        set_set_schedule: ServerAction::new(),
        restoring_set: RwSignal::new(None),
        restoring: RwSignal::new(None),
        data: RwSignal::new(first),
    };
    provide_context(c);
    let state = RwSignal::new(Stream::Connecting);
    follow::<BackupsView>("/api/v1/backups/events", state, move |v| c.data.set(v));
    let live = move || match state.get() {
        Stream::Live => ("live", "live"),
        Stream::Connecting => ("connecting", "connecting…"),
        Stream::Lost => ("lost", "reconnecting…"),
    };
    view! {
        <p class="muted stream-state" data-testid="stream" data-state=move || live().0>{move || live().1}</p>
        <Results c />
        <h2>"Databases"</h2>
        {move || c.data.with(|d| {
            if d.databases.is_empty() {
                return view! {
                    <p class="empty">
                        "No databases found. bosun recognises PostgreSQL, MySQL and MariaDB services by image and by their official variables; label another with "
                        <code>"bosun.backup.engine: postgres"</code> "."
                    </p>
                }.into_any();
            }
            view! {
                <div class="databases">
                    {d.databases.iter().cloned().map(|db| view! { <DatabaseCard db /> }).collect_view()}
                </div>
            }.into_any()
        })}
        <h2>"Files"</h2>
        {move || c.data.with(|d| {
            if d.files.is_empty() {
                return view! {
                    <p class="empty">"No service has volumes or bind mounts to back up. Name paths with the label " <code>"bosun.backup.paths"</code> "."</p>
                }.into_any();
            }
            view! {
                <div class="databases">
                    {d.files.iter().cloned().map(|f| view! { <FilesCard f /> }).collect_view()}
                </div>
            }.into_any()
        })}
        <h2>"Whole projects"</h2>
        <Sets />
        <h2>"Recent backups"</h2>
        <BackupTable />
    }
    .into_any()
}

/// What the last action on this page did.
#[component]
fn Results(c: BackupsCtx) -> impl IntoView {
    let ok = |text: String| {
        view! { <div class="alert alert-ok" role="status" data-testid="backup-result">{text}</div> }
            .into_any()
    };
    view! {
        {move || c.start.value().get().map(|r| match r {
            Ok(s) => ok(format!("Backup #{} started. Its progress shows on the database below.", s.id)),
            Err(error) => view! { <ErrorView error /> }.into_any(),
        })}
        {move || c.restore.value().get().map(|r| match r {
            Ok(r) => ok(format!(
                "Restored backup #{} ({}) in {:.1} s. The safety backup taken just before is #{}.",
                r.backup_id,
                crate::model::human_bytes(r.restored_bytes),
                r.duration_ms as f64 / 1000.0,
                r.safety_backup_id
            )),
            Err(error) => view! { <ErrorView error /> }.into_any(),
        })}
        {move || c.start_set.value().get().map(|r| match r {
            Ok(s) => ok(format!("Set #{} of {} started: its databases, then its files. Its parts show below.", s.id, s.project)),
            Err(error) => view! { <ErrorView error /> }.into_any(),
        })}
        {move || c.restore_set.value().get().map(|r| match r {
            Ok(r) => ok(format!(
                "Restored set #{}: {} part(s) in {:.1} s. Each part's safety backup: {}.",
                r.set_id,
                r.restored.len(),
                r.duration_ms as f64 / 1000.0,
                r.restored.iter().map(|p| format!("#{}", p.safety_backup_id)).collect::<Vec<_>>().join(", ")
            )),
            Err(error) => view! { <ErrorView error /> }.into_any(),
        })}
        {move || c.delete_set.value().get().map(|r| match r {
            Ok(()) => ok("Set deleted, with its parts.".into()),
            Err(error) => view! { <ErrorView error /> }.into_any(),
        })}
        {move || c.set_set_schedule.value().get().map(|r| match r {
            Ok(Some(s)) => ok(format!("Set schedule saved for {}: next run {}.", s.project, s.next_run.unwrap_or_else(|| "never".into()))),
            Ok(None) => ok("Set schedule removed.".into()),
            Err(error) => view! { <ErrorView error /> }.into_any(),
        })}
        {move || c.delete.value().get().map(|r| match r {
            Ok(()) => ok("Backup deleted.".into()),
            Err(error) => view! { <ErrorView error /> }.into_any(),
        })}
        {move || c.set_schedule.value().get().map(|r| match r {
            Ok(s) => ok(format!(
                "Schedule saved for {}/{}: next run {}.",
                s.project,
                s.service,
                s.next_run.unwrap_or_else(|| "never".into())
            )),
            Err(error) => view! { <ErrorView error /> }.into_any(),
        })}
        {move || c.delete_schedule.value().get().map(|r| match r {
            Ok(()) => ok("Schedule removed.".into()),
            Err(error) => view! { <ErrorView error /> }.into_any(),
        })}
    }
    .into_any()
}
