//! The passkey button of the sign-in page: passwordless, or the second factor of the user
//! waiting in the session. It runs the browser's prompt and loads the next page in full, so
//! the signed-in shell starts fresh.

use leptos::prelude::*;

use crate::api::passkeys::{passkey_sign_in_finish, passkey_sign_in_start};

#[component]
pub fn PasskeyButton(
    /// Where to go after signing in (the sign-in page's `next`).
    next: Signal<String>,
    label: &'static str,
    /// The second step of a sign-in (after the password or the provider), not a sign-in alone.
    #[prop(optional)]
    second_factor: bool,
    #[prop(optional)] primary: bool,
) -> impl IntoView {
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let press = move |_| {
        busy.set(true);
        error.set(None);
        let next = next.get_untracked();
        leptos::task::spawn_local(async move {
            let result = async {
                let options = passkey_sign_in_start(second_factor)
                    .await
                    .map_err(|e| e.message)?;
                let credential = crate::webauthn::get(&options).await?;
                passkey_sign_in_finish(credential, Some(next))
                    .await
                    .map_err(|e| e.message)
            }
            .await;
            match result {
                Ok(done) => crate::nav::load_page(&done.next),
                Err(message) => {
                    error.set(Some(message));
                    busy.set(false);
                }
            }
        });
    };
    view! {
        {move || error.get().map(|m| view! {
            <div class="alert alert-error" role="alert" data-testid="passkey-error">{m}</div>
        })}
        <button type="button" class=if primary { "primary passkey-sign-in" } else { "passkey-sign-in" }
            data-testid="passkey-sign-in" on:click=press disabled=move || busy.get()>
            {move || if busy.get() { "Waiting for your passkey…" } else { label }}
        </button>
    }
}
