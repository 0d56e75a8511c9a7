//! `BOSUN_STATS_HISTORY`: the always-on, low-frequency CPU and memory history: how often it
//! samples every running container, and how long it keeps the samples.

use std::time::Duration;

/// The most samples one container's history may hold (retention / interval), so memory
/// stays bounded: a week at one a minute.
pub const MAX_SAMPLES: u64 = 10_080;

/// The longest interval: the history is read over an hour at the least.
const MAX_INTERVAL: Duration = Duration::from_secs(3600);

const HELP: &str = "write INTERVAL/RETENTION such as 1m/24h, 2s/10m or 30s/6h, or off";

/// How the history samples, or that it does not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatsHistoryConfig {
    Off,
    Every {
        /// Between two samples of one container: whole seconds, 1 s to 1 h.
        interval: Duration,
        /// How far back samples are kept: at most [`MAX_SAMPLES`] intervals.
        retention: Duration,
    },
}

impl Default for StatsHistoryConfig {
    /// `1m/24h`.
    fn default() -> Self {
        StatsHistoryConfig::Every {
            interval: Duration::from_secs(60),
            retention: Duration::from_secs(86_400),
        }
    }
}

impl StatsHistoryConfig {
    /// The interval and the retention, or None when off.
    pub fn every(&self) -> Option<(Duration, Duration)> {
        match *self {
            StatsHistoryConfig::Off => None,
            StatsHistoryConfig::Every {
                interval,
                retention,
            } => Some((interval, retention)),
        }
    }
}

/// `off`, or `INTERVAL/RETENTION` (`1m/24h`, `2s/10m`, `30s/6h`).
pub(super) fn parse_stats_history(s: &str) -> Result<StatsHistoryConfig, String> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("off") {
        return Ok(StatsHistoryConfig::Off);
    }
    let (interval, retention) = s
        .split_once('/')
        .ok_or_else(|| format!("no “/” between interval and retention: {HELP}"))?;
    let interval = span("interval", interval)?;
    let retention = span("retention", retention)?;
    if interval < Duration::from_secs(1) {
        return Err(format!("the interval must be at least 1s: {HELP}"));
    }
    if interval.subsec_nanos() != 0 || retention.subsec_nanos() != 0 {
        return Err(format!(
            "the interval and the retention must be whole seconds: {HELP}"
        ));
    }
    if interval > MAX_INTERVAL {
        return Err(format!("the interval must be at most 1h: {HELP}"));
    }
    if retention < interval {
        return Err(format!(
            "the retention must be at least one interval long: {HELP}"
        ));
    }
    let samples = retention.as_secs() / interval.as_secs();
    if samples > MAX_SAMPLES {
        return Err(format!(
            "one sample every {} kept for {} is {samples} samples per container, more than \
             {MAX_SAMPLES}: sample less often or keep less (e.g. 1m/7d, 30s/3d, 10s/1d)",
            humantime::format_duration(interval),
            humantime::format_duration(retention),
        ));
    }
    Ok(StatsHistoryConfig::Every {
        interval,
        retention,
    })
}

/// A duration; the error names the part (interval or retention) at fault.
fn span(part: &str, s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s.trim())
        .map_err(|e| format!("the {part} {:?} is not a duration ({e}): {HELP}", s.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every(interval: u64, retention: u64) -> StatsHistoryConfig {
        StatsHistoryConfig::Every {
            interval: Duration::from_secs(interval),
            retention: Duration::from_secs(retention),
        }
    }

    #[test]
    fn interval_and_retention_or_off() {
        assert_eq!(parse_stats_history("1m/24h"), Ok(every(60, 86_400)));
        assert_eq!(parse_stats_history(" 2s/10m "), Ok(every(2, 600)));
        assert_eq!(parse_stats_history("30s/6h"), Ok(every(30, 21_600)));
        assert_eq!(parse_stats_history("1m/7d"), Ok(every(60, 604_800)));
        assert_eq!(parse_stats_history("OFF"), Ok(StatsHistoryConfig::Off));
        assert_eq!(StatsHistoryConfig::default(), every(60, 86_400));
        assert_eq!(StatsHistoryConfig::Off.every(), None);
    }

    #[test]
    fn refusals_say_what_to_write() {
        let err = |s: &str| parse_stats_history(s).unwrap_err();
        for bad in ["0s/1m", "500ms/1m"] {
            let e = err(bad);
            assert!(e.contains("1m/24h"), "{bad}: {e}");
        }
        assert!(err("0s/1m").contains("at least 1s"));
        assert!(err("500ms/1m").contains("at least 1s"));
        assert!(err("1500ms/1h").contains("whole seconds"));
        assert!(err("2h/24h").contains("at most 1h"));
        assert!(err("1m").contains("“/”"));
        assert!(err("soon/1h").contains("interval \"soon\""));
        assert!(err("1m/later").contains("retention \"later\""));
        assert!(err("1m/30s").contains("at least one interval"));
        let e = err("1s/24h");
        assert!(e.contains("86400 samples") && e.contains("10080"), "{e}");
        assert!(err("30s/7d").contains("20160 samples"));
        assert!(err("").contains("1m/24h"));
    }
}
