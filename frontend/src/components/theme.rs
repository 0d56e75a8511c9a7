//! Light, dark, or the system's choice: kept in a cookie, so the server renders every page in
//! it (no flash of the wrong theme), and switched from the top bar.

use leptos::prelude::*;

use crate::components::icon::{Icon, lucide};

/// The cookie that keeps the choice (not a secret; readable by the page on purpose).
pub const COOKIE: &str = "bosun_theme";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    pub fn parse(s: &str) -> Self {
        match s.trim() {
            "light" => Theme::Light,
            "dark" => Theme::Dark,
            _ => Theme::System,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    /// The next in the switch's round: system → light → dark → system.
    pub fn next(self) -> Self {
        match self {
            Theme::System => Theme::Light,
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::System,
        }
    }

    /// The theme named in a `Cookie` header.
    pub fn from_cookie_header(header: &str) -> Self {
        header
            .split(';')
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == COOKIE)
            .map_or(Theme::System, |(_, v)| Theme::parse(v))
    }
}

/// The theme of the request being rendered (server side).
#[cfg(feature = "ssr")]
pub fn of_request() -> Theme {
    // Over HTTP/2 a browser sends each cookie in a header of its own.
    use_context::<http::request::Parts>()
        .and_then(|p| {
            p.headers
                .get_all(http::header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .map(Theme::from_cookie_header)
                .find(|t| *t != Theme::System)
        })
        .unwrap_or_default()
}

/// The switch in the top bar: one button that moves through system, light and dark.
#[component]
pub fn ThemeSwitch() -> impl IntoView {
    #[cfg(feature = "ssr")]
    let first = of_request();
    #[cfg(not(feature = "ssr"))]
    let first = current();
    let theme = RwSignal::new(first);
    let label = move || format!("Theme: {} (switch)", theme.get().as_str());
    view! {
        <button type="button" class="link-button theme-switch" data-testid="theme-switch"
            data-theme=move || theme.get().as_str() aria-label=label title=label
            on:click=move |_| {
                let next = theme.get_untracked().next();
                theme.set(next);
                apply(next);
            }>
            {move || view! { <Icon svg=match theme.get() {
                Theme::System => lucide::MONITOR,
                Theme::Light => lucide::SUN,
                Theme::Dark => lucide::MOON,
            } /> }}
        </button>
    }
}

/// The theme the page was rendered in (the browser side).
#[cfg(not(feature = "ssr"))]
fn current() -> Theme {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .and_then(|e| e.get_attribute("data-theme"))
        .map_or(Theme::System, |t| Theme::parse(&t))
}

/// Sets the page's theme now, and keeps it for a year.
fn apply(theme: Theme) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        if let Some(root) = doc.document_element() {
            let _ = root.set_attribute("data-theme", theme.as_str());
        }
        let secure = web_sys::window()
            .and_then(|w| w.location().protocol().ok())
            .is_some_and(|p| p == "https:");
        if let Ok(html) = doc.dyn_into::<web_sys::HtmlDocument>() {
            let _ = html.set_cookie(&format!(
                "{COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Strict{}",
                theme.as_str(),
                if secure { "; Secure" } else { "" }
            ));
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = theme;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_names_the_theme_and_anything_else_is_the_systems() {
        assert_eq!(
            Theme::from_cookie_header("a=b; bosun_theme=dark"),
            Theme::Dark
        );
        assert_eq!(Theme::from_cookie_header("bosun_theme=light"), Theme::Light);
        assert_eq!(
            Theme::from_cookie_header("bosun_theme=<script>"),
            Theme::System
        );
        assert_eq!(Theme::from_cookie_header(""), Theme::System);
        assert_eq!(Theme::Dark.next(), Theme::System);
    }
}
