//! A container's files through the engine's archive API: read a path as a tar stream
//! (`GET /containers/{id}/archive`), write a tar into a directory (`PUT …/archive`), and
//! empty a directory before a restore. All work on stopped containers too; none needs a
//! helper image. Emptying runs `find DIR -mindepth 1 -maxdepth 1 -exec rm -rf -- {} +` (an
//! argument list, no shell; busybox's find has no `-delete`) in a
//! short-lived container of the service's own image that shares its mounts.

use std::collections::HashMap;
use std::io;

use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{
    CreateContainerOptions, DownloadFromContainerOptions, StartContainerOptions,
    UploadToContainerOptions, WaitContainerOptions,
};
use bytes::Bytes;
use futures::{Stream, StreamExt, TryStreamExt};

use super::Engine;
use super::client::engine_message;
use super::containers::{self, Removal};
use super::throwaway::ROLE_LABEL;

/// The role label of an emptying container (found and removed at start if left behind).
pub const EMPTY_ROLE: &str = "backup-empty";

/// `path` of `container` as the engine's tar stream. A path that does not exist fails on
/// the first read, with the engine's message.
pub fn read(
    engine: &Engine,
    container: &str,
    path: &str,
) -> Result<impl Stream<Item = io::Result<Bytes>> + Send + Unpin + use<>, String> {
    let docker = engine.client().map_err(|e| e.message().to_owned())?;
    let shown = path.to_owned();
    Ok(docker
        .download_from_container(
            container,
            Some(DownloadFromContainerOptions {
                path: path.to_owned(),
            }),
        )
        .map_err(move |e| {
            io::Error::other(format!(
                "the engine could not read {shown}: {}",
                engine_message(&e)
            ))
        })
        .boxed())
}

/// Extracts the tar `body` into the directory `dir` of `container`. Owners, permissions and
/// times come from the tar (not the container's user).
pub async fn write(
    engine: &Engine,
    container: &str,
    dir: &str,
    body: impl Stream<Item = io::Result<Bytes>> + Send + 'static,
) -> Result<(), String> {
    let docker = engine.client().map_err(|e| e.message().to_owned())?;
    docker
        .upload_to_container(
            container,
            Some(UploadToContainerOptions {
                path: dir.to_owned(),
                ..Default::default()
            }),
            bollard::body_try_stream(body),
        )
        .await
        .map_err(|e| {
            format!(
                "the engine could not write into {dir}: {}",
                engine_message(&e)
            )
        })
}

/// Empties the directory `path` (keeping it) in `container`'s mounts: a container of
/// `image` with `container`'s volumes runs `find` as root, without network.
pub async fn empty(
    engine: &Engine,
    container: &str,
    image: &str,
    path: &str,
) -> Result<(), String> {
    let docker = engine.client().map_err(|e| e.message().to_owned())?;
    let name = format!("bosun-empty-{:08x}", rand::random::<u32>());
    let body = ContainerCreateBody {
        image: Some(image.to_owned()),
        entrypoint: Some(vec!["find".to_owned()]),
        cmd: Some(vec![
            path.to_owned(),
            "-mindepth".to_owned(),
            "1".to_owned(),
            "-maxdepth".to_owned(),
            "1".to_owned(),
            "-exec".to_owned(),
            "rm".to_owned(),
            "-rf".to_owned(),
            "--".to_owned(),
            "{}".to_owned(),
            "+".to_owned(),
        ]),
        user: Some("0:0".to_owned()),
        labels: Some(HashMap::from([(
            ROLE_LABEL.to_owned(),
            EMPTY_ROLE.to_owned(),
        )])),
        host_config: Some(HostConfig {
            network_mode: Some("none".to_owned()),
            volumes_from: Some(vec![container.to_owned()]),
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
        .map_err(|e| engine_message(&e))?;
    let ran = async {
        docker
            .start_container(&created.id, None::<StartContainerOptions>)
            .await
            .map_err(|e| engine_message(&e))?;
        let mut waits = docker.wait_container(
            &created.id,
            Some(WaitContainerOptions {
                condition: "not-running".into(),
            }),
        );
        match waits.next().await {
            Some(Ok(r)) if r.status_code == 0 => Ok(()),
            Some(Ok(r)) => Err(format!("find ended with code {}", r.status_code)),
            Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => {
                Err(format!("find ended with code {code}"))
            }
            Some(Err(e)) => Err(engine_message(&e)),
            None => Err("the engine said nothing about how find ended".to_owned()),
        }
    }
    .await;
    let out = if ran.is_err() {
        super::replace::last_lines(engine, &created.id, 5).await
    } else {
        String::new()
    };
    let _ = containers::remove(engine, &created.id, Removal::Discard).await;
    ran.map_err(|e| {
        if out.is_empty() {
            e
        } else {
            format!("{e}: {out}")
        }
    })
}

/// Emptying containers a stopped bosun left behind.
pub async fn remove_leftovers(engine: &Engine) -> Result<Vec<String>, String> {
    super::oneoff::remove_labelled(engine, ROLE_LABEL, EMPTY_ROLE).await
}
