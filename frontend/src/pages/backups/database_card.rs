//! One database on the Backups page: what bosun found, the running job with its progress,
//! the last good and failed backups, sizes over time, "Back up now" and its schedule.

use leptos::prelude::*;

use super::ctx::BackupsCtx;
use crate::api::backups::{DeleteSchedule, ScheduleForm, SetSchedule, StartBackup};
use crate::components::sparkline::Sparkline;
use crate::format::short_time;
use crate::model::{BackupStatus, DatabaseDto, JobDto, ScheduleDto, ScheduleSource, human_bytes};

#[component]
pub fn DatabaseCard(db: DatabaseDto) -> impl IntoView {
    let c = expect_context::<BackupsCtx>();
    let key = format!("{}/{}", db.project, db.service);
    let health = match (&db.problem, &db.last_failed, &db.last_good) {
        (Some(_), _, _) | (_, Some(_), _) => "partly-up",
        (None, None, Some(_)) => "all-up",
        _ => "",
    };
    // Sizes of this database's recent good backups, oldest first.
    let sizes: Vec<f32> = c.data.with_untracked(|d| {
        let mut v: Vec<f32> = d
            .recent
            .iter()
            .filter(|b| {
                b.project == db.project && b.service == db.service && b.status == BackupStatus::Ok
            })
            .map(|b| b.file_bytes as f32)
            .collect();
        v.reverse();
        v
    });
    let database = db.database.clone().unwrap_or_else(|| "?".into());
    view! {
        <article class=format!("card database service {health}") data-database=key.clone()>
            <div class="service-head">
                <h3>{key.clone()}</h3>
                <span class="badge">{db.engine.title()}</span>
                <span class="muted">{format!("database {database} · user {}", db.user.clone().unwrap_or_default())}</span>
                {db.password_env.clone().map(|v| view! { <span class="muted" title="the variable holding the password (its value is never shown)">{format!("password from ${v}")}</span> })}
            </div>
            {db.problem.clone().map(|p| view! { <div class="alert alert-error" data-testid="db-problem">{p}</div> })}
            {db.job.clone().map(|j| view! { <JobProgress j /> })}
            <dl class="facts">
                <dt>"Last good"</dt>
                <dd data-testid="last-good">{match &db.last_good {
                    Some(b) => format!(
                        "#{} · {} · {} · {:.1} s",
                        b.id,
                        short_time(&b.started_at),
                        human_bytes(b.file_bytes),
                        b.duration_ms.unwrap_or(0) as f64 / 1000.0
                    ),
                    None => "none yet".into(),
                }}</dd>
                {db.last_failed.clone().map(|b| view! {
                    <dt>"Last failed"</dt>
                    <dd class="error-text" data-testid="last-failed">{format!("#{} · {} · {}", b.id, short_time(&b.started_at), b.reason.unwrap_or_default())}</dd>
                })}
            </dl>
            {(sizes.len() > 1).then(|| {
                let label = format!("Sizes of the last {} good backups of {key}", sizes.len());
                let capacity = sizes.len();
                view! { <div class="sizes"><span class="muted">"size over time"</span> <Sparkline values=sizes capacity label class="spark-size" /></div> }
            })}
            {(c.operator && db.problem.is_none()).then(|| view! { <BackUpNow db=db.clone() /> })}
            <Schedules db=db.clone() />
        </article>
    }
    .into_any()
}

#[component]
pub fn JobProgress(j: JobDto) -> impl IntoView {
    let rate = if j.rate > 0 {
        format!(" · {}/s", human_bytes(j.rate))
    } else {
        String::new()
    };
    let text = format!(
        "{} by {}: {} so far{rate} · {:.0} s",
        j.what,
        j.actor,
        human_bytes(j.bytes),
        j.elapsed_ms as f64 / 1000.0
    );
    view! {
        <div class="job" data-testid="job" data-bytes=j.bytes.to_string()>
            <span class="badge badge-busy">{text}</span>
            // The final size is not known up front: an indeterminate bar that moves.
            <progress class="progress" aria-label="backup in progress"></progress>
        </div>
    }
    .into_any()
}

#[component]
fn BackUpNow(db: DatabaseDto) -> impl IntoView {
    let c = expect_context::<BackupsCtx>();
    let compression = RwSignal::new("gzip".to_owned());
    let busy = db.job.is_some();
    let (project, service) = (db.project.clone(), db.service.clone());
    view! {
        <div class="actions">
            <label class="inline">"Compression "
                <select on:change=move |ev| compression.set(event_target_value(&ev)) prop:value=move || compression.get()>
                    <option value="gzip">"gzip"</option>
                    <option value="zstd">"zstd"</option>
                </select>
            </label>
            <button data-testid="back-up-now" disabled=move || busy || c.start.pending().get()
                on:click=move |_| {
                    c.start.dispatch(StartBackup {
                        project: project.clone(),
                        service: service.clone(),
                        compression: compression.get_untracked(),
                        kind: String::new(),
                    });
                }>
                "Back up now"
            </button>
        </div>
    }
    .into_any()
}

#[component]
fn Schedules(db: DatabaseDto) -> impl IntoView {
    let c = expect_context::<BackupsCtx>();
    let own = db
        .schedules
        .iter()
        .find(|s| s.source == ScheduleSource::Bosun)
        .cloned();
    view! {
        <div class="schedules">
            {db.schedules.iter().cloned().map(|s| view! { <ScheduleLine s /> }).collect_view()}
            {db.schedules.is_empty().then(|| view! { <p class="muted">"No schedule."</p> })}
            {c.admin.then(|| view! { <ScheduleForm db=db.clone() current=own.clone() /> })}
        </div>
    }
    .into_any()
}

#[component]
fn ScheduleLine(s: ScheduleDto) -> impl IntoView {
    let c = expect_context::<BackupsCtx>();
    let source = match s.source {
        ScheduleSource::Bosun => "set in bosun",
        ScheduleSource::Label => "from the bosun.backup.schedule label",
    };
    let r = s.retention;
    let keep = if r.prunes() {
        format!(
            " · keep last {}, daily {}, weekly {}, monthly {}",
            r.keep_last, r.keep_daily, r.keep_weekly, r.keep_monthly
        )
    } else {
        " · keeps every backup".into()
    };
    let (project, service) = (s.project.clone(), s.service.clone());
    view! {
        <div class="schedule" data-testid="schedule">
            <code>{s.cron.clone()}</code>
            <span class="muted">{format!(" UTC · {} · {source}{keep}", s.compression.as_str())}</span>
            {s.verify.map(|v| view! { <span class="muted" data-testid="schedule-verify">{format!(" · verified: {v}")}</span> })}
            {s.next_run.clone().map(|n| view! { <span class="muted">{format!(" · next {}", short_time(&n))}</span> })}
            {s.missed.clone().map(|m| view! {
                <div class="alert alert-error" data-testid="missed">
                    {format!("The run due {} was missed: bosun was not running. Back up now if you need it.", short_time(&m))}
                </div>
            })}
            {(c.admin && s.source == ScheduleSource::Bosun).then(|| view! {
                <button class="small" on:click=move |_| {
                    c.delete_schedule.dispatch(DeleteSchedule { project: project.clone(), service: service.clone() });
                }>"Remove schedule"</button>
            })}
        </div>
    }
    .into_any()
}

#[component]
fn ScheduleForm(db: DatabaseDto, current: Option<ScheduleDto>) -> impl IntoView {
    let c = expect_context::<BackupsCtx>();
    let open = RwSignal::new(false);
    let r = current.as_ref().map(|s| s.retention).unwrap_or_default();
    let field = |n: u32| if n == 0 { String::new() } else { n.to_string() };
    let cron = RwSignal::new(
        current
            .as_ref()
            .map(|s| s.cron.clone())
            .unwrap_or_else(|| "0 3 * * *".into()),
    );
    let compression = RwSignal::new(
        current
            .as_ref()
            .map(|s| s.compression.as_str().to_owned())
            .unwrap_or_else(|| "gzip".into()),
    );
    let verify = RwSignal::new(
        current
            .as_ref()
            .and_then(|s| s.verify)
            .map(|v| v.to_string())
            .unwrap_or_default(),
    );
    let keep = [
        RwSignal::new(field(r.keep_last)),
        RwSignal::new(field(r.keep_daily)),
        RwSignal::new(field(r.keep_weekly)),
        RwSignal::new(field(r.keep_monthly)),
    ];
    let (project, service) = (db.project.clone(), db.service.clone());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        c.set_schedule.dispatch(SetSchedule {
            form: ScheduleForm {
                project: project.clone(),
                service: service.clone(),
                cron: cron.get_untracked(),
                compression: compression.get_untracked(),
                keep_last: keep[0].get_untracked(),
                keep_daily: keep[1].get_untracked(),
                keep_weekly: keep[2].get_untracked(),
                keep_monthly: keep[3].get_untracked(),
                verify: verify.get_untracked(),
            },
        });
        open.set(false);
    };
    let labels = ["last", "daily", "weekly", "monthly"];
    view! {
        <button class="small" on:click=move |_| open.update(|o| *o = !*o)>
            {move || if open.get() { "Cancel" } else { "Set schedule…" }}
        </button>
        <Show when=move || open.get()>
            <form class="schedule-form" on:submit=submit.clone()>
                <label>"Cron (UTC) "
                    <input type="text" required prop:value=move || cron.get() on:input=move |ev| cron.set(event_target_value(&ev))
                        placeholder="0 3 * * *" aria-describedby="cron-help" />
                </label>
                <small id="cron-help" class="muted">"minute hour day month weekday, e.g. 0 3 * * * for 03:00 every day"</small>
                <label>"Compression "
                    <select on:change=move |ev| compression.set(event_target_value(&ev)) prop:value=move || compression.get()>
                        <option value="gzip">"gzip"</option>
                        <option value="zstd">"zstd"</option>
                    </select>
                </label>
                <label>"Prove by a restore "
                    <select data-testid="verify-policy" on:change=move |ev| verify.set(event_target_value(&ev)) prop:value=move || verify.get()>
                        <option value="">"the default"</option>
                        <option value="always">"every backup"</option>
                        <option value="newest-weekly">"the newest, once a week"</option>
                        <option value="off">"never"</option>
                    </select>
                </label>
                <fieldset>
                    <legend>"Keep (empty = no rule; the newest good backup always stays)"</legend>
                    {labels.iter().zip(keep).map(|(l, s)| view! {
                        <label class="inline">{*l} " "
                            <input type="number" inputmode="numeric" min="0" class="narrow" prop:value=move || s.get() on:input=move |ev| s.set(event_target_value(&ev)) />
                        </label>
                    }).collect_view()}
                </fieldset>
                <button type="submit">"Save schedule"</button>
            </form>
        </Show>
    }
    .into_any()
}
