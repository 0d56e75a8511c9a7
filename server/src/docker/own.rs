//! bosun's own container, when it runs in one of this engine's containers: its mounts say
//! where a directory bosun sees is on the host.

use std::path::Path;

use super::Engine;
use super::record::Mount;

/// The mounts of the container bosun runs in (found by its host name), or None when bosun
/// runs on the host, the engine is away, or the container is not this engine's.
pub async fn mounts(engine: &Engine) -> Option<Vec<Mount>> {
    if !Path::new("/.dockerenv").exists() {
        return None;
    }
    let me = hostname::get().ok()?.into_string().ok()?;
    let docker = engine.client().ok()?;
    let c = docker.inspect_container(&me, None).await.ok()?;
    Some(
        c.mounts
            .unwrap_or_default()
            .into_iter()
            .filter_map(|m| {
                Some(Mount {
                    source: m.source?,
                    destination: m.destination?,
                })
            })
            .collect(),
    )
}
