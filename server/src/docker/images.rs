//! Images: what one is on this host (id, registry digests, build time), the registry's digest
//! for a reference (asked through the engine), pulling with progress, and tagging.

use std::collections::HashMap;

use bollard::auth::DockerCredentials;
use bollard::query_parameters::{CreateImageOptions, TagImageOptions};
use futures::StreamExt;

use super::Engine;
use super::client::engine_message;
use super::error::EngineError;

/// A registry login, from a Docker `config.json`. Never logged or shown.
#[derive(Clone, Default)]
pub struct Login {
    pub server: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub identity_token: Option<String>,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Login({}, credentials hidden)", self.server)
    }
}

fn credentials(login: Option<&Login>) -> Option<DockerCredentials> {
    login.map(|l| DockerCredentials {
        username: l.username.clone(),
        password: l.password.clone(),
        identitytoken: l.identity_token.clone(),
        serveraddress: Some(l.server.clone()),
        ..Default::default()
    })
}

/// An image on this host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalImage {
    pub id: String,
    /// `repository@sha256:…` for every registry it was pushed to or pulled from.
    pub repo_digests: Vec<String>,
    /// When it was built (RFC 3339), as the image says.
    pub created: Option<String>,
}

/// The image `name` (a reference or an id); None when this host has no such image.
pub async fn local(engine: &Engine, name: &str) -> Result<Option<LocalImage>, EngineError> {
    match engine.client()?.inspect_image(name).await {
        Ok(image) => Ok(Some(LocalImage {
            id: image.id.unwrap_or_default(),
            repo_digests: image.repo_digests.unwrap_or_default(),
            created: image.created,
        })),
        Err(e) => {
            let e = EngineError::from(e);
            if e.is_not_found() { Ok(None) } else { Err(e) }
        }
    }
}

/// The digest the registry serves for `reference` now (the engine asks it).
pub async fn remote_digest(
    engine: &Engine,
    reference: &str,
    login: Option<&Login>,
) -> Result<String, EngineError> {
    let found = engine
        .client()?
        .inspect_registry_image(reference, credentials(login))
        .await?;
    Ok(found.descriptor.digest.unwrap_or_default())
}

/// How a pull is going: what the engine said last about each layer.
#[derive(Default)]
pub struct PullState {
    layers: HashMap<String, Layer>,
}

#[derive(Default, Clone, Copy)]
struct Layer {
    current: u64,
    total: u64,
    done: bool,
}

impl PullState {
    fn take(&mut self, id: Option<&str>, status: &str, current: Option<i64>, total: Option<i64>) {
        let Some(id) = id.filter(|_| is_layer_status(status)) else {
            return;
        };
        let layer = self.layers.entry(id.to_owned()).or_default();
        let size = |v: Option<i64>| v.and_then(|v| u64::try_from(v).ok());
        match status {
            "Downloading" => {
                layer.current = size(current).unwrap_or(layer.current);
                layer.total = size(total).unwrap_or(layer.total);
            }
            "Download complete" | "Verifying Checksum" => layer.current = layer.total,
            "Pull complete" | "Already exists" => {
                layer.current = layer.total;
                layer.done = true;
            }
            _ => {}
        }
    }

    /// (layers, layers done, bytes, total bytes known so far)
    pub fn figures(&self) -> (u32, u32, u64, u64) {
        let layers = self.layers.len() as u32;
        let done = self.layers.values().filter(|l| l.done).count() as u32;
        let bytes = self.layers.values().map(|l| l.current).sum();
        let total = self.layers.values().map(|l| l.total).sum();
        (layers, done, bytes, total)
    }
}

fn is_layer_status(status: &str) -> bool {
    matches!(
        status,
        "Pulling fs layer"
            | "Waiting"
            | "Downloading"
            | "Verifying Checksum"
            | "Download complete"
            | "Extracting"
            | "Pull complete"
            | "Already exists"
    )
}

/// Pulls `reference`, calling `progress` after every message of the engine. The error is
/// the engine's (or the registry's) own words.
pub async fn pull(
    engine: &Engine,
    reference: &str,
    login: Option<&Login>,
    mut progress: impl FnMut(&PullState),
) -> Result<(), String> {
    let docker = engine.client().map_err(|e| e.to_string())?;
    let options = CreateImageOptions {
        from_image: Some(reference.to_owned()),
        ..Default::default()
    };
    let mut stream = docker.create_image(Some(options), None, credentials(login));
    let mut state = PullState::default();
    while let Some(item) = stream.next().await {
        let info = item.map_err(|e| engine_message(&e))?;
        let detail = info.progress_detail.unwrap_or_default();
        state.take(
            info.id.as_deref(),
            info.status.as_deref().unwrap_or_default(),
            detail.current,
            detail.total,
        );
        progress(&state);
    }
    Ok(())
}

/// Tags image `id` as `repository:tag` (moving the tag if it names another image).
pub async fn tag(
    engine: &Engine,
    id: &str,
    repository: &str,
    tag: &str,
) -> Result<(), EngineError> {
    let options = TagImageOptions {
        repo: Some(repository.to_owned()),
        tag: Some(tag.to_owned()),
    };
    Ok(engine.client()?.tag_image(id, Some(options)).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pull_counts_layers_and_bytes_as_they_come() {
        let mut s = PullState::default();
        s.take(Some("stable"), "Pulling from demo", None, None);
        s.take(Some("a"), "Pulling fs layer", None, None);
        s.take(Some("b"), "Already exists", None, None);
        s.take(Some("a"), "Downloading", Some(100), Some(400));
        assert_eq!(s.figures(), (2, 1, 100, 400));
        s.take(Some("a"), "Download complete", None, None);
        s.take(Some("a"), "Pull complete", None, None);
        assert_eq!(s.figures(), (2, 2, 400, 400));
        // The digest and status lines name no layer.
        s.take(None, "Digest: sha256:abc", None, None);
        assert_eq!(s.figures().0, 2);
    }

    #[test]
    fn a_login_never_shows_its_secret() {
        let login = Login {
            server: "registry.example".into(),
            username: Some("ann".into()),
            password: Some("hunter2".into()),
            identity_token: None,
        };
        assert!(!format!("{login:?}").contains("hunter2"));
    }
}
