//! What bosun reads from containers it did not make: labels and environment variables for
//! backups (engine, database, user, password variable, schedule), certificate reloads and
//! monitor links. Lines of `key=value`; the first line is the image.
#![no_main]

use std::collections::BTreeMap;

use bosun_frontend::model::ReloadAction;
use bosun_server::backups::settings::settings;
use bosun_server::docker::database::detect;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
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
});
