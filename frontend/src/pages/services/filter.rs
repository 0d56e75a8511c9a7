//! The Services page's filter box: finds a service, container, image or port across every
//! project. `/` focuses it from anywhere on the page, and the URL keeps it (`?q=`), so a
//! filtered view can be reloaded or shared. Also the page's browser-side housekeeping: a
//! click outside an open actions menu closes it, and the clock for uptimes ticks.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_location, use_navigate};

use super::ctx::ctx;
use crate::pages::logs::encode;

#[component]
pub fn FilterBox() -> impl IntoView {
    let Some(c) = ctx() else { return ().into_any() };
    let input = NodeRef::<leptos::html::Input>::new();
    let navigate = use_navigate();
    let path = use_location().pathname;
    keyboard_and_clicks(input);
    // The filter, and the address bar with it (replaced, so Back leaves the page).
    let set = move |q: String| {
        let url = if q.is_empty() {
            path.get_untracked()
        } else {
            format!("{}?q={}", path.get_untracked(), encode(&q))
        };
        c.filter.set(q);
        navigate(
            &url,
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    };
    let clear = set.clone();
    view! {
        <div class="filter-box" role="search">
            <label for="service-filter" class="sr-only">"Filter services"</label>
            <input id="service-filter" type="search" data-testid="service-filter" node_ref=input
                placeholder="Filter by service, container, image or port   ( / )" autocomplete="off"
                prop:value=move || c.filter.get()
                on:input=move |ev| set(event_target_value(&ev)) />
            {move || c.filter.with(|q| !q.trim().is_empty()).then(|| {
                let clear = clear.clone();
                view! {
                    <button class="small" data-action="clear-filter" on:click=move |_| {
                        clear(String::new());
                        if let Some(el) = input.get() { let _ = el.focus(); }
                    }>"Clear"</button>
                }
            })}
        </div>
    }
    .into_any()
}

/// `/` focuses the filter unless the user is typing somewhere; a click outside an open
/// actions menu closes it; the uptime clock ticks every 30 s.
fn keyboard_and_clicks(input: NodeRef<leptos::html::Input>) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let Some(c) = ctx() else { return };
        let element =
            |t: Option<web_sys::EventTarget>| t.and_then(|t| t.dyn_into::<web_sys::Element>().ok());
        let keys = window_event_listener(leptos::ev::keydown, move |ev| {
            let typing = element(ev.target()).is_some_and(|e| {
                matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                    || e.has_attribute("contenteditable")
            });
            if ev.key() == "/" && !typing && !ev.ctrl_key() && !ev.meta_key() {
                ev.prevent_default();
                if let Some(el) = input.get_untracked() {
                    let _ = el.focus();
                }
            }
        });
        let clicks = window_event_listener(leptos::ev::click, move |ev| {
            let in_menu = element(ev.target())
                .and_then(|e| e.closest(".menu").ok().flatten())
                .is_some();
            if !in_menu && c.menu.get_untracked().is_some() {
                c.menu.set(None);
            }
        });
        let tick = set_interval_with_handle(
            move || c.now.set(super::shape::now_secs()),
            std::time::Duration::from_secs(30),
        )
        .ok();
        on_cleanup(move || {
            keys.remove();
            clicks.remove();
            if let Some(t) = tick {
                t.clear();
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = input;
}
