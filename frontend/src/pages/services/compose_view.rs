//! A project's compose files on its card, read-only, opened on demand, with YAML keys,
//! comments and hidden values set apart. What is open (and what was read) lives in the page's
//! context, so the live overview redrawing the card keeps it open.

use leptos::prelude::*;

use super::ctx::ctx;
use crate::api::details::load_compose;
use crate::components::error_view::ErrorView;
use crate::model::details::ComposeFiles;

#[component]
pub fn ComposeView(project: String) -> impl IntoView {
    let Some(c) = ctx() else {
        return ().into_any();
    };
    let key = project.clone();
    let is_open = move || c.compose.with(|m| m.contains_key(&key));
    let toggle = {
        let project = project.clone();
        move |_| {
            if c.compose.with(|m| m.contains_key(&project)) {
                c.compose.update(|m| {
                    m.remove(&project);
                });
                return;
            }
            c.compose.update(|m| {
                m.insert(project.clone(), None);
            });
            let project = project.clone();
            leptos::task::spawn_local(async move {
                let read = load_compose(project.clone()).await;
                c.compose.update(|m| {
                    if let Some(slot) = m.get_mut(&project) {
                        *slot = Some(read);
                    }
                });
            });
        }
    };
    let open = is_open.clone();
    let shown = move || {
        c.compose.with(|m| match m.get(&project) {
            Some(Some(Ok(f))) => view! { <Files f=f.clone() /> }.into_any(),
            Some(Some(Err(error))) => view! { <ErrorView error=error.clone() /> }.into_any(),
            Some(None) => view! { <p class="loading">"Reading…"</p> }.into_any(),
            None => ().into_any(),
        })
    };
    view! {
        <button class="small" data-toggle="compose" aria-expanded=move || open().to_string() on:click=toggle>
            {move || if is_open() { "Hide compose file" } else { "Compose file" }}
        </button>
        {shown}
    }
    .into_any()
}

#[component]
fn Files(f: ComposeFiles) -> impl IntoView {
    if f.files.is_empty() {
        return view! { <p class="muted" data-testid="compose-none">"Compose recorded no files for this project."</p> }.into_any();
    }
    view! {
        <div class="compose-files" data-testid="compose-files">
            {f.files.into_iter().map(|file| view! {
                <h3><code>{file.path.clone()}</code></h3>
                {file.error.map(|e| view! { <p class="alert alert-info" data-testid="compose-unreadable">{e}</p> })}
                {file.content.map(|text| view! { <pre class="yaml" data-testid="compose-text">{highlight(&text)}</pre> })}
            }).collect_view()}
        </div>
    }
    .into_any()
}

/// Each line of YAML as spans: the key, the rest, and a comment.
fn highlight(text: &str) -> impl IntoView + use<> {
    text.lines()
        .map(|line| {
            let comment_at = if line.trim_start().starts_with('#') {
                Some(0)
            } else {
                line.find(" #")
            };
            let (code, comment) = match comment_at {
                Some(at) => (&line[..at], &line[at..]),
                None => (line, ""),
            };
            let key_end = code.find(':').filter(|at| {
                let k = code[..*at].trim_start().trim_start_matches("- ");
                !k.is_empty()
                    && k.chars()
                        .all(|c| c.is_alphanumeric() || "_-.\"'".contains(c))
            });
            let (key, rest) = match key_end {
                Some(at) => (&code[..=at], &code[at + 1..]),
                None => ("", code),
            };
            let rest_class = if rest.contains("••••••") {
                "y-secret"
            } else {
                "y-value"
            };
            view! {
                <span class="y-key">{key.to_owned()}</span>
                <span class=rest_class>{rest.to_owned()}</span>
                <span class="y-comment">{comment.to_owned()}</span>
                "\n"
            }
        })
        .collect_view()
}
