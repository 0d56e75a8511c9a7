//! Users (admin): create, change role, reset two-factor sign-in, delete.

use leptos::prelude::*;

use crate::api::users::{CreateUser, DeleteUser, ResetTotp, UpdateUser, list_users};
use crate::components::error_view::ErrorView;
use crate::model::{Role, UserDto, UserPatch};

#[component]
pub fn UsersPage() -> impl IntoView {
    let create = ServerAction::<CreateUser>::new();
    let update = ServerAction::<UpdateUser>::new();
    let delete = ServerAction::<DeleteUser>::new();
    let reset_totp = ServerAction::<ResetTotp>::new();
    let users = crate::components::render_once::page_resource(
        move || {
            (
                create.version().get(),
                update.version().get(),
                delete.version().get(),
                reset_totp.version().get(),
            )
        },
        |_| list_users(),
    );
    let last_error = move || {
        update
            .value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| delete.value().get().and_then(|r| r.err()))
            .or_else(|| reset_totp.value().get().and_then(|r| r.err()))
    };
    view! {
        <section class="page">
            <h1>"Users"</h1>
            {move || last_error().map(|error| view! { <ErrorView error /> })}
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match users.await {
                        Ok(list) => view! {
                            <div class="table-wrap" tabindex="0" role="region" aria-label="Table, scrolls sideways"><table data-testid="users-table">
                                <thead><tr><th>"User"</th><th>"Role"</th><th>"State"</th><th>"Last sign-in"</th><th>"Actions"</th></tr></thead>
                                <tbody>{list.into_iter().map(|u| view! { <UserRow user=u update delete reset_totp /> }).collect_view()}</tbody>
                            </table></div>
                        }.into_any(),
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                    }
                })}
            </Transition>
            <div class="card">
                <h2>"Add a user"</h2>
                {move || create.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorView error /> })}
                <ActionForm action=create attr:class="stack">
                    <label>"User name" <input type="text" name="username" autocapitalize="none" required maxlength="64" /></label>
                    <label>"Initial password (the user must change it)" <input type="password" name="password" autocomplete="new-password" minlength="12" required /></label>
                    <label>"Role"
                        <select name="role" aria-label="Role">
                            {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str()>{r.as_str()}</option> }).collect_view()}
                        </select>
                    </label>
                    <button type="submit" class="primary">"Add user"</button>
                </ActionForm>
            </div>
        </section>
    }
}

#[component]
fn UserRow(
    user: UserDto,
    update: ServerAction<UpdateUser>,
    delete: ServerAction<DeleteUser>,
    reset_totp: ServerAction<ResetTotp>,
) -> impl IntoView {
    let totp = user.totp_enabled;
    let passkeys = user.passkeys;
    // Something to reset: the authenticator app, or passkeys (a lost device holds either).
    let second_factor = totp || passkeys > 0;
    let id = user.id;
    let disabled = user.disabled;
    let name = user.username.clone();
    let set_role = move |ev: leptos::ev::Event| {
        if let Ok(role) = event_target_value(&ev).parse::<Role>() {
            update.dispatch(UpdateUser {
                id,
                patch: UserPatch {
                    role: Some(role),
                    ..Default::default()
                },
            });
        }
    };
    let reset_password = RwSignal::new(String::new());
    // An account of the identity provider: its role comes from its groups at every sign-in.
    let provider = user.provider_groups.clone();
    let from_provider = provider.is_some();
    view! {
        <tr data-user=name.clone()>
            <td>{name.clone()}</td>
            <td>
                <select on:change=set_role aria-label=format!("Role of {name}") disabled=from_provider
                    aria-describedby=from_provider.then(|| format!("role-source-{id}"))>
                    {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=r == user.role>{r.as_str()}</option> }).collect_view()}
                </select>
                {provider.map(|groups| view! {
                    <small class="muted" data-testid="role-source" id=format!("role-source-{id}")>
                        {format!("from the identity provider: {}", if groups.is_empty() { "no groups".to_owned() } else { groups.join(", ") })}
                    </small>
                })}
            </td>
            <td>
                {if disabled { "disabled" } else { "active" }}
                {user.must_change_password.then_some(" · must change password")}
                {totp.then_some(" · two-factor on")}
                {match passkeys {
                    0 => None,
                    1 => Some(" · 1 passkey".to_owned()),
                    n => Some(format!(" · {n} passkeys")),
                }}
            </td>
            <td>{user.last_login_at.unwrap_or_else(|| "never".into())}</td>
            <td class="actions">
                <button class="small" on:click=move |_| {
                    update.dispatch(UpdateUser { id, patch: UserPatch { disabled: Some(!disabled), ..Default::default() } });
                }>{if disabled { "Enable" } else { "Disable" }}</button>
                <span class="row" hidden=from_provider>
                    <input type="password" class="small" placeholder="New password" minlength="12"
                        bind:value=reset_password aria-label=format!("New password for {name}") />
                    <button class="small" on:click=move |_| {
                        let password = reset_password.get_untracked();
                        if !password.is_empty() {
                            update.dispatch(UpdateUser { id, patch: UserPatch { password: Some(password), ..Default::default() } });
                            reset_password.set(String::new());
                        }
                    }>"Reset password"</button>
                </span>
                {second_factor.then(|| {
                    let who = name.clone();
                    view! {
                        <button class="small" data-testid="reset-totp" on:click=move |_| {
                            if confirm(&format!("Turn off two-factor sign-in for {who}: the authenticator app and all passkeys? Their sessions end; they set it up again.")) {
                                reset_totp.dispatch(ResetTotp { id });
                            }
                        }>"Reset two-factor"</button>
                    }
                })}
                <button class="danger small" on:click=move |_| {
                    if confirm(&format!("Delete user {}? Their sessions and tokens stop working.", user.username)) {
                        delete.dispatch(DeleteUser { id });
                    }
                }>"Delete"</button>
            </td>
        </tr>
    }
}

fn confirm(message: &str) -> bool {
    window().confirm_with_message(message).unwrap_or(false)
}
