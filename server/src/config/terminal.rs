//! The browser terminal's settings: who may open one, how long it may stay open, how many a
//! user may hold, and whether its output is kept.

use std::time::Duration;

use bosun_frontend::model::terminal::TerminalPolicy;

#[derive(clap::Args, Clone, Debug)]
pub struct TerminalConfig {
    /// Who may open a terminal in a container from the browser: `off`, `admin` or `operator`.
    #[arg(long = "terminal", env = "BOSUN_TERMINAL", default_value = "admin", value_parser = parse_policy, value_name = "off|admin|operator")]
    pub policy: TerminalPolicy,

    /// Close a terminal after this long without a keystroke.
    #[arg(long = "terminal-idle", env = "BOSUN_TERMINAL_IDLE", default_value = "15m", value_parser = parse_span, value_name = "DURATION")]
    pub idle: Duration,

    /// Close a terminal this long after it opened, whatever happens in it.
    #[arg(long = "terminal-max-time", env = "BOSUN_TERMINAL_MAX_TIME", default_value = "4h", value_parser = parse_span, value_name = "DURATION")]
    pub max_time: Duration,

    /// Terminals one user may have open at once.
    #[arg(long = "terminal-per-user", env = "BOSUN_TERMINAL_PER_USER", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64), value_name = "N")]
    pub per_user: u32,

    /// Keep what each terminal showed (its output, not its input), for admins to read: `on`
    /// or `off`.
    #[arg(long = "terminal-transcripts", env = "BOSUN_TERMINAL_TRANSCRIPTS", default_value = "off", action = clap::ArgAction::Set, value_parser = parse_on_off, value_name = "on|off")]
    pub transcripts: bool,

    /// The most of a terminal's output one transcript keeps, in KiB; the rest is cut off and
    /// the transcript says so.
    #[arg(long = "terminal-transcript-kib", env = "BOSUN_TERMINAL_TRANSCRIPT_KIB", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=65536), value_name = "KIB")]
    pub transcript_kib: u32,
}

fn parse_policy(s: &str) -> Result<TerminalPolicy, String> {
    s.parse()
}

/// A duration of at least a second (`90s`, `15m`, `4h`).
fn parse_span(s: &str) -> Result<Duration, String> {
    let d =
        humantime::parse_duration(s.trim()).map_err(|e| format!("{e} (examples: 90s, 15m, 4h)"))?;
    if d < Duration::from_secs(1) {
        return Err("must be at least 1 second".into());
    }
    Ok(d)
}

pub(super) fn parse_on_off(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" => Ok(true),
        "off" | "false" | "no" => Ok(false),
        other => Err(format!("{other:?} is neither on nor off")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_at_least_a_second_and_switches_on_or_off() {
        assert_eq!(parse_span("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_span("2s"), Ok(Duration::from_secs(2)));
        assert!(parse_span("10ms").is_err());
        assert!(parse_span("soon").is_err());
        assert_eq!(parse_on_off("ON"), Ok(true));
        assert_eq!(parse_on_off("off"), Ok(false));
        assert!(parse_on_off("maybe").is_err());
    }
}
