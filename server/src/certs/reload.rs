//! After new files are written: which services use them, making each load them, and then
//! checking that it really serves the new certificate ("renewed but never reloaded").

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bollard::Docker;
use bollard::query_parameters::{KillContainerOptions, RestartContainerOptions};
use bosun_frontend::model::{ReloadAction, ReloadResult, ReloadTarget};

use crate::busy::{Busy, Resource, Work};
use crate::docker::client::engine_message;
use crate::docker::exec::run_captured;
use crate::docker::record::Record;
use crate::stacks::actions::label;

pub const RELOAD_LABEL: &str = "bosun.cert.reload";
const OUTPUT_KEEP: usize = 2048;
const EXEC_TIMEOUT: Duration = Duration::from_secs(60);

/// A container to reload, and how.
#[derive(Clone, Debug)]
pub struct Dependent {
    pub record: Arc<Record>,
    pub action: ReloadAction,
}

/// Where `path` (as bosun sees it) is on the host. The same path when bosun runs on the host;
/// when it runs in a container, through that container's own mounts.
pub async fn host_path(docker: Option<&Docker>, path: &Path) -> PathBuf {
    let (Some(docker), Some(me)) = (
        docker,
        hostname::get().ok().and_then(|h| h.into_string().ok()),
    ) else {
        return path.to_owned();
    };
    if !Path::new("/.dockerenv").exists() {
        return path.to_owned();
    }
    let Ok(c) = docker.inspect_container(&me, None).await else {
        return path.to_owned();
    };
    let mounts = c.mounts.unwrap_or_default();
    super::targets::remap(
        path,
        mounts
            .iter()
            .filter_map(|m| Some((m.destination.as_deref()?, m.source.as_deref()?))),
    )
    .unwrap_or_else(|| path.to_owned())
}

/// The mount of `r` through which it sees files in `host_dir`, if any.
fn mounts_dir(r: &Record, host_dir: &Path) -> bool {
    r.mounts.iter().any(|m| {
        let src = Path::new(&m.source);
        host_dir.starts_with(src) || src.starts_with(host_dir)
    })
}

/// The running containers to reload: those named with the renewal (or before), and those
/// labelled `bosun.cert.reload` that mount the certificate's directory.
pub fn dependents(
    records: &[Arc<Record>],
    host_dir: &Path,
    explicit: &[ReloadTarget],
) -> (Vec<Dependent>, Vec<(String, String)>) {
    let mut out: Vec<Dependent> = Vec::new();
    let mut problems = Vec::new();
    for t in explicit {
        let members: Vec<&Arc<Record>> = records
            .iter()
            .filter(|r| r.is_running())
            .filter(|r| r.project() == Some(&t.project) && r.service() == Some(&t.service))
            .collect();
        if members.is_empty() {
            problems.push((
                format!("{}/{}", t.project, t.service),
                "has no running container to reload; start it, then renew again (or reload it by hand)".to_owned(),
            ));
        }
        out.extend(members.into_iter().map(|r| Dependent {
            record: r.clone(),
            action: t.action.clone(),
        }));
    }
    for r in records.iter().filter(|r| r.is_running()) {
        let Some(spec) = r.label(RELOAD_LABEL) else {
            continue;
        };
        if out.iter().any(|d| d.record.id == r.id) || !mounts_dir(r, host_dir) {
            continue;
        }
        match spec.parse::<ReloadAction>() {
            Ok(action) => out.push(Dependent {
                record: r.clone(),
                action,
            }),
            Err(e) => problems.push((label(r), format!("label {RELOAD_LABEL}: {e}"))),
        }
    }
    (out, problems)
}

/// Runs one reload; never fails, the result says how it went. The service is claimed for it
/// first (a restart like any restart; a signal or command as a reload, which may run beside a
/// dump), so a reload never lands in the middle of a restore or a scale of the same service.
pub async fn reload(docker: &Docker, busy: &Busy, d: &Dependent) -> ReloadResult {
    let id = &d.record.id;
    let resource = match (d.record.project(), d.record.service()) {
        (Some(p), Some(s)) => Resource::service(p, s),
        _ => Resource::Container(d.record.name.clone()),
    };
    let work = match d.action {
        ReloadAction::Restart => Work::Restart,
        ReloadAction::Exec(_) | ReloadAction::Signal(_) => Work::Reload,
    };
    let outcome: Result<String, String> = match busy.claim(resource, work, "certificate renewal") {
        Err(e) => Err(e.message),
        Ok(_claim) => act(docker, id, &d.action).await,
    };
    let (ok, output) = match outcome {
        Ok(o) => (true, o),
        Err(e) => (false, e),
    };
    ReloadResult {
        container: label(&d.record),
        how: d.action.to_string(),
        ok,
        output: output.chars().take(OUTPUT_KEEP).collect(),
        serving_new: None,
    }
}

async fn act(docker: &Docker, id: &str, action: &ReloadAction) -> Result<String, String> {
    match action {
        ReloadAction::Exec(argv) => {
            match run_captured(docker, id, argv, OUTPUT_KEEP, EXEC_TIMEOUT).await {
                Ok(c) if c.code == 0 => Ok(c.output),
                Ok(c) => Err(format!("exit code {}: {}", c.code, c.output)),
                Err(e) => Err(e),
            }
        }
        ReloadAction::Signal(sig) => docker
            .kill_container(
                id,
                Some(KillContainerOptions {
                    signal: format!("SIG{sig}"),
                }),
            )
            .await
            .map(|()| String::new())
            .map_err(|e| engine_message(&e)),
        ReloadAction::Restart => docker
            .restart_container(id, None::<RestartContainerOptions>)
            .await
            .map(|()| String::new())
            .map_err(|e| engine_message(&e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::record::Mount;

    fn rec(name: &str, service: &str, labels: &[(&str, &str)], mount: Option<&str>) -> Arc<Record> {
        let mut l = vec![
            ("com.docker.compose.project", "p"),
            ("com.docker.compose.service", service),
        ];
        l.extend_from_slice(labels);
        let mut r = Record::running(name, "img", &l, &[]);
        r.mounts = mount
            .map(|m| {
                vec![Mount {
                    source: m.into(),
                    destination: "/etc/certs".into(),
                }]
            })
            .unwrap_or_default();
        Arc::new(r)
    }

    #[test]
    fn dependents_by_label_and_mount_or_by_name() {
        let records = vec![
            rec(
                "p_nginx_1",
                "nginx",
                &[(RELOAD_LABEL, "exec:nginx -s reload")],
                Some("/srv/certs"),
            ),
            // Labelled, but mounts another directory.
            rec(
                "p_other_1",
                "other",
                &[(RELOAD_LABEL, "restart")],
                Some("/srv/else"),
            ),
            // Mounts the directory, but has no label.
            rec("p_db_1", "db", &[], Some("/srv/certs")),
            // A bad label is reported, not guessed at.
            rec("p_bad_1", "bad", &[(RELOAD_LABEL, "reboot")], Some("/srv")),
            rec("p_web_1", "web", &[], None),
        ];
        let explicit = vec![
            ReloadTarget {
                project: "p".into(),
                service: "web".into(),
                action: ReloadAction::Signal("HUP".into()),
            },
            ReloadTarget {
                project: "p".into(),
                service: "gone".into(),
                action: ReloadAction::Restart,
            },
        ];
        let (deps, problems) = dependents(&records, Path::new("/srv/certs"), &explicit);
        let names: Vec<(&str, String)> = deps
            .iter()
            .map(|d| (d.record.name.as_str(), d.action.to_string()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("p_web_1", "signal:HUP".to_owned()),
                ("p_nginx_1", "exec:nginx -s reload".to_owned())
            ]
        );
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(problems[0].0, "p/gone");
        assert!(problems[1].1.contains("reboot"), "{problems:?}");
    }
}
