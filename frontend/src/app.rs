//! The app: the HTML shell rendered on the server and the routes of every page.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{Lazy, path};

use crate::components::shell::Shell;
use crate::pages::not_found::NotFound;
use crate::routes;

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
                // The bundle's directory is named by its digest (server/src/http/assets.rs):
                // the stylesheet is asked for here, from the same one as the script and wasm.
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
                <Route path=path!("/login") view={Lazy::<routes::Login>::new()} />
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("") view={Lazy::<routes::Services>::new()} />
                    <Route path=path!("tasks") view={Lazy::<routes::Tasks>::new()} />
                    <Route path=path!("containers/:id") view={Lazy::<routes::Container>::new()} />
                    <Route path=path!("containers/:id/terminal") view={Lazy::<routes::Terminal>::new()} />
                    <Route path=path!("logs") view={Lazy::<routes::Logs>::new()} />
                    <Route path=path!("backups") view={Lazy::<routes::Backups>::new()} />
                    <Route path=path!("certificates") view={Lazy::<routes::Certificates>::new()} />
                    <Route path=path!("links") view={Lazy::<routes::Links>::new()} />
                    <Route path=path!("audit") view={Lazy::<routes::Audit>::new()} />
                    <Route path=path!("users") view={Lazy::<routes::Users>::new()} />
                    <Route path=path!("settings") view={Lazy::<routes::Settings>::new()} />
                    <Route path=path!("account") view={Lazy::<routes::Account>::new()} />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
