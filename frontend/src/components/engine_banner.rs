//! The banner shown while the Docker engine cannot be reached.

use leptos::prelude::*;

use crate::model::EngineStatus;

/// A banner when the Docker engine can't be reached. The state arrives over server-sent
/// events, so it clears by itself when the engine answers again.
#[component]
pub fn EngineBanner(initial: Option<EngineStatus>) -> impl IntoView {
    let status = RwSignal::new(initial);
    let stream_lost = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    listen(status, stream_lost);
    view! {
        {move || {
            status
                .get()
                .filter(|s| !s.connected)
                .map(|s| {
                    view! {
                        <div class="banner banner-error" role="alert" data-testid="engine-banner">
                            <strong>"Docker engine unreachable. "</strong>
                            {s.error.unwrap_or_default()}
                            " bosun keeps retrying; this banner disappears when the engine answers. Check that dockerd is running and that /var/run/docker.sock is mounted into bosun."
                        </div>
                    }
                })
        }}
        {move || {
            stream_lost
                .get()
                .then(|| {
                    view! {
                        <div class="banner banner-warn" role="status">
                            "Live updates from bosun are interrupted; reconnecting…"
                        </div>
                    }
                })
        }}
    }
}

#[cfg(feature = "hydrate")]
fn listen(status: RwSignal<Option<EngineStatus>>, stream_lost: RwSignal<bool>) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;

    Effect::new(move |_| {
        let Ok(source) = web_sys::EventSource::new("/api/v1/engine/events") else {
            stream_lost.set(true);
            return;
        };
        let on_message =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                if let Some(text) = ev.data().as_string()
                    && let Ok(s) = crate::components::json::decode::<EngineStatus>(&text)
                {
                    stream_lost.set(false);
                    status.set(Some(s));
                }
            });
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| stream_lost.set(true));
        source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        // The shell lives as long as the page, and so do these handlers.
        on_message.forget();
        on_error.forget();
    });
}
