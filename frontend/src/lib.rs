//! bosun's web app: pages, components, DTOs and server functions.
//! Built twice: with `ssr` into the server, with `hydrate` into the browser's wasm bundle.

pub mod api;
pub mod app;
pub mod components;
pub mod error;
pub mod format;
pub mod model;
pub mod nav;
pub mod pages;
pub mod routes;
pub mod webauthn;

#[cfg(feature = "ssr")]
pub mod authz;
#[cfg(feature = "ssr")]
pub mod ports;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Lazy routes: hydration waits for the chunk of the page being hydrated.
    leptos::mount::hydrate_lazy(app::App);
}
