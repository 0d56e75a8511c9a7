//! The properties bosun's parsers of untrusted input must keep for any input: one function
//! per fuzz target. `cargo fuzz` (scripts/fuzz.sh) drives them with generated inputs; the unit
//! tests below replay every committed seed through them, so CI checks the same properties on
//! each run without an instrumented build.

use std::collections::BTreeMap;

use bosun_frontend::model::ReloadAction;
use bosun_server::backups::schedule::{missed, next_after, parse};
use bosun_server::backups::settings::settings;
use bosun_server::certs::inspect::{chain_from_pem, checked_pair, facts, key_from_pem};
use bosun_server::config::Config;
use bosun_server::docker::database::detect;
use bosun_server::logs::filter::{Filter, strip_ansi};

/// A moment far from any edge: 2027-01-15.
const NOW_S: i64 = 1_800_000_000;

/// Start-up configuration: any arguments (NUL-separated) give a config or a clear error.
pub fn config(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let args = std::iter::once("bosun".to_owned()).chain(text.split('\0').map(str::to_owned));
    match Config::load(args, Vec::new()) {
        Ok(c) => assert!(c.session_idle <= c.session_absolute),
        Err(e) => assert!(!e.to_string().is_empty(), "an error says what is wrong"),
    }
}

/// Cron expressions from labels and the schedule form: parsing and the next runs.
pub fn cron(data: &[u8]) {
    let Ok(expr) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(cron) = parse(expr) {
        let now = NOW_S * 1000;
        if let Some(next) = next_after(&cron, now) {
            assert!(next > now, "the next run is after now");
        }
        if let Some(run) = missed(&cron, now - 86_400_000 * 40, now) {
            assert!(run <= now, "a missed run is not in the future");
        }
    }
}

/// What bosun reads from containers it did not make: labels and environment variables for
/// backups (engine, database, user, password variable, schedule), certificate reloads and
/// monitor links. Lines of `key=value`; the first line is the image.
pub fn labels(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.lines();
    let image = lines.next().unwrap_or_default();
    let mut labels = BTreeMap::new();
    let mut env = Vec::new();
    for line in lines {
        match line.split_once('=') {
            Some((k, v)) if k.starts_with("bosun.") => {
                labels.insert(k.to_owned(), v.to_owned());
            }
            Some(_) => env.push(line.to_owned()),
            None => {}
        }
    }
    let engine_label = labels.get("bosun.backup.engine").map(String::as_str);
    if let Some(engine) = detect(image, env.iter().map(String::as_str), engine_label) {
        let _ = settings(engine, env.iter().map(String::as_str), &labels);
    }
    if let Some(reload) = labels.get("bosun.cert.reload")
        && let Ok(action) = reload.parse::<ReloadAction>()
    {
        // What it prints parses back to the same action.
        assert_eq!(
            action.to_string().parse::<ReloadAction>().ok(),
            Some(action)
        );
    }
}

/// The log filter: any pattern (text or regular expression) against any line. A bad
/// pattern must be an error, never a panic, and matches must lie inside the line.
pub fn log_filter(data: &[u8]) {
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
}

/// Uploaded certificates and keys: any text is refused with a message or accepted as a pair
/// that belongs together; certificate files found on disk are parsed the same way.
pub fn pem(data: &[u8]) {
    let split = data.iter().position(|b| *b == 0).unwrap_or(data.len());
    let (cert, key) = data.split_at(split);
    let key = key.get(1..).unwrap_or_default();
    if let Ok(chain) = chain_from_pem(cert) {
        for c in &chain {
            let f = facts(c);
            assert!(f.is_ok(), "a chain that parsed has facts");
            if let Ok(f) = f {
                let _ = f.used(NOW_S);
            }
        }
    }
    let _ = key_from_pem(key);
    if let Ok(pair) = checked_pair(cert, key, NOW_S) {
        assert!(pair.facts.not_before <= NOW_S && NOW_S < pair.facts.not_after);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::path::Path;

    /// Every file in `seeds/<target>/` through its property; a seed folder may not be empty.
    fn replay(target: &str, property: fn(&[u8])) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("seeds")
            .join(target);
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let caught = std::panic::catch_unwind(|| property(&data));
            assert!(
                caught.is_ok(),
                "{target}: the seed {} fails",
                path.display()
            );
            seen += 1;
        }
        assert!(seen > 0, "no seeds in {}", dir.display());
    }

    #[test]
    fn config_seeds_hold() {
        replay("config", super::config);
    }

    #[test]
    fn cron_seeds_hold() {
        replay("cron", super::cron);
    }

    #[test]
    fn labels_seeds_hold() {
        replay("labels", super::labels);
    }

    #[test]
    fn log_filter_seeds_hold() {
        replay("log_filter", super::log_filter);
    }

    #[test]
    fn pem_seeds_hold() {
        replay("pem", super::pem);
    }
}
