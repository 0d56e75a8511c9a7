//! The Backups page's files and stack sets: each service with volumes or bind mounts, its
//! running copy and last backups, "Back up files"; per project "Back up project"; the recent
//! sets with each part's status, and restoring a set with the project name typed (admin).

use leptos::prelude::*;

use super::ctx::BackupsCtx;
use super::database_card::JobProgress;
use crate::api::backup_sets::{DeleteBackupSet, RestoreBackupSet, SetSetSchedule, StartBackupSet};
use crate::api::backups::StartBackup;
use crate::format::short_time;
use crate::model::{BackupSetDto, BackupStatus, FileSourceDto, human_bytes};

#[component]
pub fn FilesCard(f: FileSourceDto) -> impl IntoView {
    let c = expect_context::<BackupsCtx>();
    let key = format!("{}/{}", f.project, f.service);
    let busy = f.job.is_some();
    let (project, service) = (f.project.clone(), f.service.clone());
    view! {
        <article class="card database service" data-files=key.clone()>
            <div class="service-head">
                <h3>{key.clone()}</h3>
                <span class="badge">"files"</span>
                {f.stop.then(|| view! { <span class="badge" title="bosun.backup.stop: true">"stopped for the copy"</span> })}
            </div>
            {(f.before.is_some() || f.after.is_some()).then(|| view! {
                <p class="muted small">{format!(
                    "Runs {} around the copy.",
                    [f.before.clone().map(|t| format!("{t} before")), f.after.clone().map(|t| format!("{t} after"))]
                        .into_iter().flatten().collect::<Vec<_>>().join(" and ")
                )}</p>
            })}
            <ul class="paths">{f.paths.iter().map(|p| view! { <li><code>{p.clone()}</code></li> }).collect_view()}</ul>
            {f.problem.clone().map(|p| view! { <div class="alert alert-error">{p}</div> })}
            {f.job.clone().map(|j| view! { <JobProgress j /> })}
            <dl class="facts">
                <dt>"Last good"</dt>
                <dd data-testid="files-last-good">{match &f.last_good {
                    Some(b) => format!(
                        "#{} · {} · {} files · {}",
                        b.id,
                        short_time(&b.started_at),
                        b.paths.iter().map(|p| p.files).sum::<u64>(),
                        human_bytes(b.file_bytes)
                    ),
                    None => "none yet".into(),
                }}</dd>
                {f.last_failed.clone().map(|b| view! {
                    <dt>"Last failed"</dt>
                    <dd class="error-text">{format!("#{} · {} · {}", b.id, short_time(&b.started_at), b.reason.unwrap_or_default())}</dd>
                })}
            </dl>
            {(c.operator && f.problem.is_none()).then(|| view! {
                <div class="actions">
                    <button data-testid="back-up-files" disabled=move || busy || c.start.pending().get()
                        on:click=move |_| {
                            c.start.dispatch(StartBackup {
                                project: project.clone(),
                                service: service.clone(),
                                compression: "gzip".into(),
                                kind: "files".into(),
                            });
                        }>
                        "Back up files"
                    </button>
                </div>
            })}
        </article>
    }
    .into_any()
}

/// Per project with something to back up: "Back up project" and its schedule; then the
/// recent sets.
#[component]
pub fn Sets() -> impl IntoView {
    let c = expect_context::<BackupsCtx>();
    let projects = move || {
        c.data.with(|d| {
            let mut p: Vec<String> = d
                .databases
                .iter()
                .map(|x| x.project.clone())
                .chain(d.files.iter().map(|x| x.project.clone()))
                .collect();
            p.sort();
            p.dedup();
            p
        })
    };
    view! {
        <div class="project-sets">
            {move || projects().into_iter().map(|project| view! { <ProjectSets project /> }).collect_view()}
        </div>
        {move || c.data.with(|d| {
            if d.sets.is_empty() {
                return view! { <p class="muted">"No project backed up as a set yet. A set holds every database dump and every service's files of one project, and restores them together."</p> }.into_any();
            }
            view! {
                <ul class="sets" data-testid="sets">
                    {d.sets.iter().cloned().map(|s| view! { <SetLine s /> }).collect_view()}
                </ul>
            }.into_any()
        })}
    }
    .into_any()
}

/// One project: "Back up project", its set schedule, and the form to change it (admin).
#[component]
fn ProjectSets(project: String) -> impl IntoView {
    let c = expect_context::<BackupsCtx>();
    let schedule = c.data.with_untracked(|d| {
        d.set_schedules
            .iter()
            .find(|s| s.project == project)
            .cloned()
    });
    let cron = RwSignal::new(
        schedule
            .as_ref()
            .map(|s| s.cron.clone())
            .unwrap_or_default(),
    );
    let keep = RwSignal::new(
        schedule
            .as_ref()
            .map(|s| s.keep_last.to_string())
            .unwrap_or_default(),
    );
    let (p1, p2) = (project.clone(), project.clone());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        c.set_set_schedule.dispatch(SetSetSchedule {
            project: p2.clone(),
            cron: cron.get_untracked(),
            keep_last: keep.get_untracked(),
        });
    };
    view! {
        <div class="project-set" data-project=project.clone()>
            <strong>{project.clone()}</strong>
            {c.operator.then(|| view! {
                <button data-testid="back-up-project" data-project=project.clone()
                    disabled=move || c.start_set.pending().get()
                    on:click=move |_| { c.start_set.dispatch(StartBackupSet { project: p1.clone() }); }>
                    {format!("Back up {project}")}
                </button>
            })}
            <span class="muted small" data-testid="set-schedule">{match &schedule {
                Some(s) => format!(
                    "as a set on “{}” (UTC), keeping {} · next {}",
                    s.cron,
                    if s.keep_last == 0 { "all".to_owned() } else { format!("the last {}", s.keep_last) },
                    s.next_run.clone().unwrap_or_else(|| "never".into())
                ),
                None => "no set schedule".into(),
            }}</span>
            {c.admin.then(|| view! {
                <details class="set-schedule">
                    <summary>"Schedule…"</summary>
                    <form class="inline-form" on:submit=save>
                        <label>"Cron (UTC) "
                            <input type="text" data-testid="set-cron" placeholder="0 3 * * *" prop:value=move || cron.get() on:input=move |ev| cron.set(event_target_value(&ev)) />
                        </label>
                        <label>"Keep the last "
                            <input type="number" min="0" data-testid="set-keep" prop:value=move || keep.get() on:input=move |ev| keep.set(event_target_value(&ev)) />
                        </label>
                        <button type="submit" class="small">"Save"</button>
                        <span class="muted small">"An empty cron removes the schedule."</span>
                    </form>
                </details>
            })}
        </div>
    }
    .into_any()
}

#[component]
fn SetLine(s: BackupSetDto) -> impl IntoView {
    let c = expect_context::<BackupsCtx>();
    let id = s.id;
    let ok = s.status == BackupStatus::Ok;
    let project = s.project.clone();
    view! {
        <li class="set" data-set=id.to_string() data-status=s.status.as_str()>
            <strong>{format!("Set #{id} · {}", s.project)}</strong>
            " " <span class=format!("badge badge-{}", s.status.as_str())>{s.status.as_str()}</span>
            <small class="muted">{format!(" {} by {}", short_time(&s.started_at), s.actor)}</small>
            {s.reason.clone().map(|r| view! { <div class="error-text small">{r}</div> })}
            <ul class="parts">
                {s.parts.iter().map(|b| view! {
                    <li data-part=b.id.to_string() data-status=b.status.as_str()>
                        {format!("#{} {}/{} · {}", b.id, b.project, b.service, b.content.as_str())}
                        " " <span class=format!("badge badge-{}", b.status.as_str())>{b.status.as_str()}</span>
                    </li>
                }).collect_view()}
            </ul>
            {(ok && c.admin).then(|| view! {
                <button class="small" on:click=move |_| c.restoring_set.set(Some(id))>"Restore set…"</button>
            })}
            {(s.status != BackupStatus::Running && c.admin).then(|| view! {
                <button class="small danger" on:click=move |_| { c.delete_set.dispatch(DeleteBackupSet { id: id.to_string() }); }>"Delete set"</button>
            })}
            <Show when=move || c.restoring_set.get() == Some(id)>
                <SetRestoreForm id project=project.clone() />
            </Show>
        </li>
    }
    .into_any()
}

#[component]
fn SetRestoreForm(id: i64, project: String) -> impl IntoView {
    let c = expect_context::<BackupsCtx>();
    let typed = RwSignal::new(String::new());
    let want = project.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        c.restore_set.dispatch(RestoreBackupSet {
            id: id.to_string(),
            confirm: typed.get_untracked(),
        });
        c.restoring_set.set(None);
    };
    view! {
        <form class="confirm" on:submit=submit>
            <p>{format!("Restore set #{id} into {project}? Every database in it, then every service's files, are replaced by the set's, each after a safety backup.")}</p>
            <label>{format!("Type {project} to confirm ")}
                <input type="text" data-testid="confirm-set-restore" prop:value=move || typed.get() on:input=move |ev| typed.set(event_target_value(&ev)) />
            </label>
            <button type="submit" class="danger" disabled=move || typed.get() != want || c.restore_set.pending().get()>"Restore"</button>
            <button type="button" on:click=move |_| c.restoring_set.set(None)>"Cancel"</button>
        </form>
    }
    .into_any()
}
