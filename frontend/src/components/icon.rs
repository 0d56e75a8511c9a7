//! One icon set for every page: lucide's line icons, inlined at build time (see build.rs).
//! An icon is decoration beside words, so screen readers skip it.

use leptos::prelude::*;

/// The icon constants, one per file in `frontend/icons/`.
pub mod lucide {
    include!(concat!(env!("OUT_DIR"), "/icons.rs"));
}

#[component]
pub fn Icon(svg: &'static str) -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2"
            stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false"
            inner_html=svg></svg>
    }
}
