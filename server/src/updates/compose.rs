//! Keeping compose in agreement with a container bosun recreated. Compose decides whether a
//! container is current from labels it wrote: v2 from `com.docker.compose.image` (the image
//! id), v1 from `com.docker.compose.config-hash`, which hashes the image id in with the
//! service's configuration. The first is set here; the second only compose itself can compute,
//! so when its command line and the project's files are within reach it is asked
//! (`config --hash=SERVICE`, an argument list, never a shell). Otherwise the old hash stays, and
//! the next `docker-compose up -d` (v1) recreates the container once, on the same image.

use std::path::Path;
use std::time::Duration;

use tokio::process::Command;

use crate::docker::record::{CONFIG_FILES, Record, WORKING_DIR};

pub const IMAGE_LABEL: &str = "com.docker.compose.image";
pub const HASH_LABEL: &str = "com.docker.compose.config-hash";

/// The labels a replacement of `r` on image `image_id` gets over its own, and a note when
/// compose's hash could not be worked out.
pub async fn labels(
    r: &Record,
    project: &str,
    service: &str,
    image_id: &str,
) -> (Vec<(String, String)>, Option<String>) {
    let mut labels = Vec::new();
    if r.label(IMAGE_LABEL).is_some() {
        labels.push((IMAGE_LABEL.to_owned(), image_id.to_owned()));
    }
    if r.label(HASH_LABEL).is_none() {
        return (labels, None);
    }
    match config_hash(r, project, service).await {
        Ok(hash) => {
            labels.push((HASH_LABEL.to_owned(), hash));
            (labels, None)
        }
        Err(why) => (
            labels,
            Some(format!(
                "compose's config hash was kept as it was ({why}); the next `docker-compose up -d` recreates the containers once, on the same image"
            )),
        ),
    }
}

/// The compose CLI there is: v1's `docker-compose`, or v2's `docker compose`.
async fn cli() -> Option<Vec<&'static str>> {
    for argv in [vec!["docker-compose"], vec!["docker", "compose"]] {
        let mut cmd = Command::new(argv[0]);
        cmd.args(&argv[1..]).arg("version").kill_on_drop(true);
        let ok = tokio::time::timeout(Duration::from_secs(10), cmd.output())
            .await
            .ok()
            .and_then(Result::ok)
            .is_some_and(|o| o.status.success());
        if ok {
            return Some(argv);
        }
    }
    None
}

async fn config_hash(r: &Record, project: &str, service: &str) -> Result<String, String> {
    let dir = r
        .label(WORKING_DIR)
        .ok_or("the project's directory is not known")?;
    // Compose v1 writes the files as given (often relative to the project's directory).
    let files: Vec<String> = r
        .label(CONFIG_FILES)
        .map(|f| {
            f.split(',')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .map(|f| Path::new(dir).join(f).display().to_string())
                .collect()
        })
        .unwrap_or_default();
    if files.is_empty() || !files.iter().all(|f| Path::new(f).is_file()) {
        return Err("the project's compose files are not readable by bosun".into());
    }
    let argv = cli()
        .await
        .ok_or("there is no compose command line beside bosun")?;
    let mut cmd = Command::new(argv[0]);
    cmd.args(&argv[1..])
        .args(["--project-name", project, "--project-directory", dir]);
    for f in &files {
        cmd.args(["--file", f]);
    }
    cmd.arg("config")
        .arg(format!("--hash={service}"))
        .current_dir(dir)
        .kill_on_drop(true);
    let out = tokio::time::timeout(Duration::from_secs(30), cmd.output())
        .await
        .map_err(|_| "compose took more than 30 s to answer".to_owned())?
        .map_err(|e| format!("compose could not be run: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "compose said: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    parse_hash(&String::from_utf8_lossy(&out.stdout), service)
        .ok_or_else(|| "compose gave no hash for the service".to_owned())
}

/// `web 3f1c…` → `3f1c…`.
fn parse_hash(out: &str, service: &str) -> Option<String> {
    out.lines().find_map(|line| {
        let (name, hash) = line.trim().split_once(char::is_whitespace)?;
        let hash = hash.trim();
        (name == service && hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit()))
            .then(|| hash.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_read_for_the_service_asked() {
        let h = "a".repeat(64);
        let out = format!("db {}\nweb {h}\n", "b".repeat(64));
        assert_eq!(parse_hash(&out, "web"), Some(h));
        assert_eq!(parse_hash("web not-a-hash\n", "web"), None);
        assert_eq!(parse_hash("", "web"), None);
    }
}
