//! Picking a followed log up where a dropped connection left it. Each event's SSE `id` is the
//! time of its last line; the browser sends it back as `Last-Event-ID` when it reconnects,
//! and the new stream starts after that line instead of re-reading the tail.

use bosun_frontend::model::{LogFrame, LogItem};
use http::HeaderMap;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The last line a reconnecting browser had.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resume(OffsetDateTime);

impl Resume {
    /// From `Last-Event-ID`; None without one, or when it is not a line's time (ignored, as
    /// the header is the browser's, not the user's).
    pub fn from_headers(headers: &HeaderMap) -> Option<Resume> {
        let value = headers.get("last-event-id")?.to_str().ok()?;
        OffsetDateTime::parse(value.trim(), &Rfc3339)
            .ok()
            .map(Resume)
    }

    /// The whole second the stream asks the engine from (`since` is in seconds).
    pub fn since(self) -> i64 {
        self.0.unix_timestamp()
    }

    /// Drops the lines the browser has: those at or before its last one. False when nothing
    /// is left to send.
    pub fn keep_newer(self, frame: &mut LogFrame) -> bool {
        frame.items.retain(|item| match item {
            LogItem::Line(line) => {
                OffsetDateTime::parse(&line.ts, &Rfc3339).map_or(true, |at| at > self.0)
            }
            LogItem::Marker(_) => true,
        });
        !frame.items.is_empty()
    }

    /// Whether `frame` starts well after the browser's last line (more than lines of merged
    /// containers can be out of order). History comes in time order and live lines are newer,
    /// so from such a frame on no line can be at or before it: the check can stop, and the
    /// stream no longer parses every line's time.
    pub fn passed(self, frame: &LogFrame) -> bool {
        let first = frame.items.iter().find_map(|item| match item {
            LogItem::Line(line) => Some(line.ts.as_str()),
            LogItem::Marker(_) => None,
        });
        first
            .and_then(|ts| OffsetDateTime::parse(ts, &Rfc3339).ok())
            .is_some_and(|at| at > self.0 + REORDER)
    }
}

/// How far lines of merged containers can be out of time order.
const REORDER: time::Duration = time::Duration::seconds(2);

/// The SSE id of a frame: its last line's time.
pub fn event_id(frame: &LogFrame) -> Option<&str> {
    frame.items.iter().rev().find_map(|item| match item {
        LogItem::Line(line) => Some(line.ts.as_str()),
        LogItem::Marker(_) => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bosun_frontend::model::{LogLine, LogStream};

    fn line(ts: &str) -> LogItem {
        LogItem::Line(LogLine {
            ts: ts.into(),
            stream: LogStream::Stdout,
            source: "web.1".into(),
            text: ts.into(),
            matches: Vec::new(),
        })
    }

    #[test]
    fn a_reconnect_sends_only_lines_after_the_last_one_seen() {
        let mut h = HeaderMap::new();
        // Docker trims trailing zeros of the nanoseconds: compared as times, not strings.
        h.insert("last-event-id", "2026-12-05T10:00:01.5Z".parse().unwrap());
        let resume = Resume::from_headers(&h).unwrap();
        assert_eq!(resume.since(), 1_796_464_801);
        let mut frame = LogFrame {
            items: vec![
                line("2026-12-05T10:00:01.25Z"),
                line("2026-12-05T10:00:01.500000000Z"),
                line("2026-12-05T10:00:01.500000001Z"),
                line("2026-12-05T10:00:02Z"),
            ],
        };
        assert!(resume.keep_newer(&mut frame));
        assert_eq!(frame.items.len(), 2);
        assert_eq!(event_id(&frame), Some("2026-12-05T10:00:02Z"));
        let mut old = LogFrame {
            items: vec![line("2026-12-05T09:59:59Z")],
        };
        assert!(!resume.keep_newer(&mut old), "nothing new: no event");
        assert!(
            !resume.passed(&frame),
            "within the reorder margin: keep checking"
        );
        let later = LogFrame {
            items: vec![line("2026-12-05T10:00:04Z")],
        };
        assert!(resume.passed(&later), "well past: checking stops");
    }

    #[test]
    fn a_foreign_last_event_id_is_ignored() {
        let mut h = HeaderMap::new();
        assert!(Resume::from_headers(&h).is_none());
        h.insert("last-event-id", "42".parse().unwrap());
        assert!(Resume::from_headers(&h).is_none());
    }
}
