//! Cron expressions from labels and the schedule form: parsing and the next runs.
#![no_main]

use bosun_server::backups::schedule::{missed, next_after, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(expr) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(cron) = parse(expr) {
        let now = 1_800_000_000_000;
        if let Some(next) = next_after(&cron, now) {
            assert!(next > now, "the next run is after now");
        }
        let _ = missed(&cron, now - 86_400_000 * 40, now);
    }
});
