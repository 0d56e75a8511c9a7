//! The live log: a bounded buffer of lines shown through a virtualised window (only the rows
//! in sight, plus a margin, are in the page), pause/resume, jump to bottom, highlights.
//!
//! Rows have one fixed height (`ROW_PX`, the CSS `.log-line` height) and do not wrap; a long
//! line scrolls sideways. So the window is arithmetic: the scroll position says which rows to
//! draw, and a sized spacer keeps the scroll bar true to the whole buffer. A log writing
//! thousands of lines a second then costs the page the same as a quiet one.

use std::collections::VecDeque;

use leptos::prelude::*;

use crate::components::sse::{Stream, follow};
use crate::model::{LogFrame, LogItem, LogLine, LogStream};

/// Lines kept in the page; older ones are dropped (and counted). Only the rows in sight are
/// drawn, so this bounds memory, not the page's work.
pub const WINDOW: usize = 50_000;

/// The height of one row, in CSS pixels: `.log-line` and `.log-marker` in style/main.css.
const ROW_PX: f64 = 20.0;

/// Rows drawn above and below the ones in sight, so a scroll does not show a gap.
const MARGIN: usize = 40;

/// New lines are drawn at most this often. A flood brings an event every 20 ms and each
/// draw replaces every row in sight: drawn each time, it kept the main thread busy about
/// 90% of the time. Nobody reads faster than 20 draws a second; scrolling is not held back.
const DRAW_GAP_MS: f64 = 50.0;

/// The browser's clock, in milliseconds (nothing is drawn on the server).
fn now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        web_sys::js_sys::Date::now()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0.0
    }
}

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

    /// The rows from `top` pixels down, for a view `height` pixels tall, with the margin:
    /// the index of the first, and the rows.
    fn rows(&self, top: f64, height: f64) -> (usize, Vec<(u64, LogItem)>) {
        let (first, last) = window(self.items.len(), top, height);
        (first, self.items.range(first..last).cloned().collect())
    }
}

/// Which rows `[first, last)` of `len` to draw for a view scrolled `top` pixels, `height` tall.
fn window(len: usize, top: f64, height: f64) -> (usize, usize) {
    let seen = (top.max(0.0) / ROW_PX).floor() as usize;
    let rows = (height.max(0.0) / ROW_PX).ceil() as usize;
    let first = seen.saturating_sub(MARGIN).min(len);
    let last = (seen + rows + MARGIN).min(len).max(first);
    (first, last)
}

/// Follows `url` (a `…/logs?follow=true…` stream) and shows it.
#[component]
pub fn LogView(url: String, timestamps: bool) -> impl IntoView {
    let shown = StoredValue::new(Buffer::default());
    // Bumped when the buffer changed, once per animation frame and `DRAW_GAP_MS` at most
    // (a fast log brings fifty events a second), and when the view scrolls.
    let changed = RwSignal::new(0u64);
    let frame_due = StoredValue::new(false);
    // Where the view is and how tall, as the scroll events say: drawing never asks the page
    // for its layout, which would make the browser lay it out on every frame of the log.
    let top = RwSignal::new(0.0f64);
    let view_h = RwSignal::new(600.0f64);
    let paused = RwSignal::new(false);
    let held = RwSignal::new(Vec::<LogItem>::new());
    let state = RwSignal::new(Stream::Connecting);
    let at_bottom = RwSignal::new(true);
    let scroller = NodeRef::<leptos::html::Div>::new();
    let spacer = NodeRef::<leptos::html::Div>::new();
    let last_draw = StoredValue::new(f64::NEG_INFINITY);
    let redraw = move || {
        if frame_due.get_value() {
            return;
        }
        frame_due.set_value(true);
        let draw = move || {
            request_animation_frame(move || {
                frame_due.try_set_value(false);
                last_draw.try_set_value(now_ms());
                changed.try_update(|n| *n += 1);
            })
        };
        let wait = DRAW_GAP_MS - (now_ms() - last_draw.get_value());
        if wait > 0.0 {
            set_timeout(draw, std::time::Duration::from_millis(wait.ceil() as u64));
        } else {
            draw();
        }
    };
    follow::<LogFrame>(&url, state, move |frame| {
        if paused.get_untracked() {
            held.update(|h| {
                h.extend(frame.items);
                // Bounded while paused too: keep the newest.
                let excess = h.len().saturating_sub(WINDOW);
                h.drain(..excess);
            });
        } else {
            shown.update_value(|b| b.push_all(frame.items));
            redraw();
        }
    });
    // The view's height, once it is in the page (and again on every scroll).
    Effect::new(move |_| {
        if let Some(el) = scroller.get() {
            view_h.set(f64::from(el.client_height()));
        }
    });
    // The spacer takes the whole buffer's height, then the view sticks to the bottom while
    // the reader is there (the browser clamps the scroll to the end).
    Effect::new(move |_| {
        changed.track();
        let height = shown.with_value(|b| b.items.len()) as f64 * ROW_PX;
        if let Some(s) = spacer.get() {
            let _ = s.set_attribute("style", &format!("height: {height}px"));
        }
        if at_bottom.get_untracked() {
            if let Some(el) = scroller.get() {
                el.set_scroll_top(i32::MAX);
            }
            top.set((height - view_h.get_untracked()).max(0.0));
        }
    });
    let resume = move |_| {
        let pending = held.try_update(std::mem::take).unwrap_or_default();
        shown.update_value(|b| b.push_all(pending));
        paused.set(false);
        at_bottom.set(true);
        changed.update(|n| *n += 1);
    };
    // Still from the click on: what came before it is drawn now, not at the next draw
    // (which may be up to `DRAW_GAP_MS` away), and what comes after it waits in `held`.
    let pause = move |_| {
        paused.set(true);
        changed.update(|n| *n += 1);
    };
    let to_bottom = move |_| {
        at_bottom.set(true);
        changed.update(|n| *n += 1);
    };
    let on_scroll = move |_| {
        if let Some(el) = scroller.get() {
            let (t, h) = (f64::from(el.scroll_top()), f64::from(el.client_height()));
            at_bottom.set(t + h >= f64::from(el.scroll_height()) - 8.0);
            top.set(t);
            view_h.set(h);
        }
    };
    // What is drawn: the rows in sight, with the margin.
    let drawn = Memo::new(move |_| {
        changed.track();
        let (t, h) = (top.get(), view_h.get());
        shown.with_value(|b| b.rows(t, h))
    });
    let total = move || {
        changed.track();
        shown.with_value(|b| b.items.len())
    };
    let offset = move || drawn.with(|(first, _)| *first as f64 * ROW_PX);
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
                view! { <button class="small" data-testid="pause" on:click=pause>"Pause"</button> }.into_any()
            }}
            <button class="small" data-testid="bottom" on:click=to_bottom>"Jump to bottom"</button>
            <span class="muted" data-testid="line-count">{move || format!("{} lines", total())}</span>
        </div>
        {move || {
            changed.track();
            let dropped = shown.with_value(|b| b.dropped);
            (dropped > 0).then(|| view! {
                <p class="muted dropped" data-testid="dropped">
                    {format!("{dropped} older lines were dropped to keep the page fast; download the log to see everything.")}
                </p>
            })
        }}
        <div class="log" node_ref=scroller on:scroll=on_scroll data-testid="log" role="log" aria-live="off">
            <div class="log-rows" node_ref=spacer>
                <div class="log-window" style:transform=move || format!("translateY({}px)", offset())>
                    <For each=move || drawn.get().1 key=|(seq, _)| *seq let:entry>
                        {match entry.1 {
                            LogItem::Line(line) => view! { <Line line timestamps /> }.into_any(),
                            LogItem::Marker(m) => view! {
                                <div class=format!("log-marker marker-{:?}", m.kind).to_lowercase() data-testid="marker"
                                    title=m.message.clone()>
                                    {format!("— {} —", m.message)}
                                </div>
                            }.into_any(),
                        }}
                    </For>
                </div>
            </div>
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_rows_in_sight_and_a_margin_are_drawn() {
        // 50,000 rows, a 600 px view at the bottom: 30 rows in sight, 40 above.
        let len = 50_000;
        let top = (len as f64 - 30.0) * ROW_PX;
        assert_eq!(window(len, top, 600.0), (len - 70, len));
        // At the top: the rows in sight and the margin below.
        assert_eq!(window(len, 0.0, 600.0), (0, 70));
        // In the middle: the margin on both sides.
        assert_eq!(window(len, 1000.0 * ROW_PX, 600.0), (960, 1070));
        // Fewer rows than the view holds, or no view yet.
        assert_eq!(window(5, 0.0, 600.0), (0, 5));
        assert_eq!(window(0, 0.0, 600.0), (0, 0));
        assert_eq!(window(100, 0.0, 0.0), (0, 40));
    }

    #[test]
    fn the_buffer_keeps_the_newest_lines_and_counts_the_dropped() {
        let mut b = Buffer::default();
        let marker = |n: u64| {
            LogItem::Marker(crate::model::LogMarker {
                source: "s".into(),
                kind: crate::model::MarkerKind::Attached,
                message: n.to_string(),
                ts: String::new(),
            })
        };
        b.push_all((0..(WINDOW as u64 + 10)).map(marker));
        assert_eq!(b.items.len(), WINDOW);
        assert_eq!(b.dropped, 10);
        assert_eq!(b.items.front().map(|(s, _)| *s), Some(10));
        let (first, rows) = b.rows(0.0, 100.0);
        assert_eq!(first, 0);
        assert_eq!(rows.first().map(|(s, _)| *s), Some(10));
        assert_eq!(rows.len(), 5 + MARGIN);
    }
}
