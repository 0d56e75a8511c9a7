//! Log search patterns (text and regular expressions) against any line.
//! The property is `bosun_fuzz::log_filter`; its seeds are replayed by the unit tests.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| bosun_fuzz::log_filter(data));
