//! A terminal in one container (`/containers/{id}/terminal`): xterm.js, served by bosun
//! itself, talks to the container over bosun's WebSocket. The page's script
//! (`/terminal.js`) is plain JavaScript loaded on this page only, so xterm.js never weighs on
//! the wasm bundle every other page loads. Who may open one is `BOSUN_TERMINAL`'s; the page
//! asks first and says so instead of offering a terminal that would be refused.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::terminal::load_terminal_access;
use crate::components::error_view::ErrorView;

#[component]
pub fn TerminalPage() -> impl IntoView {
    let params = use_params_map();
    let id = params.with_untracked(|p| p.get("id").unwrap_or_default());
    let access = crate::components::render_once::page_resource(|| (), |()| load_terminal_access());
    let back = format!("/containers/{id}");
    view! {
        <section class="page terminal-page">
            <div class="page-head">
                <h1>"Terminal"</h1>
                <a href=back>{format!("Details of {id}")}</a>
            </div>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || {
                    let id = id.clone();
                    Suspend::new(async move {
                        match access.await {
                            Ok(a) if a.allowed => view! { <Console id /> }.into_any(),
                            Ok(a) => view! {
                                <p class="error" role="alert" data-testid="refusal">{a.refusal}</p>
                            }.into_any(),
                            Err(error) => view! { <ErrorView error /> }.into_any(),
                        }
                    })
                }}
            </Transition>
            // The script loads xterm.js itself, in order, whenever it runs.
            <link rel="stylesheet" href="/pkg/xterm/xterm.css" />
            <script src="/terminal.js"></script>
        </section>
    }
}

/// The form and the terminal; `/terminal.js` brings them to life.
#[component]
fn Console(id: String) -> impl IntoView {
    view! {
        <form id="terminal-form" class="card terminal-form">
            <label>
                "Command "
                <input name="cmd" autocomplete="off" spellcheck="false"
                    placeholder="empty: /bin/bash, else /bin/sh" />
            </label>
            <label>
                "User "
                <input name="user" autocomplete="off" spellcheck="false"
                    placeholder="the container's own" />
            </label>
            <button type="submit">"Connect"</button>
            <button type="button" id="terminal-disconnect">"Disconnect"</button>
        </form>
        <p id="terminal-status" role="status" aria-live="polite">
            "Connect to open a shell in the container. It closes when you leave this page, and after a while without a keystroke."
        </p>
        <div id="terminal" class="terminal" data-container=id role="application"
            aria-label="Terminal"></div>
    }
}
