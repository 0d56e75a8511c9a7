//! A good backup's proof by restore: verified (with its tables and rows), failed (with the
//! table that differs), running, or unverified; and **Verify** for operators.

use leptos::prelude::*;

use super::ctx::BackupsCtx;
use crate::api::backups::VerifyBackup;
use crate::components::error_view::ErrorView;
use crate::model::BackupDto;
use crate::model::backup_verify::VerifyStatus;

#[component]
pub fn VerifyBadge(b: BackupDto) -> impl IntoView {
    let c = expect_context::<BackupsCtx>();
    let verify = ServerAction::<VerifyBackup>::new();
    let id = b.id;
    let badge = match b.verify.clone() {
        Some(v) if v.status == VerifyStatus::Verified => {
            let counts = format!(
                "{} tables, {} rows",
                v.tables.unwrap_or(0),
                v.rows.unwrap_or(0)
            );
            let title = format!(
                "Restored into a throwaway server{}: every table there with the source's rows",
                v.at.map(|a| format!(" at {a}")).unwrap_or_default()
            );
            view! {
                <span class="badge badge-ok" data-testid="verified" title=title>"verified"</span>
                " " <small class="muted" data-testid="verified-counts">{counts}</small>
            }
            .into_any()
        }
        Some(v) if v.status == VerifyStatus::Failed => view! {
            <span class="badge badge-failed" data-testid="verify-failed">"restore check failed"</span>
            {v.reason.map(|r| view! { <div class="error-text small">{r}</div> })}
        }
        .into_any(),
        Some(v) if v.status == VerifyStatus::Running => view! {
            <span class="badge badge-busy" data-testid="verifying">"verifying…"</span>
        }
        .into_any(),
        other => {
            let why = other
                .and_then(|v| v.reason)
                .unwrap_or_else(|| "not proven by a restore yet".to_owned());
            view! { <span class="badge badge-warn" data-testid="unverified" title=why>"unverified"</span> }
                .into_any()
        }
    };
    let running = b
        .verify
        .as_ref()
        .is_some_and(|v| v.status == VerifyStatus::Running);
    view! {
        <div class="verify">
            {badge}
            {(c.operator && !running).then(|| view! {
                " " <button class="small" data-action="verify" disabled=move || verify.pending().get()
                    on:click=move |_| { verify.dispatch(VerifyBackup { id: id.to_string() }); }>"Verify"</button>
            })}
            {move || verify.value().get().and_then(Result::err).map(|error| view! { <ErrorView error /> })}
        </div>
    }
    .into_any()
}

/// Where a good backup is kept: this host, off-site (done, pending or failed), or both.
#[component]
pub fn Places(b: BackupDto) -> impl IntoView {
    let places = b
        .copies
        .into_iter()
        .map(|c| {
            let (class, text) = match (c.place.as_str(), c.status.as_str()) {
                ("local", _) => ("badge badge-net", "this host".to_owned()),
                (_, "done") => ("badge badge-ok", "off-site".to_owned()),
                (_, "pending") => ("badge badge-busy", "copying off-site…".to_owned()),
                _ => ("badge badge-failed", "off-site copy failed".to_owned()),
            };
            let title = c.error.clone().unwrap_or_else(|| c.key.clone());
            view! { <span class=class data-place=c.place.clone() title=title>{text}</span> " " }
        })
        .collect_view();
    view! { <div class="places" data-testid="places">{places}</div> }
}
