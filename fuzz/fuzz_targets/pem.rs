//! Uploaded certificates and keys: any text is refused with a message or accepted as a pair
//! that belongs together; certificate files found on disk are parsed the same way.
#![no_main]

use bosun_server::certs::inspect::{chain_from_pem, checked_pair, facts, key_from_pem};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|b| *b == 0).unwrap_or(data.len());
    let (cert, key) = data.split_at(split);
    let key = key.get(1..).unwrap_or_default();
    if let Ok(chain) = chain_from_pem(cert) {
        for c in &chain {
            let f = facts(c).expect("a chain that parsed has facts");
            let _ = f.used(1_800_000_000);
        }
    }
    let _ = key_from_pem(key);
    if let Ok(pair) = checked_pair(cert, key, 1_800_000_000) {
        assert!(pair.facts.not_before <= 1_800_000_000 && 1_800_000_000 < pair.facts.not_after);
    }
});
