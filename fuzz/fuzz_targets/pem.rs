//! Uploaded certificates and keys, and certificate files found on disk.
//! The property is `bosun_fuzz::pem`; its seeds are replayed by the unit tests.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| bosun_fuzz::pem(data));
