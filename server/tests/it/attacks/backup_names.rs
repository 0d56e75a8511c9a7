//! Names from labels make file names only once checked: a database container whose compose
//! project label climbs out of the backup directory is not offered for backup, and its label
//! schedule never writes anything, inside or outside the directory.

use std::time::Duration;

use bosun_frontend::model::{BackupDto, DatabaseDto};

use crate::api::json_get;
use crate::dbs::{PG_IMAGE, docker};
use crate::harness::TestServer;
use crate::stacks::unique;

/// Removes the container when the test ends, however it ends.
struct Container(String);

impl Drop for Container {
    fn drop(&mut self) {
        let _ = docker(&["rm", "-f", "-v", &self.0]);
    }
}

#[tokio::test]
async fn a_project_label_with_dot_dot_is_never_used_for_a_file_name() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let name = unique("itbadname");
    let project = format!("../{name}");
    let (ok, _, err) = docker(&[
        "run",
        "-d",
        "--name",
        &name,
        "--label",
        &format!("com.docker.compose.project={project}"),
        "--label",
        "com.docker.compose.service=db",
        "--label",
        "bosun.backup.schedule=* * * * * *",
        "-e",
        "POSTGRES_PASSWORD=not-a-secret-1",
        PG_IMAGE,
    ]);
    assert!(ok, "{err}");
    let _container = Container(name.clone());
    // bosun sees the container (its project shows on the Services page as it is named).
    let mut seen = false;
    for _ in 0..100 {
        let o: bosun_frontend::model::Overview = json_get(&admin, &s, "/api/v1/overview").await;
        if o.projects.iter().any(|p| p.name == project) {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen, "bosun never saw the container");
    // The schedule would have fired several times by now.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let dbs: Vec<DatabaseDto> = json_get(&admin, &s, "/api/v1/databases").await;
    assert!(
        dbs.iter().all(|d| d.project != project),
        "offered for backup: {dbs:?}"
    );
    let backups: Vec<BackupDto> = json_get(&admin, &s, "/api/v1/backups").await;
    assert!(backups.iter().all(|b| b.project != project), "{backups:?}");
    // Nothing was written beside the backup directory, nor in it.
    let written: Vec<String> = std::fs::read_dir(s.data.path())
        .unwrap()
        .chain(std::fs::read_dir(s.data.path().join("backups")).unwrap())
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(&name))
        .collect();
    assert!(written.is_empty(), "{written:?}");
}
