//! Sign-in: the identity provider's button, and the password form (user name, password and,
//! when asked for, a two-factor code) where passwords are allowed; the code step after a
//! provider sign-in; passkeys (passwordless, or as the second factor); and why a provider
//! sign-in was refused.

mod passkey;

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::account::{Login, LoginCode, load_sign_in_options};
use crate::api::passkeys::load_second_factor_options;
use crate::components::error_view::{ErrorView, urlencode};
use crate::model::sign_in::{PasswordLogin, ProviderRefusal, SignInOptions, asks_second_factor};
use passkey::PasskeyButton;

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_else(|| "/".to_owned());
    let flag = move |name: &'static str| move || query.read().get(name).is_some();
    let refused = move || {
        query
            .read()
            .get("refused")
            .and_then(|c| ProviderRefusal::from_code(&c))
    };
    let code_step = move || query.read().get("step").as_deref() == Some("code");
    let options = crate::components::json::resource(|| (), |_| load_sign_in_options());
    // Held here, not in the form: re-rendering the form on a change of the query (the code
    // step, a refusal) keeps the answer.
    let login = ServerAction::<Login>::new();
    // The password was right and the account has two-factor sign-in: ask for the code.
    let need_code = RwSignal::new(false);
    // As the shell's: effects run only once the wasm has hydrated the page.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <main class="login" data-hydrated=move || hydrated.get().to_string()>
            <div class="card login-card">
                <h1 class="brand-large">"bosun"</h1>
                <p class="muted">"Sign in to manage this host's compose stacks."</p>
                <Show when=flag("expired")>
                    <div class="alert alert-info" role="status" data-testid="expired">
                        "Your session has ended. Sign in again to continue."
                    </div>
                </Show>
                <Show when=flag("changed")>
                    <div class="alert alert-ok" role="status">
                        "Password changed. Sign in with your new password."
                    </div>
                </Show>
                {move || refused().map(|r| view! {
                    <div class="alert alert-error" role="alert" data-testid="provider-refused">{r.message()}</div>
                })}
                <Show when=code_step>
                    <CodeStep next=Signal::derive(next) />
                </Show>
                // The provider's button and the password form come with the options (the
                // server waits for them, so a page without its wasm has them too). The form's
                // action is held by the page, so re-rendering on a change of the query keeps
                // its answer; the form is hidden where passwords are off.
                <Show when=move || !code_step()>
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            let options = options.await.unwrap_or_default();
                            let password_off = options.password == PasswordLogin::Off;
                            view! {
                                <Methods options next=next() />
                                <div hidden=password_off>
                                    <PasswordForm login need_code next=Signal::derive(next) />
                                </div>
                            }
                        })}
                    </Suspense>
                </Show>
            </div>
        </main>
    }
}

/// The identity provider's button, the passkey button, and what passwords are for here.
#[component]
fn Methods(options: SignInOptions, next: String) -> impl IntoView {
    let passkey = options.passkey.then(|| {
        let next = next.clone();
        view! { <PasskeyButton next=Signal::derive(move || next.clone()) label="Sign in with a passkey" /> }
    });
    let provider = options.provider.map(|label| {
        let href = format!("/auth/oidc/start?next={}", urlencode(&next));
        view! {
            <a class="button primary provider-sign-in" href=href rel="external" data-testid="provider-sign-in">{label}</a>
        }
    });
    let note = (options.password == PasswordLogin::Admins).then(|| {
        view! {
            <p class="muted" data-testid="admins-only">
                "Passwords are for local admins only, for when the identity provider is down."
            </p>
        }
    });
    view! { {provider} {passkey} {note} }.into_any()
}

#[component]
fn PasswordForm(
    login: ServerAction<Login>,
    need_code: RwSignal<bool>,
    next: Signal<String>,
) -> impl IntoView {
    let error = move || login.value().get().and_then(|r| r.err());
    // The password was right; the second factor comes next: the code, a passkey, or either.
    let second = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(e) = error() {
            if e.field.as_deref() == Some("code") {
                need_code.set(true);
            }
            if asks_second_factor(&e) {
                second.set(true);
            }
        }
    });
    let offers = crate::components::json::resource(
        move || second.get(),
        |asked| async move {
            if asked {
                load_second_factor_options().await.unwrap_or_default()
            } else {
                Default::default()
            }
        },
    );
    view! {
        {move || error()
            .filter(|e| !asks_second_factor(e))
            .map(|error| view! { <div data-testid="login-error"><ErrorView error /></div> })}
        <ActionForm action=login>
            // An attribute, so the server renders it too: a form sent before the page has
            // hydrated (the sign-in page's code is fetched on demand) still goes back `next`.
            <input type="hidden" name="next" value=next />
            <label>
                "User name"
                <input type="text" name="username" autocomplete="username" autocapitalize="none" required autofocus />
            </label>
            <label>
                "Password"
                <input type="password" name="password" autocomplete="current-password" required />
            </label>
            <Show when=move || need_code.get()>
                <CodeField />
            </Show>
            <button type="submit" class="primary" disabled=move || login.pending().get()>
                {move || if login.pending().get() { "Signing in…" } else { "Sign in" }}
            </button>
        </ActionForm>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let offers = offers.await;
                offers.passkey.then(|| view! {
                    <p class="muted" data-testid="second-factor-passkey">
                        {if offers.code { "Or confirm with your passkey:" } else { "Confirm with your passkey:" }}
                    </p>
                    <PasskeyButton next label="Use a passkey" second_factor=true primary=!offers.code />
                })
            })}
        </Suspense>
    }
    .into_any()
}

/// The code from the authenticator app (or a recovery code), for the second step.
#[component]
fn CodeField() -> impl IntoView {
    view! {
        <label>
            "Code from your authenticator app"
            <input type="text" name="code" inputmode="numeric" autocomplete="one-time-code"
                data-testid="login-code" autofocus required placeholder="123456" />
            <small class="muted">"Lost your phone? Enter one of your recovery codes instead."</small>
        </label>
    }
}

/// After a sign-in through the identity provider, for a role that needs a second factor the
/// provider did not report: the code from the user's authenticator app, or their passkey.
#[component]
fn CodeStep(next: Signal<String>) -> impl IntoView {
    let action = ServerAction::<LoginCode>::new();
    let offers = crate::components::json::resource(|| (), |_| load_second_factor_options());
    view! {
        <p>"You signed in with the identity provider. Your role needs a second factor: enter the code from your authenticator app, or use your passkey."</p>
        {move || action.value().get().and_then(|r| r.err()).map(|error| view! {
            <div data-testid="login-error"><ErrorView error /></div>
        })}
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let offers = offers.await.unwrap_or_default();
                let code = (offers.code || !offers.passkey).then(|| view! {
                    <ActionForm action>
                        <CodeField />
                        <button type="submit" class="primary" disabled=move || action.pending().get()>"Continue"</button>
                    </ActionForm>
                });
                let passkey = offers.passkey.then(|| view! {
                    <PasskeyButton next label="Use a passkey" second_factor=true primary=!offers.code />
                });
                view! { {code} {passkey} }
            })}
        </Suspense>
    }
    .into_any()
}
