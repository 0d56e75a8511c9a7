//! Account: your password, signing out everywhere, API tokens, two-factor sign-in and
//! passkeys.

mod passkeys;

use leptos::prelude::*;

use crate::api::account::{ChangePassword, LogoutAll, TotpConfirm, TotpDisable, TotpStart};
use crate::api::tokens::{CreateToken, RevokeToken, list_tokens};
use crate::components::error_view::ErrorView;
use crate::components::shell::CurrentUser;

#[component]
pub fn AccountPage() -> impl IntoView {
    let user = use_context::<CurrentUser>().map(|u| u.0);
    let pending = user.as_ref().is_some_and(|u| u.must_change_password);
    let must_enrol = user.as_ref().is_some_and(|u| u.must_enrol_totp);
    let totp_on = user.as_ref().is_some_and(|u| u.totp_enabled);
    view! {
        <section class="page">
            <h1>"Account"</h1>
            {(must_enrol && !pending).then(|| view! {
                <div class="alert alert-info" role="status" data-testid="must-enrol">
                    "Your role requires two-factor sign-in. Set up the authenticator app or add a passkey below; everything else opens once you have one."
                </div>
            })}
            <PasswordCard />
            {(!pending).then(|| view! { <TotpCard enabled=totp_on /> })}
            {(!pending).then(|| view! { <passkeys::PasskeysCard must_enrol /> })}
            {(!pending && !must_enrol).then(|| view! { <TokensCard /> })}
            <SessionsCard tokens_shown={!pending && !must_enrol} />
        </section>
    }
}

#[component]
fn PasswordCard() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let result = move || change.value().get();
    view! {
        <div class="card">
            <h2>"Change password"</h2>
            <p class="muted">"At least 12 characters, and not containing your user name. Changing it signs out all your sessions."</p>
            {move || match result() {
                Some(Ok(())) => view! {
                    <div class="alert alert-ok" role="status" data-testid="password-changed">
                        "Password changed. Sign in again with the new password."
                    </div>
                }.into_any(),
                Some(Err(error)) => view! { <ErrorView error /> }.into_any(),
                None => ().into_any(),
            }}
            <ActionForm action=change attr:class="stack">
                <label>"Current password" <input type="password" name="current" autocomplete="current-password" required /></label>
                <label>"New password" <input type="password" name="new" autocomplete="new-password" minlength="12" required /></label>
                <label>"Repeat new password" <input type="password" name="repeat" autocomplete="new-password" minlength="12" required /></label>
                <button type="submit" class="primary" disabled=move || change.pending().get()>"Change password"</button>
            </ActionForm>
        </div>
    }
}

#[component]
fn TokensCard() -> impl IntoView {
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let tokens = crate::components::render_once::page_resource(
        move || (create.version().get(), revoke.version().get()),
        |_| list_tokens(),
    );
    view! {
        <div class="card">
            <h2>"API tokens"</h2>
            <p class="muted">"Use a token as " <code>"Authorization: Bearer …"</code> " on /api/v1. It acts with your role."</p>
            {move || match create.value().get() {
                Some(Ok(created)) => view! {
                    <div class="alert alert-ok" role="status">
                        "Token " <strong>{created.token.name.clone()}</strong> " created. Copy it now; it is not shown again:"
                        <pre class="secret" data-testid="new-token">{created.secret.clone()}</pre>
                    </div>
                }.into_any(),
                Some(Err(error)) => view! { <ErrorView error /> }.into_any(),
                None => ().into_any(),
            }}
            <ActionForm action=create attr:class="row">
                <input type="text" name="name" placeholder="Token name, e.g. ci-deploy" required maxlength="64" />
                <button type="submit">"Create token"</button>
            </ActionForm>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Ok(list) if list.is_empty() => view! { <p class="muted">"No tokens yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <div class="table-wrap" tabindex="0" role="region" aria-label="Table, scrolls sideways"><table>
                                <thead><tr><th>"Name"</th><th>"Starts with"</th><th>"Created"</th><th>"Last used"</th><th></th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|t| {
                                        let id = t.id;
                                        view! {
                                            <tr>
                                                <td>{t.name}</td>
                                                <td><code>{t.prefix}</code></td>
                                                <td>{t.created_at}</td>
                                                <td>{t.last_used_at.unwrap_or_else(|| "never".into())}</td>
                                                <td><button class="danger small" on:click=move |_| { revoke.dispatch(RevokeToken { id }); }>"Revoke"</button></td>
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

#[component]
fn SessionsCard(
    /// The API tokens card is on the page (not while a password change or 2FA set-up waits).
    tokens_shown: bool,
) -> impl IntoView {
    let logout_all = ServerAction::<LogoutAll>::new();
    view! {
        <div class="card">
            <h2>"Sessions"</h2>
            <p class="muted">{if tokens_shown {
                "Signs you out everywhere, including this browser. API tokens stay valid; revoke them above."
            } else {
                "Signs you out everywhere, including this browser. API tokens stay valid."
            }}</p>
            <ActionForm action=logout_all>
                <button type="submit" class="danger" data-testid="logout-all">"Sign out all my sessions"</button>
            </ActionForm>
        </div>
    }
}

/// Two-factor sign-in: set up with a QR code and a first code, recovery codes shown once,
/// or turned off with the password.
#[component]
fn TotpCard(enabled: bool) -> impl IntoView {
    let start = ServerAction::<TotpStart>::new();
    let confirm = ServerAction::<TotpConfirm>::new();
    let disable = ServerAction::<TotpDisable>::new();
    let on = RwSignal::new(enabled);
    Effect::new(move |_| {
        if matches!(confirm.value().get(), Some(Ok(_))) {
            on.set(true);
        }
        if matches!(disable.value().get(), Some(Ok(()))) {
            on.set(false);
        }
    });
    view! {
        <div class="card" data-testid="totp">
            <h2>"Two-factor sign-in"</h2>
            <p class="muted" data-testid="totp-state">
                {move || if on.get() {
                    "On: signing in asks for a code from your authenticator app."
                } else {
                    "Off. With it on, signing in also asks for a 6-digit code from an authenticator app (Aegis, Google Authenticator, 1Password, …)."
                }}
            </p>
            {move || confirm.value().get().map(|r| match r {
                Ok(codes) => view! {
                    <div class="alert alert-ok" role="status">
                        <p>"Two-factor sign-in is on. These recovery codes each work once, instead of a code, if you lose your phone. Save them now: they are not shown again."</p>
                        <pre class="secret" data-testid="recovery-codes">{codes.codes.join("\n")}</pre>
                    </div>
                }.into_any(),
                Err(error) => view! { <ErrorView error /> }.into_any(),
            })}
            {move || disable.value().get().map(|r| match r {
                Ok(()) => view! { <div class="alert alert-ok" role="status">"Two-factor sign-in is off."</div> }.into_any(),
                Err(error) => view! { <ErrorView error /> }.into_any(),
            })}
            <Show when=move || !on.get()>
                {move || match start.value().get() {
                    Some(Ok(setup)) => view! {
                        <div class="totp-setup">
                            <p>"Scan this with your authenticator app, then enter the code it shows."</p>
                            <div class="qr" data-testid="totp-qr" inner_html=setup.qr_svg.clone()></div>
                            <p class="muted">"Or type this key into the app: " <code data-testid="totp-secret">{setup.secret.clone()}</code></p>
                            <ActionForm action=confirm attr:class="row">
                                <input type="text" name="code" inputmode="numeric" autocomplete="one-time-code"
                                    placeholder="123456" required data-testid="totp-code" aria-label="Code from the app" />
                                <button type="submit" class="primary" data-testid="totp-confirm">"Turn on"</button>
                            </ActionForm>
                        </div>
                    }.into_any(),
                    Some(Err(error)) => view! { <ErrorView error /> }.into_any(),
                    None => view! {
                        <button class="primary" data-testid="totp-start" on:click=move |_| { start.dispatch(TotpStart {}); }>
                            "Set up two-factor sign-in"
                        </button>
                    }.into_any(),
                }}
            </Show>
            <Show when=move || on.get()>
                <ActionForm action=disable attr:class="row">
                    <input type="password" name="password" autocomplete="current-password" required
                        placeholder="Your password" aria-label="Your password" />
                    <button type="submit" class="danger">"Turn off"</button>
                </ActionForm>
            </Show>
        </div>
    }
}
