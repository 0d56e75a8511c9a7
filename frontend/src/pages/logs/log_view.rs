//! The live log: a bounded window of lines, pause/resume, jump to bottom, highlights.

use std::collections::VecDeque;

use leptos::prelude::*;

use crate::components::sse::{Stream, follow};
use crate::model::{LogFrame, LogItem, LogLine, LogStream};

/// Lines kept in the page; older ones are dropped (and counted) so the tab stays fast.
pub const WINDOW: usize = 5_000;

#[derive(Clone, Default)]
struct Buffer {
    items: VecDeque<(u64, LogItem)>,
    next: u64,
    dropped: u64,
}

impl Buffer {
    fn push_all(&mut self, items: impl IntoIterator<Item = LogItem>) {
        for item in items {
            self.items.push_back((self.next, item));
            self.next += 1;
        }
        while self.items.len() > WINDOW {
            self.items.pop_front();
            self.dropped += 1;
        }
    }
}

/// Follows `url` (a `…/logs?follow=true…` stream) and shows it.
#[component]
pub fn LogView(url: String, timestamps: bool) -> impl IntoView {
    let shown = RwSignal::new(Buffer::default());
    let paused = RwSignal::new(false);
    let held = RwSignal::new(Vec::<LogItem>::new());
    let state = RwSignal::new(Stream::Connecting);
    let at_bottom = RwSignal::new(true);
    let scroller = NodeRef::<leptos::html::Div>::new();
    follow::<LogFrame>(&url, state, move |frame| {
        if paused.get_untracked() {
            held.update(|h| {
                h.extend(frame.items);
                // Bounded while paused too: keep the newest.
                let excess = h.len().saturating_sub(WINDOW);
                h.drain(..excess);
            });
        } else {
            shown.update(|b| b.push_all(frame.items));
        }
    });
    // Stick to the bottom while the reader is there.
    Effect::new(move |_| {
        shown.track();
        if at_bottom.get_untracked()
            && let Some(el) = scroller.get()
        {
            el.set_scroll_top(el.scroll_height());
        }
    });
    let resume = move |_| {
        let pending = held.try_update(std::mem::take).unwrap_or_default();
        shown.update(|b| b.push_all(pending));
        paused.set(false);
        at_bottom.set(true);
    };
    let to_bottom = move |_| {
        at_bottom.set(true);
        if let Some(el) = scroller.get() {
            el.set_scroll_top(el.scroll_height());
        }
    };
    let on_scroll = move |_| {
        if let Some(el) = scroller.get() {
            at_bottom.set(el.scroll_top() + el.client_height() >= el.scroll_height() - 8);
        }
    };
    view! {
        <div class="log-toolbar row">
            <span class="live muted" data-testid="log-state" data-state=move || format!("{:?}", state.get()).to_lowercase()>
                {move || match state.get() {
                    Stream::Live => "● following",
                    Stream::Connecting => "○ connecting…",
                    Stream::Lost => "○ reconnecting…",
                }}
            </span>
            {move || if paused.get() {
                view! {
                    <button class="small primary" data-testid="resume" on:click=resume>
                        {move || format!("Resume ({} new)", held.with(Vec::len))}
                    </button>
                }.into_any()
            } else {
                view! { <button class="small" data-testid="pause" on:click=move |_| paused.set(true)>"Pause"</button> }.into_any()
            }}
            <button class="small" data-testid="bottom" on:click=to_bottom>"Jump to bottom"</button>
            <span class="muted" data-testid="line-count">{move || format!("{} lines", shown.with(|b| b.items.len()))}</span>
        </div>
        {move || {
            let dropped = shown.with(|b| b.dropped);
            (dropped > 0).then(|| view! {
                <p class="muted dropped" data-testid="dropped">
                    {format!("{dropped} older lines were dropped to keep the page fast; download the log to see everything.")}
                </p>
            })
        }}
        <div class="log" node_ref=scroller on:scroll=on_scroll data-testid="log" role="log" aria-live="off">
            <For each=move || shown.with(|b| b.items.clone()) key=|(seq, _)| *seq let:entry>
                {match entry.1 {
                    LogItem::Line(line) => view! { <Line line timestamps /> }.into_any(),
                    LogItem::Marker(m) => view! {
                        <div class=format!("log-marker marker-{:?}", m.kind).to_lowercase() data-testid="marker">
                            {format!("— {} —", m.message)}
                        </div>
                    }.into_any(),
                }}
            </For>
        </div>
    }
}

#[component]
fn Line(line: LogLine, timestamps: bool) -> impl IntoView {
    let stream = match line.stream {
        LogStream::Stdout => "stdout",
        LogStream::Stderr => "stderr",
    };
    view! {
        <div class=format!("log-line {stream}") data-stream=stream>
            <span class="src">{line.source.clone()}</span>
            {timestamps.then(|| view! { <span class="ts">{line.ts.clone()}</span> })}
            <span class="text">{highlighted(&line.text, &line.matches)}</span>
        </div>
    }
}

/// The text with each match in `<mark>`; everything is a text node (no HTML from logs).
fn highlighted(text: &str, matches: &[(u32, u32)]) -> impl IntoView + use<> {
    let mut parts = Vec::new();
    let mut at = 0usize;
    for &(start, end) in matches {
        let (start, end) = (start as usize, end as usize);
        if start < at
            || end > text.len()
            || !text.is_char_boundary(start)
            || !text.is_char_boundary(end)
        {
            continue;
        }
        parts.push((text[at..start].to_owned(), false));
        parts.push((text[start..end].to_owned(), true));
        at = end;
    }
    parts.push((text[at..].to_owned(), false));
    parts
        .into_iter()
        .map(|(s, mark)| {
            if mark {
                view! { <mark>{s}</mark> }.into_any()
            } else {
                s.into_any()
            }
        })
        .collect_view()
}
