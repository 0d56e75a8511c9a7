//! Log lines and the options of a log request, parsed once at the edge.

use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum LogStream {
    Stdout,
    Stderr,
}

/// One line, already stripped of terminal escape codes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LogLine {
    /// When the engine received it (RFC 3339, nanoseconds).
    pub ts: String,
    pub stream: LogStream,
    /// `web.2` in merged views: service and container number (or the container name).
    pub source: String,
    pub text: String,
    /// Byte ranges in `text` that match the filter, for highlighting.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matches: Vec<(u32, u32)>,
}

/// Something that happened to the stream itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LogMarker {
    pub source: String,
    pub kind: MarkerKind,
    pub message: String,
    pub ts: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MarkerKind {
    /// The container stopped; following resumes when it runs again.
    Stopped,
    /// The container (re)started and is followed again.
    Restarted,
    /// A new container joined the service or project.
    Attached,
    /// The engine went away; bosun reconnects by itself.
    EngineLost,
    /// The requested time range (`until`) is complete; nothing more will come.
    End,
    /// This view fell behind a fast writer and skipped lines (the log itself is whole).
    Skipped,
}

/// One server-sent event of a followed log: lines and markers, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LogFrame {
    pub items: Vec<LogItem>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum LogItem {
    Line(LogLine),
    Marker(LogMarker),
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum StreamFilter {
    #[default]
    All,
    Stdout,
    Stderr,
}

impl StreamFilter {
    pub fn wants(self, s: LogStream) -> bool {
        match self {
            StreamFilter::All => true,
            StreamFilter::Stdout => s == LogStream::Stdout,
            StreamFilter::Stderr => s == LogStream::Stderr,
        }
    }
}

/// The query string as sent: every value a string, parsed by [`LogQuery::parse`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
pub struct RawLogQuery {
    /// Lines per container before following (default 500, at most 100000; `all` for everything).
    pub tail: Option<String>,
    /// From this time: RFC 3339, Unix seconds, or a duration ago (`10m`, `2h`).
    pub since: Option<String>,
    /// Up to this time, same forms as `since`.
    pub until: Option<String>,
    /// Prefix each line with its time (text output).
    pub timestamps: Option<String>,
    /// `all` (default), `stdout` or `stderr`.
    pub stream: Option<String>,
    /// Only lines containing this (or matching it, with `regex=true`).
    pub grep: Option<String>,
    pub regex: Option<String>,
    /// Keep the stream open and send new lines as they come (server-sent events).
    pub follow: Option<String>,
}

/// `tail` as docker counts it: per container.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tail {
    All,
    Lines(u32),
}

/// A validated log request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogQuery {
    pub tail: Tail,
    /// Unix seconds.
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub timestamps: bool,
    pub stream: StreamFilter,
    pub grep: Option<String>,
    pub regex: bool,
    pub follow: bool,
}

pub const DEFAULT_TAIL: u32 = 500;
pub const MAX_TAIL: u32 = 100_000;
/// The most lines per container a viewer reads in one request; more (or `all`) is an
/// operator's, and audited like a download.
pub const VIEWER_TAIL: u32 = 5_000;

impl LogQuery {
    /// More history than a viewer may pull in one request.
    pub fn is_whole(&self) -> bool {
        match self.tail {
            Tail::All => true,
            Tail::Lines(n) => n > VIEWER_TAIL,
        }
    }
}
pub const MAX_GREP: usize = 500;

fn flag(name: &str, v: Option<&str>) -> Result<bool, AppError> {
    match v {
        None | Some("") | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(other) => Err(AppError::bad_request(
            name,
            format!("{name} must be true or false, not “{}”.", shown(other)),
        )),
    }
}

fn shown(v: &str) -> String {
    v.chars().filter(|c| !c.is_control()).take(40).collect()
}

/// `2026-11-22T08:00:00Z`, `1763798400`, or `15m` / `2h` / `3d` ago.
fn time(name: &str, v: Option<&str>, now: i64) -> Result<Option<i64>, AppError> {
    let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let bad = || {
        AppError::bad_request(
            name,
            format!(
                "{name} “{}” is not a time: use RFC 3339 (2026-11-22T08:00:00Z), Unix seconds, or a duration ago like 15m, 2h or 3d.",
                shown(v)
            ),
        )
    };
    if let Ok(secs) = v.parse::<i64>() {
        return if secs >= 0 {
            Ok(Some(secs))
        } else {
            Err(bad())
        };
    }
    if let Ok(t) = time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339) {
        return Ok(Some(t.unix_timestamp().max(0)));
    }
    // A duration ago: digits, then one unit letter (checked as text, never sliced blindly).
    let unit_secs = |suffix: char| match suffix {
        's' => Some(1),
        'm' => Some(60),
        'h' => Some(3600),
        'd' => Some(86_400),
        _ => None,
    };
    let mut chars = v.chars();
    let unit = chars.next_back().and_then(unit_secs).ok_or_else(bad)?;
    let n: i64 = chars.as_str().parse().map_err(|_| bad())?;
    let ago = n.checked_mul(unit).filter(|a| *a >= 0).ok_or_else(bad)?;
    Ok(Some(now.saturating_sub(ago).max(0)))
}

impl RawLogQuery {
    /// Checks every parameter; the error names the one at fault. `now` is Unix seconds.
    pub fn parse(&self, now: i64) -> Result<LogQuery, AppError> {
        let tail = match self.tail.as_deref().map(str::trim) {
            None | Some("") => Tail::Lines(DEFAULT_TAIL),
            Some("all") => Tail::All,
            Some(n) => match n.parse::<u32>() {
                Ok(n) if n <= MAX_TAIL => Tail::Lines(n),
                _ => {
                    return Err(AppError::bad_request(
                        "tail",
                        format!(
                            "tail must be a number from 0 to {MAX_TAIL}, or “all”, not “{}”.",
                            shown(n)
                        ),
                    ));
                }
            },
        };
        let since = time("since", self.since.as_deref(), now)?;
        let until = time("until", self.until.as_deref(), now)?;
        if let (Some(s), Some(u)) = (since, until)
            && u < s
        {
            return Err(AppError::bad_request(
                "until",
                "until is before since: swap them or widen the range.",
            ));
        }
        let stream = match self.stream.as_deref() {
            None | Some("") | Some("all") => StreamFilter::All,
            Some("stdout") => StreamFilter::Stdout,
            Some("stderr") => StreamFilter::Stderr,
            Some(other) => {
                return Err(AppError::bad_request(
                    "stream",
                    format!(
                        "stream must be all, stdout or stderr, not “{}”.",
                        shown(other)
                    ),
                ));
            }
        };
        let grep = self.grep.clone().filter(|g| !g.is_empty());
        if grep.as_ref().is_some_and(|g| g.len() > MAX_GREP) {
            return Err(AppError::bad_request(
                "grep",
                format!("The filter is longer than {MAX_GREP} characters; shorten it."),
            ));
        }
        Ok(LogQuery {
            tail,
            since,
            until,
            timestamps: flag("timestamps", self.timestamps.as_deref())?,
            stream,
            grep,
            regex: flag("regex", self.regex.as_deref())?,
            follow: flag("follow", self.follow.as_deref())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawLogQuery {
        let mut q = RawLogQuery::default();
        for (k, v) in pairs {
            let v = Some((*v).to_owned());
            match *k {
                "tail" => q.tail = v,
                "since" => q.since = v,
                "until" => q.until = v,
                "stream" => q.stream = v,
                "grep" => q.grep = v,
                "regex" => q.regex = v,
                "follow" => q.follow = v,
                _ => q.timestamps = v,
            }
        }
        q
    }

    fn field(pairs: &[(&str, &str)]) -> Option<String> {
        raw(pairs).parse(1_000_000).err().and_then(|e| e.field)
    }

    #[test]
    fn defaults_and_forms() {
        let q = raw(&[]).parse(0).ok();
        assert_eq!(q.as_ref().map(|q| q.tail), Some(Tail::Lines(500)));
        let q = raw(&[
            ("since", "10m"),
            ("until", "2026-01-01T00:00:00Z"),
            ("tail", "all"),
        ])
        .parse(1_000_000)
        .ok();
        assert_eq!(q.as_ref().and_then(|q| q.since), Some(1_000_000 - 600));
        assert_eq!(q.as_ref().map(|q| q.tail), Some(Tail::All));
    }

    #[test]
    fn each_bad_parameter_is_named() {
        assert_eq!(field(&[("tail", "-1")]).as_deref(), Some("tail"));
        assert_eq!(field(&[("tail", "100001")]).as_deref(), Some("tail"));
        assert_eq!(field(&[("since", "yesterday")]).as_deref(), Some("since"));
        assert_eq!(
            field(&[("since", "20"), ("until", "10")]).as_deref(),
            Some("until")
        );
        assert_eq!(field(&[("stream", "stdin")]).as_deref(), Some("stream"));
        assert_eq!(field(&[("follow", "yes")]).as_deref(), Some("follow"));
        assert_eq!(
            field(&[("grep", &"x".repeat(501))]).as_deref(),
            Some("grep")
        );
    }
}
