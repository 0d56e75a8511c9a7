//! The ways a running container is made to load new files (certificate reloads): a signal, a
//! command run inside it, or a restart. Each answers with the engine's own words on failure.

use std::time::Duration;

use bollard::query_parameters::KillContainerOptions;

use super::Engine;
use super::client::engine_message;
use super::exec::{Captured, run_captured};

fn unreachable(engine: &Engine) -> Result<bollard::Docker, String> {
    engine.client().map_err(|e| e.to_string())
}

/// Sends `SIG<signal>` (e.g. `HUP`) to the container.
pub async fn signal(engine: &Engine, container: &str, signal: &str) -> Result<(), String> {
    unreachable(engine)?
        .kill_container(
            container,
            Some(KillContainerOptions {
                signal: format!("SIG{signal}"),
            }),
        )
        .await
        .map_err(|e| engine_message(&e))
}

/// Restarts the container (the engine's stop timeout, then a start).
pub async fn restart(engine: &Engine, container: &str) -> Result<(), String> {
    super::containers::restart(engine, container)
        .await
        .map_err(|e| e.to_string())
}

/// Runs `argv` (no shell) in the container; its exit code and the first `keep` bytes of output.
pub async fn run(
    engine: &Engine,
    container: &str,
    argv: &[String],
    keep: usize,
    timeout: Duration,
) -> Result<Captured, String> {
    run_captured(&unreachable(engine)?, container, argv, keep, timeout).await
}
