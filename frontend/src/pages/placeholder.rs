use leptos::prelude::*;

/// A page whose feature has not been built yet: it says so plainly.
#[component]
pub fn PlaceholderPage(title: &'static str, feature: &'static str) -> impl IntoView {
    view! {
        <section class="page">
            <h1>{title}</h1>
            <div class="empty" data-testid="not-built">
                <p>
                    <strong>"Not built yet. "</strong>
                    "This page will show " {feature} ". It is planned and not part of this version of bosun."
                </p>
            </div>
        </section>
    }
}
