//! Sign-in: user name, password and, when asked for, a two-factor code.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::account::Login;
use crate::components::error_view::ErrorView;

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_else(|| "/".to_owned());
    let expired = move || query.read().get("expired").is_some();
    let changed = move || query.read().get("changed").is_some();
    let login = ServerAction::<Login>::new();
    let error = move || login.value().get().and_then(|r| r.err());
    // The password was right and the account has two-factor sign-in: ask for the code.
    let need_code = RwSignal::new(false);
    Effect::new(move |_| {
        if error().is_some_and(|e| e.field.as_deref() == Some("code")) {
            need_code.set(true);
        }
    });
    view! {
        <main class="login">
            <div class="card login-card">
                <h1 class="brand-large">"bosun"</h1>
                <p class="muted">"Sign in to manage this host's compose stacks."</p>
                {move || {
                    expired()
                        .then(|| {
                            view! {
                                <div class="alert alert-info" role="status" data-testid="expired">
                                    "Your session has ended. Sign in again to continue."
                                </div>
                            }
                        })
                }}
                {move || {
                    changed()
                        .then(|| {
                            view! {
                                <div class="alert alert-ok" role="status">
                                    "Password changed. Sign in with your new password."
                                </div>
                            }
                        })
                }}
                {move || error()
                    .filter(|e| !(e.field.as_deref() == Some("code") && e.message.starts_with("Enter the")))
                    .map(|error| view! { <div data-testid="login-error"><ErrorView error /></div> })}
                <ActionForm action=login>
                    <input type="hidden" name="next" prop:value=next />
                    <label>
                        "User name"
                        <input
                            type="text"
                            name="username"
                            autocomplete="username"
                            autocapitalize="none"
                            required
                            autofocus
                        />
                    </label>
                    <label>
                        "Password"
                        <input type="password" name="password" autocomplete="current-password" required />
                    </label>
                    <Show when=move || need_code.get()>
                        <label>
                            "Code from your authenticator app"
                            <input type="text" name="code" inputmode="numeric" autocomplete="one-time-code"
                                data-testid="login-code" autofocus required placeholder="123456" />
                            <small class="muted">"Lost your phone? Enter one of your recovery codes instead."</small>
                        </label>
                    </Show>
                    <button type="submit" class="primary" disabled=move || login.pending().get()>
                        {move || if login.pending().get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </ActionForm>
            </div>
        </main>
    }
}
