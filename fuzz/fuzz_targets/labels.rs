//! Labels and environment of containers bosun did not make.
//! The property is `bosun_fuzz::labels`; its seeds are replayed by the unit tests.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| bosun_fuzz::labels(data));
