//! The app: the HTML shell rendered on the server and the routes of every page.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::path;

use crate::components::shell::Shell;
use crate::pages::{
    account::AccountPage, audit::AuditPage, backups::BackupsPage, certificates::CertificatesPage,
    links::LinksPage, login::LoginPage, logs::LogsPage, not_found::NotFound,
    services::ServicesPage, settings::SettingsPage, tasks::TasksPage, users::UsersPage,
};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    // The theme chosen on the switch, from its cookie: the page comes in it, no flash.
    #[cfg(feature = "ssr")]
    let theme = crate::components::theme::of_request();
    #[cfg(not(feature = "ssr"))]
    let theme = crate::components::theme::Theme::System;
    view! {
        <!DOCTYPE html>
        <html lang="en" data-theme=theme.as_str()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.ico" sizes="any" />
                <link rel="icon" href="/icon.svg" type="image/svg+xml" />
                <link rel="apple-touch-icon" href="/icon.svg" />
                <link rel="manifest" href="/manifest.webmanifest" />
                <meta name="theme-color" content="#0b5cc8" />
                // The bundle's name carries its digest (server/src/http/assets.rs): the
                // stylesheet is asked for here, by the same name as the script and the wasm.
                <link rel="stylesheet" id="leptos" href=format!("/{}/{}.css", options.site_pkg_dir, options.output_name) />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="bosun" />
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view=LoginPage />
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("") view=ServicesPage />
                    <Route path=path!("tasks") view=TasksPage />
                    <Route path=path!("containers/:id") view=crate::pages::container::ContainerPage />
                    <Route path=path!("containers/:id/terminal") view=crate::pages::terminal::TerminalPage />
                    <Route path=path!("logs") view=LogsPage />
                    <Route path=path!("backups") view=BackupsPage />
                    <Route path=path!("certificates") view=CertificatesPage />
                    <Route path=path!("links") view=LinksPage />
                    <Route path=path!("audit") view=AuditPage />
                    <Route path=path!("users") view=UsersPage />
                    <Route path=path!("settings") view=SettingsPage />
                    <Route path=path!("account") view=AccountPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
