//! A running task as its viewers see it: its output so far (plain text, at most 5 MB kept,
//! the rest counted), what is not yet in the store, a way to ask it to stop, and how it ended.

use std::sync::{Arc, Mutex, MutexGuard};

use bosun_frontend::model::tasks::MAX_OUTPUT_BYTES;
use bosun_frontend::model::{OutputChunk, OutputStream, TaskRunDto};
use tokio::sync::watch;

use super::text::clip;

/// Why a run is asked to stop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stop {
    /// An operator cancelled it.
    Cancelled { by: String },
    /// Its timeout passed.
    TimedOut,
}

#[derive(Default)]
struct State {
    chunks: Vec<OutputChunk>,
    /// How many chunks are in the store.
    stored: usize,
    kept: u64,
    total: u64,
    truncated: bool,
    /// What bosun did when asked to stop, in words.
    stop_note: Option<String>,
    /// The run once it has ended (its row is final in the store by then).
    ended: Option<TaskRunDto>,
}

/// Shared between the runner, the cancel request and the live streams.
pub struct LiveRun {
    pub id: i64,
    state: Mutex<State>,
    changed: watch::Sender<u64>,
    stop: watch::Sender<Option<Stop>>,
}

/// What the store has not got yet.
pub struct Unstored {
    pub first: usize,
    pub chunks: Vec<OutputChunk>,
    pub total: u64,
    pub truncated: bool,
}

impl LiveRun {
    pub fn new(id: i64) -> Arc<Self> {
        Arc::new(LiveRun {
            id,
            state: Mutex::default(),
            changed: watch::channel(0).0,
            stop: watch::channel(None).0,
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A poisoned lock only means a holder panicked mid-update; the output is still whole.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn changed(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Adds output; what goes over the limit is counted, not kept.
    pub fn push(&self, stream: OutputStream, text: String) {
        if text.is_empty() {
            return;
        }
        let mut s = self.lock();
        let len = text.len() as u64;
        s.total += len;
        let room = usize::try_from(MAX_OUTPUT_BYTES.saturating_sub(s.kept)).unwrap_or(0);
        let kept = if text.len() <= room {
            text
        } else {
            s.truncated = true;
            clip(&text, room).to_owned()
        };
        if !kept.is_empty() {
            s.kept += kept.len() as u64;
            s.chunks.push(OutputChunk { stream, text: kept });
        }
        drop(s);
        self.changed();
    }

    /// A line of bosun's own (what it did to stop the run, why output was cut).
    pub fn note(&self, text: String) {
        let mut s = self.lock();
        s.chunks.push(OutputChunk {
            stream: OutputStream::Note,
            text,
        });
        drop(s);
        self.changed();
    }

    /// The chunks from `from` on, and whether the run has ended (then the list is complete).
    pub fn since(&self, from: usize) -> (Vec<OutputChunk>, Option<TaskRunDto>) {
        let s = self.lock();
        let chunks = s.chunks.get(from..).map(<[_]>::to_vec).unwrap_or_default();
        (chunks, s.ended.clone())
    }

    pub fn watch(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// The chunks the store has not got; marks them as stored.
    pub fn take_unstored(&self) -> Unstored {
        let mut s = self.lock();
        let first = s.stored;
        let chunks = s.chunks[first..].to_vec();
        s.stored = s.chunks.len();
        Unstored {
            first,
            chunks,
            total: s.total,
            truncated: s.truncated,
        }
    }

    /// Bytes written so far (kept or not), and whether any were not kept.
    pub fn counts(&self) -> (u64, bool) {
        let s = self.lock();
        (s.total, s.truncated)
    }

    /// Asks the runner to stop; false when a stop was asked already.
    pub fn request_stop(&self, why: Stop) -> bool {
        self.stop.send_if_modified(|s| {
            if s.is_some() {
                return false;
            }
            *s = Some(why);
            true
        })
    }

    pub fn stop_requests(&self) -> watch::Receiver<Option<Stop>> {
        self.stop.subscribe()
    }

    pub fn set_stop_note(&self, note: String) {
        self.lock().stop_note = Some(note);
    }

    pub fn stop_note(&self) -> Option<String> {
        self.lock().stop_note.clone()
    }

    /// The run has ended and its row is final: viewers get the rest and the end.
    pub fn end(&self, run: TaskRunDto) {
        self.lock().ended = Some(run);
        self.changed();
    }

    pub fn ended(&self) -> Option<TaskRunDto> {
        self.lock().ended.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_over_the_limit_is_counted_not_kept() {
        let live = LiveRun::new(1);
        let big = "x".repeat(3 * 1024 * 1024);
        live.push(OutputStream::Stdout, big.clone());
        live.push(OutputStream::Stderr, big.clone());
        live.push(OutputStream::Stdout, "more".into());
        let (total, truncated) = live.counts();
        assert_eq!(total, 6 * 1024 * 1024 + 4);
        assert!(truncated);
        let (chunks, ended) = live.since(0);
        assert!(ended.is_none());
        assert_eq!(chunks.len(), 2);
        let kept: usize = chunks.iter().map(|c| c.text.len()).sum();
        assert_eq!(kept as u64, MAX_OUTPUT_BYTES);
        assert_eq!(chunks[1].stream, OutputStream::Stderr);
        // What the store has not got is handed over once.
        assert_eq!(live.take_unstored().chunks.len(), 2);
        live.note("cut".into());
        let next = live.take_unstored();
        assert_eq!((next.first, next.chunks.len()), (2, 1));
    }

    #[test]
    fn a_stop_is_asked_once() {
        let live = LiveRun::new(1);
        let mut asked = live.stop_requests();
        assert!(live.request_stop(Stop::TimedOut));
        assert!(!live.request_stop(Stop::Cancelled { by: "ann".into() }));
        assert!(asked.has_changed().unwrap());
        assert_eq!(*asked.borrow_and_update(), Some(Stop::TimedOut));
    }
}
