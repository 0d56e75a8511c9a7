//! Throwaway database servers, for proving a backup by restoring it: started from the very
//! image the database ran, with no network (`none`: loopback only), no published port, its
//! data on an anonymous volume, a memory limit, and labels that mark it bosun's so that one
//! left behind by a killed bosun is found and removed at the next start.

use std::collections::HashMap;

use bollard::models::{ContainerCreateBody, HostConfig, Mount, MountType};
use bollard::query_parameters::{CreateContainerOptions, StartContainerOptions};

use super::Engine;
use super::client::engine_message;
use super::containers::{self, Removal};

/// The label every throwaway server carries (with [`ROLE`] as its value).
pub const ROLE_LABEL: &str = "bosun.role";
pub const ROLE: &str = "backup-verify";
/// Its own random token, recorded in the catalogue: only this bosun's are ever removed.
pub const TOKEN_LABEL: &str = "bosun.verify.token";

/// What to start.
pub struct Spec<'a> {
    /// The image id (`sha256:…`) the database ran.
    pub image: &'a str,
    /// `NAME=value`; holds the throwaway's random password (never logged).
    pub env: Vec<String>,
    /// The image's data directory, put on an anonymous volume removed with the container.
    pub data_dir: &'a str,
    pub memory_bytes: i64,
    /// Which backup it proves (a label, for people reading `docker ps`).
    pub backup_id: i64,
    pub token: &'a str,
    /// `project-service` of the database (checked names), in the container's name.
    pub of: &'a str,
}

/// A throwaway server that exists.
pub struct Throwaway {
    engine: Engine,
    pub id: String,
    pub name: String,
}

pub async fn start(engine: &Engine, spec: Spec<'_>) -> Result<Throwaway, String> {
    let docker = engine.client().map_err(|e| e.message().to_owned())?;
    let name = format!(
        "bosun-verify-{}-{}-{:08x}",
        spec.of,
        spec.backup_id,
        rand::random::<u32>()
    );
    let labels = HashMap::from([
        (ROLE_LABEL.to_owned(), ROLE.to_owned()),
        ("bosun.backup.id".to_owned(), spec.backup_id.to_string()),
        (TOKEN_LABEL.to_owned(), spec.token.to_owned()),
    ]);
    let body = ContainerCreateBody {
        image: Some(spec.image.to_owned()),
        env: Some(spec.env),
        labels: Some(labels),
        host_config: Some(HostConfig {
            network_mode: Some("none".to_owned()),
            memory: Some(spec.memory_bytes),
            memory_swap: Some(spec.memory_bytes),
            mounts: Some(vec![Mount {
                target: Some(spec.data_dir.to_owned()),
                typ: Some(MountType::VOLUME),
                ..Default::default()
            }]),
            publish_all_ports: Some(false),
            auto_remove: Some(false),
            ..Default::default()
        }),
        ..Default::default()
    };
    let created = docker
        .create_container(
            Some(CreateContainerOptions {
                name: Some(name.clone()),
                ..Default::default()
            }),
            body,
        )
        .await
        .map_err(|e| {
            format!(
                "the throwaway database could not be created: {}",
                engine_message(&e)
            )
        })?;
    let throwaway = Throwaway {
        engine: engine.clone(),
        id: created.id,
        name,
    };
    if let Err(e) = docker
        .start_container(&throwaway.id, None::<StartContainerOptions>)
        .await
    {
        let _ = throwaway.remove().await;
        return Err(format!(
            "the throwaway database did not start: {}",
            engine_message(&e)
        ));
    }
    Ok(throwaway)
}

impl Throwaway {
    /// Whether it still runs (a server that failed to initialise exits).
    pub async fn running(&self) -> bool {
        containers::inspect(&self.engine, &self.id)
            .await
            .is_ok_and(|r| r.state == bosun_frontend::model::ContainerState::Running)
    }

    /// Its last lines of output, for a reason when it did not come up.
    pub async fn last_lines(&self, n: u32) -> String {
        super::replace::last_lines(&self.engine, &self.id, n).await
    }

    /// Removes it, running or not, with its data volume.
    pub async fn remove(&self) -> Result<(), String> {
        match containers::remove(&self.engine, &self.id, Removal::Discard).await {
            Ok(()) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e.message().to_owned()),
        }
    }
}

/// Removes the throwaway server made under `token` (left by a bosun that was killed).
pub async fn remove_leftover(engine: &Engine, token: &str) -> Result<Vec<String>, String> {
    super::oneoff::remove_labelled(engine, TOKEN_LABEL, token).await
}
