//! A follower's lines, cut into server-sent events. A browser's `EventSource` hands every
//! event of a network read to the page in one task, so a fast log sent as small events
//! (what was ready when the last one left: often one line) made thousands of page calls in
//! one task: the Logs page's long tasks under a flood. Events are paced instead: a quiet
//! log's line leaves at once, and under a flood at most one event per `pace` leaves, carrying
//! everything that came meanwhile (at most `max` items; a full event leaves without waiting).

use std::time::Duration;

use bosun_frontend::model::{LogFrame, LogItem};
use futures::Stream;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// How often a flooded follower gets an event: 50 a second, fewer than a browser draws.
pub const PACE: Duration = Duration::from_millis(20);

/// The most items in one event.
pub const MAX: usize = 1000;

struct Pacer {
    rx: mpsc::Receiver<LogItem>,
    pace: Duration,
    max: usize,
    last: Option<Instant>,
}

/// The events of `rx`'s items, paced as the module says.
pub fn paced(
    rx: mpsc::Receiver<LogItem>,
    pace: Duration,
    max: usize,
) -> impl Stream<Item = LogFrame> + Send + 'static {
    let max = max.max(1);
    let pacer = Pacer {
        rx,
        pace,
        max,
        last: None,
    };
    futures::stream::unfold(pacer, |mut p| async move {
        let first = p.rx.recv().await?;
        // An event left less than `pace` ago: this line is part of a burst, so the ones
        // behind it wait for it, unless a full event is already there.
        if let Some(last) = p.last
            && p.rx.len() + 1 < p.max
        {
            tokio::time::sleep_until(last + p.pace).await;
        }
        let mut items = Vec::with_capacity(p.rx.len().saturating_add(1).min(p.max));
        items.push(first);
        while items.len() < p.max {
            match p.rx.try_recv() {
                Ok(item) => items.push(item),
                Err(_) => break,
            }
        }
        p.last = Some(Instant::now());
        Some((LogFrame { items }, p))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bosun_frontend::model::{LogMarker, MarkerKind};
    use futures::StreamExt;

    fn item(n: usize) -> LogItem {
        LogItem::Marker(LogMarker {
            source: "test".to_owned(),
            kind: MarkerKind::End,
            message: n.to_string(),
            ts: String::new(),
        })
    }

    fn numbers(frame: &LogFrame) -> Vec<usize> {
        frame
            .items
            .iter()
            .filter_map(|i| match i {
                LogItem::Marker(m) => m.message.parse().ok(),
                LogItem::Line(_) => None,
            })
            .collect()
    }

    // Real time (the tests build tokio without its test clock): paces are chosen so a
    // correct pacer passes by a wide margin under load, and a wrong one cannot.

    #[tokio::test]
    async fn a_quiet_log_gets_each_line_at_once() {
        let pace = Duration::from_millis(300);
        let (tx, rx) = mpsc::channel(16);
        let mut frames = std::pin::pin!(paced(rx, pace, MAX));
        for n in 0..3 {
            let sent = Instant::now();
            tx.send(item(n)).await.unwrap();
            let frame = frames.next().await.unwrap();
            assert_eq!(numbers(&frame), vec![n]);
            // Not held back: neither the first line, nor one that comes more than a pace
            // after the last event, waits for a pace.
            assert!(
                sent.elapsed() < Duration::from_millis(250),
                "{:?}",
                sent.elapsed()
            );
            tokio::time::sleep(pace + Duration::from_millis(100)).await;
        }
    }

    #[tokio::test]
    async fn a_flood_becomes_one_event_per_pace_with_every_line_in_order() {
        let pace = Duration::from_millis(50);
        let (tx, rx) = mpsc::channel(4096);
        let started = Instant::now();
        let writer = tokio::spawn(async move {
            // About 10,000 lines a second, for half a second.
            for ms in 0..500 {
                for k in 0..10 {
                    tx.send(item(ms * 10 + k)).await.unwrap();
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        });
        let frames: Vec<LogFrame> = paced(rx, pace, MAX).collect().await;
        writer.await.unwrap();
        let took = started.elapsed();
        let all: Vec<usize> = frames.iter().flat_map(numbers).collect();
        assert_eq!(
            all,
            (0..5_000).collect::<Vec<_>>(),
            "every line once, in order"
        );
        // Each event after the first left a pace after the one before it at the earliest.
        let most = (took.as_secs_f64() / pace.as_secs_f64()).floor() as usize + 1;
        assert!(
            frames.len() <= most,
            "{} events for 5,000 lines in {took:?} (at most {most})",
            frames.len()
        );
    }

    #[tokio::test]
    async fn full_events_leave_without_waiting() {
        let (tx, rx) = mpsc::channel(4096);
        for n in 0..2500 {
            tx.send(item(n)).await.unwrap();
        }
        // A pace no test would wait for: only full events can come.
        let mut frames = std::pin::pin!(paced(rx, Duration::from_secs(600), 1000));
        let mut sizes = Vec::new();
        for _ in 0..2 {
            let frame = tokio::time::timeout(Duration::from_secs(10), frames.next())
                .await
                .expect("a full event without waiting")
                .unwrap();
            sizes.push(frame.items.len());
        }
        assert_eq!(sizes, vec![1000, 1000]);
        // The last 500 wait for the pace.
        let rest = tokio::time::timeout(Duration::from_millis(300), frames.next()).await;
        assert!(rest.is_err(), "a partial event left before its pace");
        drop(tx);
    }
}
