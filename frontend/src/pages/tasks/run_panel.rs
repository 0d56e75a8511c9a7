//! A run, live: its facts (status, exit code, duration, who ran it, the container, the exact
//! argument list), its output as it arrives (stderr and bosun's own notes set apart, always
//! as text), and Cancel while it runs.

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::*;

use super::ctx::argv_text;
use crate::api::tasks::CancelTaskRun;
use crate::components::error_view::ErrorView;
use crate::components::sse::{Stream, follow_while};
use crate::format::short_time;
use crate::model::{OutputChunk, RunEvent, TaskRunDto, TaskStatus};

/// The badge class of a status.
pub fn status_class(status: TaskStatus) -> &'static str {
    match status {
        TaskStatus::Succeeded => "badge badge-ok",
        TaskStatus::Running => "badge badge-busy",
        TaskStatus::Cancelled => "badge badge-denied",
        TaskStatus::Failed | TaskStatus::TimedOut | TaskStatus::Interrupted => "badge badge-failed",
    }
}

/// `1.2 s`, `3 min 4 s`.
pub fn duration(ms: u64) -> String {
    if ms < 60_000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else {
        format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1000)
    }
}

#[component]
pub fn RunPanel(id: i64) -> impl IntoView {
    let run = RwSignal::new(None::<TaskRunDto>);
    let output = RwSignal::new(Vec::<OutputChunk>::new());
    let state = RwSignal::new(Stream::Connecting);
    let seen = Rc::new(Cell::new(0u64));
    // A lost stream reconnects by itself, and the server starts it over with the run and its
    // whole output: count the new connection's frames from zero, so that output replaces.
    Effect::new({
        let seen = Rc::clone(&seen);
        move |_| {
            if state.get() == Stream::Lost {
                seen.set(0);
            }
        }
    });
    follow_while::<RunEvent>(
        &format!("/api/v1/task-runs/{id}/events"),
        state,
        move |event| {
            let n = seen.get();
            seen.set(n + 1);
            match event {
                RunEvent::Run(r) => {
                    // The first frame of a (re)connection: the output follows from the start.
                    if n == 0 {
                        output.set(Vec::new());
                    }
                    let ended = n > 0 && r.status.is_finished();
                    run.set(Some(*r));
                    !ended
                }
                RunEvent::Output(chunk) => {
                    output.update(|o| o.push(chunk));
                    true
                }
            }
        },
    );
    let pre = NodeRef::<leptos::html::Pre>::new();
    Effect::new(move |_| {
        output.track();
        #[cfg(feature = "hydrate")]
        if let Some(el) = pre.get() {
            el.set_scroll_top(el.scroll_height());
        }
    });
    let cancel = ServerAction::<CancelTaskRun>::new();
    let status = move || run.with(|r| r.as_ref().map(|r| r.status.as_str()).unwrap_or("loading"));
    view! {
        <div class="run-panel" data-testid="run-panel" data-run=id.to_string() data-status=status>
            {move || run.get().map(|r| facts(&r))}
            {move || {
                let running = run.with(|r| r.as_ref().is_some_and(|r| r.status == TaskStatus::Running));
                running.then(|| view! {
                    <div class="row">
                        <button class="small danger" data-action="cancel-run" disabled=move || cancel.pending().get()
                            on:click=move |_| { cancel.dispatch(CancelTaskRun { id: id.to_string() }); }>"Cancel"</button>
                        {move || cancel.pending().get().then(|| view! { <span class="muted" role="status">"stopping…"</span> })}
                    </div>
                })
            }}
            {move || cancel.value().get().map(|r| match r {
                Ok(report) => view! { <div class="alert alert-info" role="status" data-testid="cancel-result">{report.message}</div> }.into_any(),
                Err(error) => view! { <ErrorView error /> }.into_any(),
            })}
            {move || (state.get() == Stream::Lost).then(|| view! {
                <p class="muted" role="status">"The live output is interrupted; reconnecting by itself."</p>
            })}
            <pre class="output" data-testid="run-output" node_ref=pre aria-live="polite">
                <For each=move || output.get().into_iter().enumerate() key=|(i, _)| *i let((_, chunk))>
                    <span class=format!("out-{}", chunk.stream.as_str())>{chunk.text}</span>
                </For>
            </pre>
        </div>
    }
}

fn facts(r: &TaskRunDto) -> impl IntoView + use<> {
    let exit = r
        .exit_code
        .map_or_else(|| "—".to_owned(), |c| c.to_string());
    let took = match (r.duration_ms, &r.finished_at) {
        (Some(ms), _) => duration(ms),
        (None, None) => "running…".to_owned(),
        (None, Some(_)) => "—".to_owned(),
    };
    view! {
        <dl class="run-facts">
            <dt>"Status"</dt>
            <dd><span class=status_class(r.status) data-testid="run-status">{r.status.title()}</span></dd>
            <dt>"Exit code"</dt>
            <dd data-testid="run-exit-code">{exit}</dd>
            <dt>"Duration"</dt>
            <dd>{took}</dd>
            <dt>"Run by"</dt>
            <dd data-testid="run-by">{format!("{} at {}", r.by, short_time(&r.started_at))}</dd>
            <dt>"Container"</dt>
            <dd><code>{r.container.clone().unwrap_or_else(|| "—".into())}</code></dd>
            <dt>"Arguments"</dt>
            <dd><code data-testid="run-argv">{argv_text(&r.argv)}</code></dd>
        </dl>
        {r.reason.clone().map(|why| view! { <p class="muted" data-testid="run-reason">{why}</p> })}
        {r.truncated.then(|| view! {
            <p class="muted">{format!("Only the first 5 MB of the output were kept ({} bytes in all).", r.output_bytes)}</p>
        })}
    }
}
