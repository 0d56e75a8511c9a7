//! Server-sent events in the browser: one `EventSource` per call, closed with its owner.

use leptos::prelude::*;
use serde::de::DeserializeOwned;

/// Where a live stream stands, for the page's "live / reconnecting" note.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Connecting,
    Live,
    /// The connection dropped; the browser retries by itself.
    Lost,
}

/// Opens `url` and hands each JSON message to `on_message`. The browser reconnects by
/// itself after a drop; `state` says where it stands. Closed when the current owner is.
#[cfg(feature = "hydrate")]
pub fn follow<T: DeserializeOwned + 'static>(
    url: &str,
    state: RwSignal<Stream>,
    on_message: impl Fn(T) + 'static,
) {
    follow_while(url, state, move |value| {
        on_message(value);
        true
    });
}

/// [`follow`] for a stream that ends: when `on_message` answers false, the source is closed
/// (so the browser does not reconnect and start the stream over).
#[cfg(feature = "hydrate")]
pub fn follow_while<T: DeserializeOwned + 'static>(
    url: &str,
    state: RwSignal<Stream>,
    on_message: impl Fn(T) -> bool + 'static,
) {
    use send_wrapper::SendWrapper;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;

    let Ok(source) = web_sys::EventSource::new(url) else {
        state.set(Stream::Lost);
        return;
    };
    let own = source.clone();
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            if let Some(text) = ev.data().as_string()
                && let Ok(value) = crate::components::json::decode::<T>(&text)
            {
                // Set once, not per message: every set wakes what reads the state, and a
                // fast stream brings many messages in one task.
                if state.get_untracked() != Stream::Live {
                    state.set(Stream::Live);
                }
                if !on_message(value) {
                    own.close();
                }
            }
        });
    let watched = source.clone();
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        state.set(Stream::Lost);
        // The browser gives up only when the server refuses the stream outright. If that is
        // because the session ended (signed out elsewhere, disabled, timed out), say so the
        // way a page load would: the sign-in page, which brings the user back here.
        if watched.ready_state() == web_sys::EventSource::CLOSED {
            leptos::task::spawn_local(async move {
                if let Err(e) = crate::api::account::whoami().await
                    && e.kind == crate::error::ErrorKind::Unauthenticated
                    && let Some(window) = web_sys::window()
                {
                    let location = window.location();
                    let here = format!(
                        "{}{}",
                        location.pathname().unwrap_or_default(),
                        location.search().unwrap_or_default()
                    );
                    crate::nav::load_page(&format!(
                        "/login?expired=1&next={}",
                        crate::components::error_view::urlencode(&here)
                    ));
                }
            });
        }
    });
    // Live once connected: a stream may start with the next change rather than a frame.
    let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| state.set(Stream::Live));
    source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    let held = SendWrapper::new((source, on_message, on_error, on_open));
    on_cleanup(move || {
        let (source, _, _, _) = held.take();
        source.close();
    });
}

/// On the server there is nothing to follow; the page renders its first state.
#[cfg(not(feature = "hydrate"))]
pub fn follow<T: DeserializeOwned + 'static>(
    _url: &str,
    _state: RwSignal<Stream>,
    _on_message: impl Fn(T) + 'static,
) {
}

#[cfg(not(feature = "hydrate"))]
pub fn follow_while<T: DeserializeOwned + 'static>(
    _url: &str,
    _state: RwSignal<Stream>,
    _on_message: impl Fn(T) -> bool + 'static,
) {
}
