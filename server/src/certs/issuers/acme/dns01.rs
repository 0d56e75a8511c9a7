//! DNS-01: the TXT record set and cleared by the configured hook program
//! (`BOSUN_ACME_DNS_HOOK set|clear NAME VALUE`), as an argument list, never a shell line.

use std::path::Path;
use std::time::Duration;

const HOOK_TIMEOUT: Duration = Duration::from_secs(120);
const OUTPUT_KEEP: usize = 1024;

/// Runs `hook VERB NAME VALUE` (also in `BOSUN_ACME_RECORD`, `BOSUN_ACME_VALUE`).
pub(super) async fn run(hook: &Path, verb: &str, name: &str, value: &str) -> Result<(), String> {
    let mut cmd = tokio::process::Command::new(hook);
    cmd.args([verb, name, value])
        .env("BOSUN_ACME_RECORD", name)
        .env("BOSUN_ACME_VALUE", value)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    let out = tokio::time::timeout(HOOK_TIMEOUT, cmd.output())
        .await
        .map_err(|_| {
            format!(
                "the DNS hook {} did not finish within 120 s",
                hook.display()
            )
        })?
        .map_err(|e| format!("the DNS hook {} could not run ({e})", hook.display()))?;
    if out.status.success() {
        return Ok(());
    }
    let mut text = String::from_utf8_lossy(&out.stderr).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stdout));
    let text: String = text.trim().chars().take(OUTPUT_KEEP).collect();
    Err(format!(
        "the DNS hook failed to {verb} {name} ({}): {text}",
        out.status
    ))
}
