//! The catalogue on the Backups page: filters, size, duration, checksum, and per backup the
//! download link (operator+), restore with typed confirmation and delete (admin).

use leptos::prelude::*;

use super::ctx::BackupsCtx;
use super::restore_form::{DecryptedDownload, RestoreForm};
use crate::api::backups::DeleteBackup;
use crate::format::short_time;
use crate::model::{BackupDto, BackupStatus, human_bytes};

#[component]
pub fn BackupTable() -> impl IntoView {
    let c = expect_context::<BackupsCtx>();
    let project = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let day = RwSignal::new(String::new());
    let shown = move || {
        let (p, s, d) = (project.get(), status.get(), day.get());
        c.data.with(|v| {
            v.recent
                .iter()
                .filter(|b| {
                    (p.is_empty()
                        || b.project.contains(&p)
                        || b.service.contains(&p)
                        || b.database.contains(&p))
                        && (s.is_empty() || b.status.as_str() == s)
                        && (d.is_empty() || b.started_at.starts_with(&d))
                })
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <div class="filters">
            <label>"Project, service or database " <input type="search" prop:value=move || project.get() on:input=move |ev| project.set(event_target_value(&ev)) /></label>
            <label>"Status "
                <select on:change=move |ev| status.set(event_target_value(&ev))>
                    <option value="">"any"</option>
                    <option value="ok">"ok"</option>
                    <option value="failed">"failed"</option>
                    <option value="running">"running"</option>
                    <option value="interrupted">"interrupted"</option>
                </select>
            </label>
            <label>"Day " <input type="date" on:change=move |ev| day.set(event_target_value(&ev)) /></label>
        </div>
        <p class="muted">"The 50 most recent backups; narrow them with the filters above."</p>
        <div class="table-wrap" tabindex="0" role="region" aria-label="Table, scrolls sideways">
            <table class="backups" data-testid="backups">
                <thead><tr>
                    <th>"#"</th><th>"Started"</th><th>"What"</th><th>"Kind"</th><th>"Status"</th>
                    <th>"Size"</th><th>"Took"</th><th>"SHA-256"</th><th></th>
                </tr></thead>
                <tbody>
                    {move || shown().into_iter().map(|b| view! { <Row b /> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn Row(b: BackupDto) -> impl IntoView {
    let c = expect_context::<BackupsCtx>();
    let ok = b.status == BackupStatus::Ok;
    let id = b.id;
    let files = b.content == crate::model::BackupContent::Files;
    let paths: Vec<String> = b.paths.iter().map(|p| p.path.clone()).collect();
    let size = if ok {
        format!(
            "{} ({} {})",
            human_bytes(b.file_bytes),
            human_bytes(b.dump_bytes),
            if files { "tar" } else { "SQL" }
        )
    } else {
        String::new()
    };
    let took = b
        .duration_ms
        .map(|ms| format!("{:.1} s", ms as f64 / 1000.0))
        .unwrap_or_default();
    let sha = b.sha256.clone().unwrap_or_default();
    let short: String = sha.chars().take(12).collect();
    let reason = b.reason.clone();
    let service = b.service.clone();
    let encrypted = b.encrypted;
    let offsite = b
        .copies
        .iter()
        .find(|c| c.place == "offsite" && c.status == "done")
        .map(|c| c.key.ends_with(".age"));
    view! {
        <tr data-backup=id.to_string() data-status=b.status.as_str()>
            <td>{id}</td>
            <td>{short_time(&b.started_at)}</td>
            <td>{if files {
                let n = b.paths.iter().map(|p| p.files).sum::<u64>();
                format!("{}/{} · files: {} ({n} entries)", b.project, b.service, paths.join(", "))
            } else {
                format!("{}/{} · {}", b.project, b.service, b.database)
            }}{b.set_id.map(|s| view! { <small class="muted">{format!(" · set #{s}")}</small> })}</td>
            <td>
                {b.kind.as_str()} <small class="muted">{format!(" by {}", b.actor)}</small>
                {encrypted.then(|| view! { <span class="badge" title="Encrypted with age on this host">"encrypted"</span> })}
            </td>
            <td>
                <span class=format!("badge badge-{}", b.status.as_str())>{b.status.as_str()}</span>
                {reason.map(|r| view! { <div class="error-text small">{r}</div> })}
                {ok.then(|| view! {
                    <super::verify_badge::VerifyBadge b=b.clone() />
                    <super::verify_badge::Places b=b.clone() />
                })}
            </td>
            <td>{size}</td>
            <td>{took}</td>
            <td><code title=sha.clone()>{short}</code></td>
            <td class="row-actions">
                {(ok && c.operator).then(|| view! {
                    <a class="button small" data-testid="download" href=format!("/api/v1/backups/{id}/download") download="">"Download"</a>
                })}
                {(ok && c.admin && encrypted).then(|| view! { <DecryptedDownload id /> })}
                {(ok && c.admin).then(|| view! {
                    <button class="small" on:click=move |_| c.restoring.set(Some(id))>"Restore…"</button>
                })}
                {c.admin.then(|| view! {
                    <button class="small danger" on:click=move |_| {
                        c.delete.dispatch(DeleteBackup { id: id.to_string() });
                    }>"Delete"</button>
                })}
                <Show when=move || c.restoring.get() == Some(id)>
                    <RestoreForm id service=service.clone() encrypted offsite paths=paths.clone() />
                </Show>
            </td>
        </tr>
    }
    .into_any()
}
