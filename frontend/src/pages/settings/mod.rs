//! Settings (admin): which roles must use two-factor sign-in, and notifications.

mod webhooks_card;

use leptos::prelude::*;

use self::webhooks_card::WebhooksCard;
use crate::api::settings::{SetSecuritySettings, load_security_settings};
use crate::components::error_view::ErrorView;
use crate::model::Role;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let save = ServerAction::<SetSecuritySettings>::new();
    let current = crate::components::render_once::page_resource(
        move || save.version().get(),
        |_| load_security_settings(),
    );
    view! {
        <section class="page">
            <h1>"Settings"</h1>
            <div class="card" data-testid="security-settings">
                <h2>"Two-factor sign-in"</h2>
                <p class="muted">
                    "Users with a ticked role must set up two-factor sign-in (an authenticator app) before they can do anything else. API tokens are not affected."
                </p>
                {move || save.value().get().map(|r| match r {
                    Ok(_) => view! { <div class="alert alert-ok" role="status" data-testid="settings-saved">"Saved."</div> }.into_any(),
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                })}
                <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match current.await {
                            Ok(settings) => view! { <RequiredRoles required=settings.totp_required save /> }.into_any(),
                            Err(error) => view! { <ErrorView error /> }.into_any(),
                        }
                    })}
                </Transition>
            </div>
            <WebhooksCard />
        </section>
    }
}

#[component]
fn RequiredRoles(required: Vec<Role>, save: ServerAction<SetSecuritySettings>) -> impl IntoView {
    let ticks: Vec<(Role, RwSignal<bool>)> = Role::ALL
        .into_iter()
        .map(|r| (r, RwSignal::new(required.contains(&r))))
        .collect();
    let chosen = ticks.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let roles: Vec<&str> = chosen
            .iter()
            .filter(|(_, on)| on.get_untracked())
            .map(|(r, _)| r.as_str())
            .collect();
        save.dispatch(SetSecuritySettings {
            roles: roles.join(","),
        });
    };
    view! {
        <form class="row" on:submit=submit>
            {ticks.into_iter().map(|(r, on)| view! {
                <label class="inline-check">
                    <input type="checkbox" data-testid=format!("require-{}", r.as_str())
                        prop:checked=move || on.get() on:change=move |ev| on.set(event_target_checked(&ev)) />
                    {r.as_str()}
                </label>
            }).collect_view()}
            <button type="submit" class="primary" data-testid="save-security">"Save"</button>
        </form>
    }
    .into_any()
}
