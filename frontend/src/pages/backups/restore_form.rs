//! Restoring a backup (typed confirmation; from this host or from the off-site copy; an age
//! identity for an encrypted file) and downloading an encrypted one decrypted (admin). A
//! pasted identity goes to bosun for that one request and is not kept by the page.

use leptos::prelude::*;

use super::ctx::BackupsCtx;
use crate::api::backups::RestoreBackup;

#[component]
pub fn RestoreForm(
    id: i64,
    service: String,
    /// The file on this host is encrypted.
    encrypted: bool,
    /// There is a finished off-site copy; `Some(true)` when it is encrypted.
    offsite: Option<bool>,
    /// A file backup's paths (empty for a database dump).
    paths: Vec<String>,
) -> impl IntoView {
    let c = expect_context::<BackupsCtx>();
    let typed = RwSignal::new(String::new());
    let from = RwSignal::new("local".to_owned());
    let identity = RwSignal::new(String::new());
    let path = RwSignal::new(String::new());
    let files = !paths.is_empty();
    let want = service.clone();
    let needs_key = move || encrypted || (from.get() == "offsite" && offsite == Some(true));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        c.restore.dispatch(RestoreBackup {
            id: id.to_string(),
            confirm: typed.get_untracked(),
            from: from.get_untracked(),
            identity: identity.get_untracked(),
            path: path.get_untracked(),
        });
        identity.set(String::new());
        c.restoring.set(None);
    };
    view! {
        <form class="confirm" on:submit=submit>
            <p>{if files {
                format!("Restore backup #{id} into {service}'s files? The service is stopped, its files are replaced by the backup's, then it starts again. bosun takes a safety copy first.")
            } else {
                format!("Restore backup #{id} into {service}? Its current data is replaced. bosun takes a safety backup first.")
            }}</p>
            {(paths.len() > 1).then(|| view! {
                <label>"Restore "
                    <select data-testid="restore-path" on:change=move |ev| path.set(event_target_value(&ev))>
                        <option value="">"every path"</option>
                        {paths.iter().map(|p| view! { <option value=p.clone()>{p.clone()}</option> }).collect_view()}
                    </select>
                </label>
            })}
            {offsite.is_some().then(|| view! {
                <label>"Restore from "
                    <select data-testid="restore-from" on:change=move |ev| from.set(event_target_value(&ev))>
                        <option value="local">"this host"</option>
                        <option value="offsite">"the off-site copy"</option>
                    </select>
                </label>
            })}
            <Show when=needs_key>
                <label class="block">"age identity (AGE-SECRET-KEY-1…), used for this restore only; leave empty if bosun has an identity file "
                    <textarea data-testid="restore-identity" rows="2" autocomplete="off" spellcheck="false"
                        prop:value=move || identity.get() on:input=move |ev| identity.set(event_target_value(&ev))></textarea>
                </label>
            </Show>
            <label>{format!("Type {service} to confirm ")}
                <input type="text" data-testid="confirm-restore" prop:value=move || typed.get() on:input=move |ev| typed.set(event_target_value(&ev)) />
            </label>
            <button type="submit" class="danger" disabled=move || typed.get() != want || c.restore.pending().get()>"Restore"</button>
            <button type="button" on:click=move |_| c.restoring.set(None)>"Cancel"</button>
        </form>
    }
    .into_any()
}

/// A plain form: the browser saves the answer as a file, streamed, never held by the page.
#[component]
pub fn DecryptedDownload(id: i64) -> impl IntoView {
    view! {
        <details class="decrypt">
            <summary>"Download decrypted…"</summary>
            <form method="post" action=format!("/api/v1/backups/{id}/decrypted")>
                <label class="block">"age identity (AGE-SECRET-KEY-1…); leave empty if bosun has an identity file "
                    <textarea name="identity" data-testid="decrypt-identity" rows="2" autocomplete="off" spellcheck="false"></textarea>
                </label>
                <button type="submit" class="small">"Download decrypted"</button>
            </form>
        </details>
    }
    .into_any()
}
