//! Start-up configuration: any arguments (NUL-separated) give a config or a clear error.
#![no_main]

use bosun_server::config::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let args = std::iter::once("bosun".to_owned()).chain(text.split('\0').map(str::to_owned));
    match Config::load(args, Vec::new()) {
        Ok(c) => assert!(c.session_idle <= c.session_absolute),
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
