//! Cron expressions from labels and the schedule form, and their next runs.
//! The property is `bosun_fuzz::cron`; its seeds are replayed by the unit tests.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| bosun_fuzz::cron(data));
