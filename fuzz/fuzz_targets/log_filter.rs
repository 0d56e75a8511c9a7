//! The log filter: any pattern (text or regular expression) against any line. A bad
//! pattern must be an error, never a panic, and matches must lie inside the line.
#![no_main]

use bosun_server::logs::filter::{Filter, strip_ansi};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let (pattern, line) = text.split_once('\n').unwrap_or((&text, ""));
    let line = strip_ansi(line);
    if let Ok(filter) = Filter::new(Some(pattern), flags & 1 == 1)
        && let Some(spans) = filter.matches(&line)
    {
        for (start, end) in spans {
            assert!(
                start <= end && end as usize <= line.len(),
                "a match outside the line"
            );
        }
    }
});
