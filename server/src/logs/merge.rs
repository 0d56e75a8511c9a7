//! Merges several containers' logs into one stream ordered by time, without buffering them.
//!
//! Each container's log is nearly in time order: the engine stamps stdout and stderr lines
//! as it reads two pipes, so a line can be filed a little after a later-stamped one. A small
//! look-ahead per container puts those right.

use futures::{Stream, StreamExt};

use super::source::RawLine;

/// Lines of look-ahead per container.
const WINDOW: usize = 32;

struct Input<S> {
    stream: S,
    /// Sorted by time, oldest first.
    buf: Vec<RawLine>,
    done: bool,
}

/// The output is in time order; items carry their input's index.
pub fn by_time<S, E>(streams: Vec<S>) -> impl Stream<Item = Result<(usize, RawLine), E>>
where
    S: Stream<Item = Result<RawLine, E>> + Unpin,
{
    let inputs: Vec<Input<S>> = streams
        .into_iter()
        .map(|stream| Input {
            stream,
            buf: Vec::new(),
            done: false,
        })
        .collect();
    futures::stream::unfold(inputs, |mut inputs| async move {
        for input in inputs.iter_mut() {
            while !input.done && input.buf.len() < WINDOW {
                match input.stream.next().await {
                    Some(Ok(line)) => {
                        let at = input.buf.partition_point(|l| l.nanos <= line.nanos);
                        input.buf.insert(at, line);
                    }
                    Some(Err(e)) => {
                        input.done = true;
                        return Some((Err(e), inputs));
                    }
                    None => input.done = true,
                }
            }
        }
        let next = inputs
            .iter()
            .enumerate()
            .filter_map(|(i, input)| input.buf.first().map(|h| (h.nanos, i)))
            .min()?
            .1;
        let line = inputs[next].buf.remove(0);
        Some((Ok((next, line)), inputs))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bosun_frontend::model::LogStream;

    fn line(nanos: i128) -> Result<RawLine, ()> {
        Ok(RawLine {
            nanos,
            ts: nanos.to_string(),
            stream: LogStream::Stdout,
            text: String::new(),
        })
    }

    async fn merged(inputs: Vec<Vec<Result<RawLine, ()>>>) -> Vec<(usize, i128)> {
        by_time(inputs.into_iter().map(futures::stream::iter).collect())
            .map(|r| r.map(|(i, l)| (i, l.nanos)))
            .filter_map(|r| async move { r.ok() })
            .collect()
            .await
    }

    #[tokio::test]
    async fn interleaves_by_time() {
        let out = merged(vec![
            vec![line(1), line(4), line(5)],
            vec![line(2), line(3), line(6)],
        ])
        .await;
        assert_eq!(out, [(0, 1), (1, 2), (1, 3), (0, 4), (0, 5), (1, 6)]);
    }

    #[tokio::test]
    async fn small_inversions_within_one_container_are_put_right() {
        let out = merged(vec![
            vec![line(1), line(3), line(2), line(4)],
            vec![line(0)],
        ])
        .await;
        let times: Vec<i128> = out.iter().map(|(_, t)| *t).collect();
        assert_eq!(times, [0, 1, 2, 3, 4]);
    }
}
