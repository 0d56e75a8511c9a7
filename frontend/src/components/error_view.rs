//! Errors shown the way users need them: what happened, what to do, the request id.

use leptos::prelude::*;

use crate::error::{AppError, ErrorKind};

/// Shows an error the way users need it: what happened, what to do, and the request id.
/// An ended session sends the browser back to the sign-in page instead. On the sign-in page
/// itself a refusal (a wrong password, a wrong code) is the answer to show, not an ended
/// session: the page stays, with where the user was going.
#[component]
pub fn ErrorView(error: AppError) -> impl IntoView {
    let here = leptos_router::hooks::use_location()
        .pathname
        .get_untracked();
    let signing_in = here == crate::nav::LOGIN_PATH;
    let signed_out = error.kind == ErrorKind::Unauthenticated && !signing_in;
    let login = format!("/login?expired=1&next={}", urlencode(&here));
    // In the browser an ended session goes straight back to the sign-in page.
    #[cfg(feature = "hydrate")]
    if signed_out {
        let navigate = leptos_router::hooks::use_navigate();
        let target = login.clone();
        request_animation_frame(move || navigate(&target, Default::default()));
    }
    let title = match error.kind {
        ErrorKind::Forbidden => "Not allowed",
        ErrorKind::NotFound => "Not found",
        ErrorKind::Unauthenticated if signing_in => "Not signed in",
        ErrorKind::Unauthenticated => "Signed out",
        ErrorKind::BadRequest => "Check your input",
        ErrorKind::Conflict => "Conflict",
        ErrorKind::TooManyRequests => "Slow down",
        ErrorKind::Unavailable => "Unavailable",
        ErrorKind::InsufficientStorage => "Disk full",
        ErrorKind::EngineFailed => "Docker engine error",
        ErrorKind::UpstreamFailed => "Certificate authority error",
        ErrorKind::Internal => "Server error",
    };
    view! {
        <div class="alert alert-error" role="alert">
            <strong>{title}": "</strong>
            <span class="alert-message">{error.message.clone()}</span>
            {signed_out.then(|| view! { " " <a href=login>"Sign in again"</a> })}
            {error.request_id.clone().map(|id| view! { <small class="request-id">" (request id " <code>{id}</code> ")"</small> })}
        </div>
    }
}

/// Percent-encodes a path for a query parameter.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
