//! A page's resources made once per server render.
//!
//! On the server, a `Suspense` walks its children more than once: once to find the resources
//! they read, then to render them (Leptos' design, leptos-rs/leptos#2956 and #4688). Every
//! signed-in page sits under the shell's `Suspense` (which waits for the user), so each page
//! was built two or three times per request: its server functions ran that often (the whole
//! overview, three times, for the Services page) and each copy of their answer went into the
//! HTML for hydration. [`page_resource`] hands the later walks the resource the first walk
//! made. The browser builds each page once, so there it is a plain resource.

use std::future::Future;

#[cfg(feature = "ssr")]
use leptos::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::json::{JsonResource, resource};

/// The resources made so far, by their place in the source.
#[cfg(feature = "ssr")]
type Made =
    std::collections::HashMap<(&'static str, u32, u32), Box<dyn std::any::Any + Send + Sync>>;

/// Where the resources of one server render live: the shell's owner, which outlives the walks.
#[cfg(feature = "ssr")]
#[derive(Clone)]
pub struct RenderOnce {
    owner: Owner,
    made: std::sync::Arc<std::sync::Mutex<Made>>,
}

/// Called by the shell, above its `Suspense`: the pages below share one set of resources.
pub fn provide() {
    #[cfg(feature = "ssr")]
    if let Some(owner) = Owner::current() {
        provide_context(RenderOnce {
            owner,
            made: Default::default(),
        });
    }
}

/// `Resource::new` for a resource a page makes once (not one per item of a list): keyed by
/// its place in the source. Outside a shell (the sign-in page) it is a plain resource.
#[track_caller]
pub fn page_resource<S, T, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> JsonResource<T>
where
    S: PartialEq + Clone + Send + Sync + 'static,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    #[cfg(feature = "ssr")]
    if let Some(once) = use_context::<RenderOnce>() {
        let at = std::panic::Location::caller();
        let key = (at.file(), at.line(), at.column());
        let Ok(mut made) = once.made.lock() else {
            return resource(source, fetcher);
        };
        if let Some(r) = made
            .get(&key)
            .and_then(|r| r.downcast_ref::<JsonResource<T>>())
        {
            return *r;
        }
        // The source is read now: on the server nothing changes it during a render, and the
        // walk whose signals it reads is dropped before the next one.
        let now = source();
        let r = once.owner.with(|| resource(move || now.clone(), fetcher));
        made.insert(key, Box::new(r));
        return r;
    }
    resource(source, fetcher)
}
