//! The Account page's passkeys: the list (where each works, when it was last used), adding
//! one through the browser's prompt, and revoking one.

use leptos::prelude::*;

use crate::api::passkeys::{
    RevokePasskey, list_passkeys, passkey_register_finish, passkey_register_start,
};
use crate::components::error_view::ErrorView;
use crate::model::passkey::host_allows_passkeys;

/// This page's host name, in the browser; None on the server.
fn page_host() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window().and_then(|w| w.location().hostname().ok())
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

#[component]
pub fn PasskeysCard(
    /// The user's role requires a second factor and they have none yet: a passkey ends that
    /// duty, and the page reloads to open everything else.
    must_enrol: bool,
) -> impl IntoView {
    let revoke = ServerAction::<RevokePasskey>::new();
    let added = RwSignal::new(0u32);
    let list = crate::components::render_once::page_resource(
        move || (revoke.version().get(), added.get()),
        |_| list_passkeys(),
    );
    let name = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<String, String>>);
    // Known in the browser only: the server cannot tell which address the user typed.
    let bare_ip = RwSignal::new(false);
    Effect::new(move |_| {
        bare_ip.set(page_host().is_some_and(|h| !host_allows_passkeys(&h)));
    });
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        outcome.set(None);
        let chosen = name.get_untracked();
        leptos::task::spawn_local(async move {
            let result = async {
                let options = passkey_register_start().await.map_err(|e| e.message)?;
                let credential = crate::webauthn::create(&options).await?;
                passkey_register_finish(chosen, credential)
                    .await
                    .map_err(|e| e.message)
            }
            .await;
            busy.set(false);
            match result {
                Ok(_) if must_enrol => crate::nav::load_page("/account"),
                Ok(passkey) => {
                    name.set(String::new());
                    added.update(|n| *n += 1);
                    outcome.set(Some(Ok(format!(
                        "Passkey “{}” added. It works at {}.",
                        passkey.name, passkey.host
                    ))));
                }
                Err(message) => outcome.set(Some(Err(message))),
            }
        });
    };
    view! {
        <div class="card" data-testid="passkeys">
            <h2>"Passkeys"</h2>
            <p class="muted">"A passkey signs you in with your device's screen lock or a security key. It is a second factor after your password or the identity provider, and where this bosun allows it, a sign-in of its own."</p>
            <Show when=move || bare_ip.get()>
                <div class="alert alert-info" role="status" data-testid="passkeys-bare-ip">
                    "This page is open at an IP address, and browsers refuse passkeys there. Open bosun at its host name (add one to your DNS or hosts file, e.g. https://bosun.lan:8443) to add or use a passkey."
                </div>
            </Show>
            {move || outcome.get().map(|r| match r {
                Ok(text) => view! { <div class="alert alert-ok" role="status" data-testid="passkey-added">{text}</div> }.into_any(),
                Err(text) => view! { <div class="alert alert-error" role="alert" data-testid="passkey-error">{text}</div> }.into_any(),
            })}
            {move || revoke.value().get().and_then(Result::err).map(|error| view! { <ErrorView error /> })}
            <form class="row" on:submit=add>
                <input type="text" required maxlength="64" placeholder="Name, e.g. Laptop" aria-label="Passkey name"
                    data-testid="passkey-name" prop:value=name on:input=move |ev| name.set(event_target_value(&ev)) />
                <button type="submit" class="primary" data-testid="passkey-add"
                    disabled=move || busy.get() || bare_ip.get()>
                    {move || if busy.get() { "Waiting for your passkey…" } else { "Add a passkey" }}
                </button>
            </form>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(list) if list.is_empty() => view! { <p class="muted" data-testid="no-passkeys">"No passkeys yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <div class="table-wrap" tabindex="0" role="region" aria-label="Passkeys, scrolls sideways"><table data-testid="passkey-list">
                                <thead><tr><th>"Name"</th><th>"Works at"</th><th>"Added"</th><th>"Last used"</th><th></th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|p| {
                                        let id = p.id;
                                        let label = format!("Revoke passkey {}", p.name);
                                        view! {
                                            <tr>
                                                <td>{p.name}</td>
                                                <td><code>{p.host}</code></td>
                                                <td>{p.created_at}</td>
                                                <td>{p.last_used_at.unwrap_or_else(|| "never".into())}</td>
                                                <td><button class="danger small" aria-label=label
                                                    on:click=move |_| { revoke.dispatch(RevokePasskey { id }); }>"Revoke"</button></td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table></div>
                        }.into_any(),
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}
