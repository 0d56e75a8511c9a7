//! Compose projects for tests, started with the compose CLI (never through bosun), each
//! under its own project name, and removed again when dropped.

use std::path::PathBuf;
use std::process::Command;

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../end2end/stacks/demo");

/// A fresh name: lowercase, so compose v1 and v2 agree on it.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}{:08x}", rand::random::<u32>())
}

/// `docker-compose` (v1, Debian) or `docker compose` (v2), whichever answers.
pub fn compose() -> Vec<String> {
    let v1 = Command::new("docker-compose").arg("version").output();
    if v1.is_ok_and(|o| o.status.success()) {
        vec!["docker-compose".into()]
    } else {
        vec!["docker".into(), "compose".into()]
    }
}

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("run command");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The demo stack (db, web, worker), brought up and healthy.
pub struct Demo {
    pub project: String,
}

impl Demo {
    pub async fn up(prefix: &str) -> Self {
        let project = unique(prefix);
        let p = project.clone();
        tokio::task::spawn_blocking(move || {
            run(Command::new(format!("{DEMO}/up.sh")).arg(&p));
        })
        .await
        .expect("up.sh");
        Demo { project }
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = Command::new(format!("{DEMO}/down.sh"))
            .arg(&self.project)
            .output();
    }
}

/// A small project from a compose file written by the test.
pub struct Project {
    pub name: String,
    dir: PathBuf,
    _tmp: tempfile::TempDir,
}

impl Project {
    pub async fn up(name: &str, compose_yaml: &str) -> Self {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().to_owned();
        std::fs::write(dir.join("docker-compose.yaml"), compose_yaml).expect("write compose file");
        let p = Project {
            name: name.to_owned(),
            dir,
            _tmp: tmp,
        };
        p.compose(&["up", "-d"]).await;
        p
    }

    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    pub async fn compose(&self, args: &[&str]) {
        let mut cmd = compose();
        cmd.extend(["-p".to_owned(), self.name.clone()]);
        cmd.extend(args.iter().map(|a| (*a).to_owned()));
        let dir = self.dir.clone();
        tokio::task::spawn_blocking(move || {
            run(Command::new(&cmd[0]).args(&cmd[1..]).current_dir(&dir));
        })
        .await
        .expect("compose");
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let mut cmd = compose();
        cmd.extend(
            [
                "-p",
                &self.name,
                "down",
                "-v",
                "--remove-orphans",
                "-t",
                "1",
            ]
            .iter()
            .map(|a| (*a).to_owned()),
        );
        let _ = Command::new(&cmd[0])
            .args(&cmd[1..])
            .current_dir(&self.dir)
            .output();
    }
}

/// An external network several projects join; removed when dropped.
pub struct Network(pub String);

impl Network {
    pub fn create(prefix: &str) -> Self {
        let name = unique(prefix);
        run(Command::new("docker").args(["network", "create", &name]));
        Network(name)
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["network", "rm", &self.0])
            .output();
    }
}
