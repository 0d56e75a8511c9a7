//! One live engine log stream per container, whatever the number of people following it: the
//! first follower opens a *tap* (the engine's follow stream), later ones subscribe to it, and
//! the last one to leave closes it. Each follower still filters on its own (stream, grep) and
//! reads its own history; only the endless part is shared. A follower that falls behind a
//! fast writer skips what it missed (and is told), rather than holding everyone up or
//! buffering without bound.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use futures::StreamExt;
use futures::stream::BoxStream;
use tokio::sync::broadcast;

use super::source::RawLine;
use crate::docker::error::EngineError;

/// What a tap passes on: the lines of one engine frame, or the end of the engine's stream
/// (the container stopped, or the engine went away).
#[derive(Clone, Debug)]
pub enum Event {
    Lines(Batch),
    End,
}

/// The lines of one engine frame, numbered: `first` is how many lines the tap passed on
/// before these. A follower that had to skip batches counts the lines it missed from it.
#[derive(Clone, Debug)]
pub struct Batch {
    pub first: u64,
    pub lines: Arc<Vec<RawLine>>,
}

impl Batch {
    /// The number the tap gives the line after this batch.
    pub fn next(&self) -> u64 {
        self.first + self.lines.len() as u64
    }
}

/// Batches a tap holds for its slowest follower before that one starts skipping.
const BACKLOG: usize = 1024;

/// Opens the engine's follow stream of a container, from a second (Unix time).
pub type Opener =
    Arc<dyn Fn(&str, i64) -> BoxStream<'static, Result<RawLine, EngineError>> + Send + Sync>;

struct Tap {
    tx: broadcast::Sender<Event>,
    /// Lines passed on so far, held while a batch is sent: a follower joining reads it with
    /// its subscription, so both agree on where it started.
    passed: Arc<Mutex<u64>>,
    task: tokio::task::JoinHandle<()>,
    /// Set (under the hub's lock) as the end is sent: nobody subscribes to a tap after its
    /// end went out, and so nobody waits on it for ever.
    ended: Arc<AtomicBool>,
}

impl Tap {
    fn live(&self) -> bool {
        !self.ended.load(Ordering::SeqCst)
    }

    /// A new receiver, and the number of the first line it will get.
    fn join(&self) -> (broadcast::Receiver<Event>, u64) {
        let passed = self.passed.lock().unwrap_or_else(|p| p.into_inner());
        (self.tx.subscribe(), *passed)
    }
}

impl Drop for Tap {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A follower's hold on a tap: the tap lives while any subscription does, and for the hub's
/// linger after the last one went (a reload or a new filter joins the same engine stream).
pub struct Subscription {
    pub rx: broadcast::Receiver<Event>,
    /// The tap's number of the first line this subscription gets.
    pub start: u64,
    tap: Option<Arc<Tap>>,
    linger: Duration,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let Some(tap) = self.tap.take() else { return };
        if self.linger.is_zero() || !tap.live() {
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let linger = self.linger;
            runtime.spawn(async move {
                tokio::time::sleep(linger).await;
                drop(tap);
            });
        }
    }
}

#[derive(Clone)]
pub struct Hub {
    taps: Arc<Mutex<HashMap<String, Weak<Tap>>>>,
    open: Opener,
    linger: Duration,
}

impl Hub {
    /// A hub whose taps close `linger` after their last follower left.
    pub fn new(open: Opener, linger: Duration) -> Self {
        Hub {
            taps: Arc::default(),
            open,
            linger,
        }
    }

    fn subscription(
        &self,
        tap: Arc<Tap>,
        rx: broadcast::Receiver<Event>,
        start: u64,
    ) -> Subscription {
        Subscription {
            rx,
            start,
            tap: Some(tap),
            linger: self.linger,
        }
    }

    /// Subscribes to the container's tap, opening one (following from `since`) if none is
    /// open or the open one has ended. Lines written before this call are not in it: read
    /// them separately, after subscribing, so nothing falls in between.
    pub fn subscribe(&self, id: &str, since: i64) -> Subscription {
        let mut taps = self.taps.lock().unwrap_or_else(|p| p.into_inner());
        taps.retain(|_, t| t.strong_count() > 0);
        if let Some(tap) = taps.get(id).and_then(Weak::upgrade)
            && tap.live()
        {
            let (rx, start) = tap.join();
            return self.subscription(tap, rx, start);
        }
        let (tx, rx) = broadcast::channel(BACKLOG);
        let mut lines = (self.open)(id, since);
        let out = tx.clone();
        let ended = Arc::new(AtomicBool::new(false));
        let passed = Arc::new(Mutex::new(0u64));
        let count = passed.clone();
        let (end, hub) = (ended.clone(), self.taps.clone());
        let task = tokio::spawn(async move {
            while let Some(item) = lines.next().await {
                let Ok(line) = item else { break };
                // Lines of one frame arrive together: pass on what is ready as one batch.
                let mut batch = vec![line];
                while let Some(Some(Ok(more))) = futures::FutureExt::now_or_never(lines.next()) {
                    batch.push(more);
                    if batch.len() >= 1000 {
                        break;
                    }
                }
                let mut passed = count.lock().unwrap_or_else(|p| p.into_inner());
                let batch = Batch {
                    first: *passed,
                    lines: Arc::new(batch),
                };
                *passed = batch.next();
                // No follower now is fine: one may be subscribing.
                let _ = out.send(Event::Lines(batch));
                drop(passed);
            }
            let _held = hub.lock().unwrap_or_else(|p| p.into_inner());
            end.store(true, Ordering::SeqCst);
            let _ = out.send(Event::End);
        });
        let tap = Arc::new(Tap {
            tx,
            passed,
            task,
            ended,
        });
        taps.insert(id.to_owned(), Arc::downgrade(&tap));
        self.subscription(tap, rx, 0)
    }

    /// Taps open now (for the tests and the bench).
    pub fn open_taps(&self) -> usize {
        let taps = self.taps.lock().unwrap_or_else(|p| p.into_inner());
        taps.values()
            .filter_map(Weak::upgrade)
            .filter(|t| t.live())
            .count()
    }

    /// Followers subscribed to the open taps now.
    pub fn followers(&self) -> usize {
        let taps = self.taps.lock().unwrap_or_else(|p| p.into_inner());
        taps.values()
            .filter_map(Weak::upgrade)
            .filter(|t| t.live())
            .map(|t| t.tx.receiver_count())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bosun_frontend::model::LogStream;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    fn line(n: i128) -> RawLine {
        RawLine {
            nanos: n,
            ts: n.to_string(),
            stream: LogStream::Stdout,
            text: format!("line {n}"),
        }
    }

    type Feeds = Arc<Mutex<Vec<tokio::sync::mpsc::Sender<RawLine>>>>;

    /// A fake engine: each open is counted and gets lines from a channel the test feeds.
    fn fake() -> (Hub, Arc<AtomicUsize>, Feeds) {
        fake_lingering(Duration::ZERO)
    }

    fn fake_lingering(linger: Duration) -> (Hub, Arc<AtomicUsize>, Feeds) {
        let opened = Arc::new(AtomicUsize::new(0));
        let feeds: Feeds = Arc::default();
        let (o, f) = (opened.clone(), feeds.clone());
        let hub = Hub::new(
            Arc::new(move |_id: &str, _since: i64| {
                o.fetch_add(1, Ordering::SeqCst);
                let (tx, rx) = tokio::sync::mpsc::channel(16);
                f.lock().unwrap().push(tx);
                tokio_stream::wrappers::ReceiverStream::new(rx)
                    .map(Ok)
                    .boxed()
            }),
            linger,
        );
        (hub, opened, feeds)
    }

    async fn next_lines(s: &mut Subscription) -> Vec<i128> {
        match tokio::time::timeout(Duration::from_secs(5), s.rx.recv()).await {
            Ok(Ok(Event::Lines(b))) => b.lines.iter().map(|l| l.nanos).collect(),
            other => panic!("expected lines, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn many_followers_share_one_engine_stream_and_all_see_every_line() {
        let (hub, opened, feeds) = fake();
        let mut subs: Vec<Subscription> = (0..50).map(|_| hub.subscribe("c1", 0)).collect();
        assert_eq!(opened.load(Ordering::SeqCst), 1);
        assert_eq!(hub.open_taps(), 1);
        let feed = feeds.lock().unwrap()[0].clone();
        feed.send(line(1)).await.unwrap();
        for s in &mut subs {
            assert_eq!(next_lines(s).await, [1]);
        }
        // Another container has its own tap.
        let _other = hub.subscribe("c2", 0);
        assert_eq!(opened.load(Ordering::SeqCst), 2);
        // When the engine's stream ends, every follower hears it; the next follower opens
        // a new tap.
        drop(feed);
        feeds.lock().unwrap().remove(0);
        for s in &mut subs {
            let end = tokio::time::timeout(Duration::from_secs(5), s.rx.recv()).await;
            assert!(matches!(end, Ok(Ok(Event::End))), "{end:?}");
        }
        let again = hub.subscribe("c1", 0);
        assert_eq!(opened.load(Ordering::SeqCst), 3);
        assert_eq!(again.start, 0, "a new tap numbers from 0");
    }

    #[tokio::test]
    async fn a_follower_joining_a_running_tap_starts_at_its_count() {
        let (hub, _, feeds) = fake();
        let mut first = hub.subscribe("c1", 0);
        let feed = feeds.lock().unwrap()[0].clone();
        for n in 0..3 {
            feed.send(line(n)).await.unwrap();
            assert_eq!(next_lines(&mut first).await, [n]);
        }
        let mut late = hub.subscribe("c1", 0);
        assert_eq!(late.start, 3);
        feed.send(line(3)).await.unwrap();
        match tokio::time::timeout(Duration::from_secs(5), late.rx.recv()).await {
            Ok(Ok(Event::Lines(b))) => assert_eq!((b.first, b.lines[0].nanos), (3, 3)),
            other => panic!("expected lines, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn the_last_follower_to_leave_closes_the_tap() {
        let (hub, opened, feeds) = fake();
        let a = hub.subscribe("c1", 0);
        let b = hub.subscribe("c1", 0);
        drop(a);
        assert_eq!(hub.open_taps(), 1, "b still follows");
        drop(b);
        assert_eq!(hub.open_taps(), 0);
        // The engine's stream is dropped with it.
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(feeds.lock().unwrap()[0].is_closed());
        let _c = hub.subscribe("c1", 0);
        assert_eq!(opened.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_tap_lingers_after_its_last_follower_and_a_returning_one_rejoins_it() {
        let linger = Duration::from_millis(300);
        let (hub, opened, feeds) = fake_lingering(linger);
        let mut a = hub.subscribe("c1", 0);
        assert_eq!(hub.followers(), 1);
        drop(a);
        assert_eq!(hub.followers(), 0);
        assert_eq!(hub.open_taps(), 1, "the tap lingers");
        // A reload within the linger joins the same engine stream and gets its lines.
        a = hub.subscribe("c1", 0);
        assert_eq!(opened.load(Ordering::SeqCst), 1);
        let feed = feeds.lock().unwrap()[0].clone();
        feed.send(line(7)).await.unwrap();
        assert_eq!(next_lines(&mut a).await, [7]);
        drop(a);
        drop(feed);
        tokio::time::sleep(linger * 2).await;
        assert_eq!(hub.open_taps(), 0, "closed once the linger passed");
        assert!(feeds.lock().unwrap()[0].is_closed());
        let _b = hub.subscribe("c1", 0);
        assert_eq!(opened.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_follower_that_falls_behind_is_told_how_much_it_skipped() {
        let (hub, _, feeds) = fake();
        let mut slow = hub.subscribe("c1", 0);
        let feed = feeds.lock().unwrap()[0].clone();
        for n in 0..(BACKLOG as i128 + 10) {
            feed.send(line(n)).await.unwrap();
            // One batch each: let the tap pass every line on by itself.
            tokio::task::yield_now().await;
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let lagged = slow.rx.recv().await;
        let Err(broadcast::error::RecvError::Lagged(missed)) = lagged else {
            panic!("expected a lag, got {lagged:?}");
        };
        assert!(missed > 0);
        // One line per batch here: the first batch after the gap is numbered by the lines
        // before it, all of which this follower missed.
        match slow.rx.recv().await {
            Ok(Event::Lines(b)) => {
                assert_eq!(b.first, missed, "lines skipped = batches skipped");
                assert_eq!(b.lines[0].nanos, i128::from(u32::try_from(missed).unwrap()));
                assert_eq!(b.next(), missed + 1);
            }
            other => panic!("expected lines after the gap, got {other:?}"),
        }
    }
}
