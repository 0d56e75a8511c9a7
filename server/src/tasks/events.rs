//! A run as server-sent events: the run as it stands, its output so far and then as it
//! arrives, and the run again once it has ended (which ends the stream). A finished run
//! gives the same: the run, its kept output, the run.

use std::collections::VecDeque;
use std::sync::Arc;

use bosun_frontend::authz::Operator;
use bosun_frontend::error::AppError;
use bosun_frontend::model::{OutputChunk, RunEvent};
use futures::Stream;
use futures::StreamExt;
use tokio::sync::watch;

use super::TasksService;
use super::output::LiveRun;
use crate::error::OrInternal;

/// Output pieces per event at most (pieces of one stream in a row are sent as one).
const EVENT_BYTES: usize = 64 * 1024;

/// Consecutive pieces of one stream joined, up to [`EVENT_BYTES`] each.
pub(super) fn merge(chunks: Vec<OutputChunk>) -> Vec<OutputChunk> {
    let mut out: Vec<OutputChunk> = Vec::new();
    for c in chunks {
        match out.last_mut() {
            Some(last)
                if last.stream == c.stream && last.text.len() + c.text.len() <= EVENT_BYTES =>
            {
                last.text.push_str(&c.text);
            }
            _ => out.push(c),
        }
    }
    out
}

struct Following {
    live: Arc<LiveRun>,
    changed: watch::Receiver<u64>,
    next: usize,
    queue: VecDeque<RunEvent>,
    done: bool,
}

fn follow(first: RunEvent, live: Arc<LiveRun>) -> impl Stream<Item = RunEvent> + Send {
    let state = Following {
        changed: live.watch(),
        live,
        next: 0,
        queue: VecDeque::from([first]),
        done: false,
    };
    futures::stream::unfold(state, |mut s| async move {
        loop {
            if let Some(event) = s.queue.pop_front() {
                return Some((event, s));
            }
            if s.done {
                return None;
            }
            s.changed.borrow_and_update();
            let (chunks, ended) = s.live.since(s.next);
            s.next += chunks.len();
            s.queue
                .extend(merge(chunks).into_iter().map(RunEvent::Output));
            if let Some(run) = ended {
                s.queue.push_back(RunEvent::Run(Box::new(run)));
                s.done = true;
                continue;
            }
            if s.queue.is_empty() && s.changed.changed().await.is_err() {
                return None;
            }
        }
    })
}

impl TasksService {
    /// The run's events; 404 no such run, 403 a run of an admin task for an operator.
    pub async fn events(
        &self,
        actor: &Operator,
        id: i64,
    ) -> Result<impl Stream<Item = RunEvent> + Send + use<>, AppError> {
        let row = self.readable(actor, id).await?;
        let first = RunEvent::Run(Box::new(row.dto()));
        if let Some(live) = self.live(id) {
            return Ok(follow(first, live).boxed());
        }
        let output = self
            .inner
            .store
            .run_output(id)
            .await
            .or_internal("reading a task run's output")?;
        // Read again: it may have ended since (its row is final before it leaves the live runs).
        let last = match self.inner.store.run(id).await {
            Ok(Some(row)) => RunEvent::Run(Box::new(row.dto())),
            _ => first.clone(),
        };
        let mut events = vec![first];
        events.extend(merge(output).into_iter().map(RunEvent::Output));
        events.push(last);
        Ok(futures::stream::iter(events).boxed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bosun_frontend::model::{OutputStream, Role};

    fn chunk(stream: OutputStream, text: &str) -> OutputChunk {
        OutputChunk {
            stream,
            text: text.into(),
        }
    }

    #[test]
    fn pieces_of_one_stream_travel_together_and_streams_stay_apart() {
        use OutputStream::*;
        let merged = merge(vec![
            chunk(Stdout, "a\n"),
            chunk(Stdout, "b\n"),
            chunk(Stderr, "oops\n"),
            chunk(Stdout, "c\n"),
        ]);
        assert_eq!(
            merged,
            [
                chunk(Stdout, "a\nb\n"),
                chunk(Stderr, "oops\n"),
                chunk(Stdout, "c\n")
            ]
        );
    }

    #[tokio::test]
    async fn a_follower_gets_what_came_before_then_the_rest_then_the_end() {
        let live = LiveRun::new(7);
        live.push(OutputStream::Stdout, "before\n".into());
        let first = RunEvent::Output(chunk(OutputStream::Note, "first"));
        let mut events = Box::pin(follow(first.clone(), live.clone()));
        assert_eq!(events.next().await, Some(first));
        assert_eq!(
            events.next().await,
            Some(RunEvent::Output(chunk(OutputStream::Stdout, "before\n")))
        );
        live.push(OutputStream::Stderr, "after\n".into());
        assert_eq!(
            events.next().await,
            Some(RunEvent::Output(chunk(OutputStream::Stderr, "after\n")))
        );
        let run = bosun_frontend::model::TaskRunDto {
            id: 7,
            task: "t".into(),
            project: "p".into(),
            service: "s".into(),
            container: None,
            argv: vec![],
            params: Default::default(),
            mode: Default::default(),
            source: bosun_frontend::model::TaskSource::Label,
            role: Role::Operator,
            status: bosun_frontend::model::TaskStatus::Succeeded,
            exit_code: Some(0),
            reason: None,
            started_at: String::new(),
            finished_at: None,
            duration_ms: None,
            by: "ann".into(),
            output_bytes: 13,
            truncated: false,
        };
        live.push(OutputStream::Stdout, "last\n".into());
        live.end(run.clone());
        assert_eq!(
            events.next().await,
            Some(RunEvent::Output(chunk(OutputStream::Stdout, "last\n")))
        );
        assert_eq!(events.next().await, Some(RunEvent::Run(Box::new(run))));
        assert_eq!(events.next().await, None);
    }
}
