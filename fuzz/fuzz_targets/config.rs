//! Start-up flags and their values.
//! The property is `bosun_fuzz::config`; its seeds are replayed by the unit tests.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| bosun_fuzz::config(data));
