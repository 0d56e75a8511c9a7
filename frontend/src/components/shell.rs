//! The frame around every signed-in page: header, navigation, engine banner, current user.

use leptos::prelude::*;
use leptos_router::components::{A, Outlet};

use crate::api::account::{Logout, whoami};
use crate::api::engine::engine_state;
use crate::components::engine_banner::EngineBanner;
use crate::components::error_view::ErrorView;
use crate::components::icon::{Icon, lucide};
use crate::model::Me;
use crate::nav::PAGES;

/// The signed-in user, for pages that adapt to the role.
#[derive(Clone)]
pub struct CurrentUser(pub Me);

/// Header, navigation and engine banner around every signed-in page.
#[component]
pub fn Shell() -> impl IntoView {
    let me = crate::components::json::resource(|| (), |_| whoami());
    crate::components::render_once::provide();
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(user) => view! { <Layout user /> }.into_any(),
                    Err(error) => view! { <main class="content"><ErrorView error /></main> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Layout(user: Me) -> impl IntoView {
    provide_context(CurrentUser(user.clone()));
    let menu_open = RwSignal::new(false);
    // Effects run only in the browser, once the wasm bundle has hydrated the page;
    // end-to-end tests wait for this marker before relying on client-side behaviour.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let engine = crate::components::render_once::page_resource(|| (), |_| engine_state());
    let logout = ServerAction::<Logout>::new();
    let role = user.role;
    let pending_change = user.must_change_password || user.must_enrol_totp;
    let links = PAGES
        .iter()
        .filter(|p| {
            p.in_menu && role.allows(p.role) && (!pending_change || p.before_password_change)
        })
        .map(|p| {
            view! {
                <li>
                    <A href=p.path exact=true>
                        <Icon svg=nav_icon(p.path) />
                        {p.title}
                    </A>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="app" class:menu-open=move || menu_open.get() data-hydrated=move || hydrated.get().to_string()>
            <header class="topbar">
                <button
                    class="menu-toggle"
                    aria-label="Menu"
                    aria-expanded=move || menu_open.get().to_string()
                    data-testid="menu-toggle"
                    on:click=move |_| menu_open.update(|o| *o = !*o)
                >
                    "☰"
                </button>
                <a class="brand" href="/">
                    "bosun"
                </a>
                <div class="who">
                    <crate::components::theme::ThemeSwitch />
                    <span class="username" data-testid="current-user">
                        {user.username.clone()}
                    </span>
                    <span class=format!("role role-{role}")>{role.as_str()}</span>
                    <ActionForm action=logout attr:class="inline">
                        <button type="submit" class="link-button" data-testid="logout">
                            "Sign out"
                        </button>
                    </ActionForm>
                </div>
            </header>
            // Choosing a page closes the phone menu.
            <nav class="sidenav" aria-label="Main" data-testid="nav" on:click=move |_| menu_open.set(false)>
                <ul>{links}</ul>
            </nav>
            <main class="content">
                // Nothing live is served before a pending password change (only Account is),
                // so the engine's stream is not opened, and no "interrupted" banner misleads.
                {(!pending_change).then(|| view! {
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            let initial = engine.await.ok();
                            view! { <EngineBanner initial /> }
                        })}
                    </Suspense>
                })}
                {pending_change
                    .then(|| {
                        view! {
                            <div class="banner banner-warn" role="status">
                                "Your password was generated or reset. Set a new one below before using bosun."
                            </div>
                        }
                    })}
                <Outlet />
            </main>
        </div>
    }
}

/// Each page's icon in the navigation.
fn nav_icon(path: &str) -> &'static str {
    match path {
        "/" => lucide::LAYERS,
        "/tasks" => lucide::LIST_CHECKS,
        "/logs" => lucide::SCROLL_TEXT,
        "/backups" => lucide::ARCHIVE,
        "/certificates" => lucide::SHIELD_CHECK,
        "/links" => lucide::LINK,
        "/audit" => lucide::HISTORY,
        "/users" => lucide::USERS,
        "/settings" => lucide::SETTINGS,
        _ => lucide::USER,
    }
}
