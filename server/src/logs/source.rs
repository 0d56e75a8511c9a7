//! One container's log from the engine, as parsed lines.

use bosun_frontend::model::{LogQuery, LogStream, Tail};
use futures::{Stream, StreamExt};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::filter::strip_ansi;
use crate::docker::Engine;
use crate::docker::error::EngineError;
use crate::docker::logs::{self, LogRequest};
use crate::docker::output::Frame;

/// A line as the engine gave it, with its time in nanoseconds for ordering.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawLine {
    pub nanos: i128,
    pub ts: String,
    pub stream: LogStream,
    pub text: String,
}

/// Where to start reading.
pub enum From {
    /// The request's own tail / since.
    Query,
    /// Every line at or after this second (re-attaching after a restart).
    Second(i64),
}

/// The container's log lines; with `follow`, new ones as they are written. Without an
/// engine, the stream is that one error.
pub fn lines(
    engine: &Engine,
    id: &str,
    q: &LogQuery,
    from: From,
    follow: bool,
) -> impl Stream<Item = Result<RawLine, EngineError>> + Send + 'static {
    let (tail, since) = match from {
        From::Query => (
            match q.tail {
                Tail::All => None,
                Tail::Lines(n) => Some(n),
            },
            q.since.unwrap_or(0),
        ),
        From::Second(s) => (None, s),
    };
    let request = LogRequest {
        follow,
        since,
        until: q.until,
        tail,
        timestamps: true,
    };
    read(engine, id, &request)
}

/// The container's log from second `since` on, followed without end: what a hub's tap reads.
pub fn follow_from(
    engine: &Engine,
    id: &str,
    since: i64,
) -> impl Stream<Item = Result<RawLine, EngineError>> + Send + 'static {
    let request = LogRequest {
        follow: true,
        since,
        until: None,
        tail: None,
        timestamps: true,
    };
    read(engine, id, &request)
}

fn read(
    engine: &Engine,
    id: &str,
    request: &LogRequest,
) -> impl Stream<Item = Result<RawLine, EngineError>> + Send + 'static + use<> {
    let frames = match logs::read(engine, id, request) {
        Ok(frames) => frames,
        Err(e) => futures::stream::once(futures::future::ready(Err(e))).boxed(),
    };
    frames.flat_map(|r| {
        futures::stream::iter(match r {
            Ok(frame) => parse(frame).into_iter().map(Ok).collect::<Vec<_>>(),
            Err(e) => vec![Err(e)],
        })
    })
}

/// One engine frame: usually one line, each prefixed with its RFC 3339 time.
pub fn parse(frame: Frame) -> Vec<RawLine> {
    let (stream, bytes) = match frame {
        Frame::Stderr(message) => (LogStream::Stderr, message),
        Frame::Stdout(message) => (LogStream::Stdout, message),
    };
    String::from_utf8_lossy(&bytes)
        .split_terminator('\n')
        .filter_map(|line| {
            let (ts, text) = line.split_once(' ').unwrap_or((line, ""));
            let nanos = OffsetDateTime::parse(ts, &Rfc3339)
                .ok()?
                .unix_timestamp_nanos();
            Some(RawLine {
                nanos,
                ts: ts.to_owned(),
                stream,
                text: strip_ansi(text.trim_end_matches('\r')).into_owned(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_become_timestamped_lines() {
        let lines = parse(Frame::Stderr(
            "2026-11-22T08:00:00.5Z boom\r\n2026-11-22T08:00:01.000000001Z \u{1b}[1mbold\u{1b}[0m\n"
                .into(),
        ));
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].stream, LogStream::Stderr);
        assert_eq!(lines[0].text, "boom");
        assert!(lines[1].nanos - lines[0].nanos == 500_000_001);
        assert_eq!(lines[1].text, "bold");
    }
}
