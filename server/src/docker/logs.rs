//! A container's log from the engine: a time range of its history, or new output as it is
//! written, as bosun's frames (stdout and stderr apart, each line prefixed with its time
//! when asked).

use bollard::query_parameters::LogsOptions;

use super::Engine;
use super::error::EngineError;
use super::output::{Frames, frames};

/// Which part of the log to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogRequest {
    /// Keep the stream open for new output.
    pub follow: bool,
    /// Lines at or after this second (0: from the start).
    pub since: i64,
    /// Lines before this second; ignored when following.
    pub until: Option<i64>,
    /// Only the last this many lines of the range (None: all).
    pub tail: Option<u32>,
    /// Prefix each line with its RFC 3339 time, to the nanosecond.
    pub timestamps: bool,
}

/// The engine's parameters: seconds as its 32-bit numbers, 0 meaning "no bound".
fn options(request: &LogRequest) -> LogsOptions {
    LogsOptions {
        follow: request.follow,
        stdout: true,
        stderr: true,
        since: i32::try_from(request.since.max(0)).unwrap_or(i32::MAX),
        until: if request.follow {
            0
        } else {
            request
                .until
                .and_then(|u| i32::try_from(u).ok())
                .unwrap_or(0)
        },
        timestamps: request.timestamps,
        tail: request
            .tail
            .map_or_else(|| "all".to_owned(), |n| n.to_string()),
    }
}

/// Container `id`'s log. Fails only when there is no engine to ask; a container that is
/// gone, or a connection that breaks, ends the stream with an error.
pub fn read(engine: &Engine, id: &str, request: &LogRequest) -> Result<Frames, EngineError> {
    let docker = engine.client()?;
    Ok(frames(docker.logs(id, Some(options(request)))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> LogRequest {
        LogRequest {
            follow: false,
            since: 1_700_000_000,
            until: Some(1_700_000_060),
            tail: Some(200),
            timestamps: true,
        }
    }

    #[test]
    fn a_closed_range_reads_its_bounds_and_tail() {
        let o = options(&request());
        assert_eq!((o.since, o.until), (1_700_000_000, 1_700_000_060));
        assert_eq!(o.tail, "200");
        assert!(o.stdout && o.stderr && o.timestamps && !o.follow);
    }

    #[test]
    fn following_has_no_end_and_all_means_all() {
        let o = options(&LogRequest {
            follow: true,
            tail: None,
            ..request()
        });
        assert_eq!(o.until, 0);
        assert!(o.follow);
        assert_eq!(o.tail, "all");
    }

    #[test]
    fn times_beyond_the_engines_range_are_clamped_not_wrapped() {
        let o = options(&LogRequest {
            since: i64::MAX,
            until: Some(i64::MAX),
            ..request()
        });
        assert_eq!(o.since, i32::MAX);
        // An end the engine cannot express is no end.
        assert_eq!(o.until, 0);
        let o = options(&LogRequest {
            since: -5,
            ..request()
        });
        assert_eq!(o.since, 0);
    }
}
