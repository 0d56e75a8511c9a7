//! The pages are lazy routes: in the browser their code is split out of the wasm bundle at
//! build time (`xtask site --release`, wasm-split) and fetched when a page is first shown.
//! A cold load downloads the app's core and the code of the page it lands on (the server
//! names those chunks in `<link rel="preload">`), not every page's code. On the server a lazy
//! route renders like any other.
//!
//! There are three split points, not one per page: the sign-in page (where every new visitor
//! starts), the Services page (where a signed-in user lands), and every other page together.
//! wasm-split makes a chunk for each set of split points that share code, so one split point
//! per page made 277 chunks, 168 of them for the Services page: the browser compiled and
//! linked each as its own module, and hydration took 1.3 s instead of 0.3 s. Three make at
//! most seven.
//!
//! Each route's `preload` fetches its chunks, and the router awaits it before it hydrates
//! the route. Without it the sign-in page failed to hydrate (a mismatch the Chromium suite
//! found): `#[lazy_route]` writes this for a route, so it is written here by hand.

use leptos::lazy;
use leptos::prelude::*;
use leptos_router::LazyRoute;

use crate::pages;

/// The pages behind the third split point.
#[derive(Clone, Copy, Debug)]
pub enum Other {
    Tasks,
    Container,
    Terminal,
    Logs,
    Backups,
    Certificates,
    Links,
    Audit,
    Users,
    Settings,
    Account,
}

#[lazy]
fn login_page() -> AnyView {
    pages::login::LoginPage().into_any()
}

#[lazy]
fn services_page() -> AnyView {
    pages::services::ServicesPage().into_any()
}

#[lazy]
fn other_page(page: Other) -> AnyView {
    match page {
        Other::Tasks => pages::tasks::TasksPage().into_any(),
        Other::Container => pages::container::ContainerPage().into_any(),
        Other::Terminal => pages::terminal::TerminalPage().into_any(),
        Other::Logs => pages::logs::LogsPage().into_any(),
        Other::Backups => pages::backups::BackupsPage().into_any(),
        Other::Certificates => pages::certificates::CertificatesPage().into_any(),
        Other::Links => pages::links::LinksPage().into_any(),
        Other::Audit => pages::audit::AuditPage().into_any(),
        Other::Users => pages::users::UsersPage().into_any(),
        Other::Settings => pages::settings::SettingsPage().into_any(),
        Other::Account => pages::account::AccountPage().into_any(),
    }
}

/// A route whose view is a split point's page: `view` awaits the lazy function, `preload`
/// fetches its chunks (its `__preload_` twin, which `#[lazy]` writes in the browser build).
macro_rules! page_route {
    ($($route:ident => $view:expr, $preload:ident;)*) => {$(
        #[derive(Debug)]
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            async fn view(_this: Self) -> AnyView {
                $view.await
            }

            async fn preload() {
                #[cfg(feature = "hydrate")]
                $preload().await;
            }
        }
    )*};
}

page_route! {
    Login => login_page(), __preload_login_page;
    Services => services_page(), __preload_services_page;
    Tasks => other_page(Other::Tasks), __preload_other_page;
    Container => other_page(Other::Container), __preload_other_page;
    Terminal => other_page(Other::Terminal), __preload_other_page;
    Logs => other_page(Other::Logs), __preload_other_page;
    Backups => other_page(Other::Backups), __preload_other_page;
    Certificates => other_page(Other::Certificates), __preload_other_page;
    Links => other_page(Other::Links), __preload_other_page;
    Audit => other_page(Other::Audit), __preload_other_page;
    Users => other_page(Other::Users), __preload_other_page;
    Settings => other_page(Other::Settings), __preload_other_page;
    Account => other_page(Other::Account), __preload_other_page;
}
