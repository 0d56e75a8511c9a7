//! Live pictures for the event streams: one snapshot at once, then a new one after any change
//! signal (a burst settling into one frame) or after a quiet interval, and only when it differs
//! from the last one sent.

use std::future::Future;
use std::time::Duration;

use futures::Stream;
use futures::future::select_all;
use tokio::sync::watch;

/// A burst of change signals within this time becomes one frame.
const SETTLE: Duration = Duration::from_millis(100);

/// `snapshot` is taken first at once, then whenever one of `changes` fires or `interval()` has
/// passed; a failed snapshot is retried after `interval()`. Ends when a change sender is gone.
pub fn snapshots<T, E, F, Fut>(
    changes: Vec<watch::Receiver<u64>>,
    interval: impl Fn() -> Duration + Send + 'static,
    snapshot: F,
) -> impl Stream<Item = T> + Send
where
    T: PartialEq + Clone + Send + 'static,
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = Result<T, E>> + Send,
{
    futures::stream::unfold(
        (changes, interval, snapshot, None::<T>),
        |(mut changes, interval, snapshot, last)| async move {
            let mut first = last.is_none();
            loop {
                if !first {
                    let any = select_all(changes.iter_mut().map(|c| Box::pin(c.changed())));
                    tokio::select! {
                        (r, _, _) = any => if r.is_err() { return None },
                        () = tokio::time::sleep(interval()) => {}
                    }
                    tokio::time::sleep(SETTLE).await;
                    for c in &mut changes {
                        c.borrow_and_update();
                    }
                }
                let Ok(now) = snapshot().await else {
                    // Retry after the interval without waiting for a change as well.
                    tokio::time::sleep(interval()).await;
                    first = true;
                    continue;
                };
                first = false;
                if last.as_ref() != Some(&now) {
                    return Some((now.clone(), (changes, interval, snapshot, Some(now))));
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn sends_at_once_then_only_changes_and_ends_with_its_sender() {
        let (tx, rx) = watch::channel(0u64);
        let value = Arc::new(AtomicU32::new(1));
        let v = value.clone();
        let stream = snapshots(
            vec![rx],
            || Duration::from_secs(3600),
            move || {
                let v = v.clone();
                async move { Ok::<_, ()>(v.load(Ordering::Relaxed)) }
            },
        );
        let mut stream = Box::pin(stream);
        assert_eq!(stream.next().await, Some(1));
        // A signal without a change sends nothing; the next real change is sent.
        tx.send_modify(|n| *n += 1);
        tokio::time::sleep(Duration::from_millis(200)).await;
        value.store(2, Ordering::Relaxed);
        tx.send_modify(|n| *n += 1);
        assert_eq!(stream.next().await, Some(2));
        drop(tx);
        assert_eq!(stream.next().await, None);
    }
}
