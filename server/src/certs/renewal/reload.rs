//! Step 5, reload: which services use the new files (named with the renewal, or labelled
//! `bosun.cert.reload` and mounting the directory), and making each load them, audited one by
//! one. Only `Reloaded` services are verified.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bosun_frontend::model::{AuditOutcome, ReloadAction, ReloadResult, ReloadTarget};

use super::place::Placed;
use super::resolve::Place;
use crate::audit::Owner;
use crate::busy::{Busy, Claim, Resource, Work};
use crate::certs::CertService;
use crate::docker::Engine;
use crate::docker::record::Record;
use crate::services::actions::label;

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
async fn host_path(engine: &Engine, path: &Path) -> PathBuf {
    let Some(mounts) = crate::docker::own::mounts(engine).await else {
        return path.to_owned();
    };
    crate::certs::inventory::targets::remap(
        path,
        mounts
            .iter()
            .map(|m| (m.destination.as_str(), m.source.as_str())),
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
pub async fn reload_one(engine: &Engine, busy: &Busy, d: &Dependent) -> ReloadResult {
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
        Ok(_claim) => act(engine, id, &d.action).await,
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

async fn act(engine: &Engine, id: &str, action: &ReloadAction) -> Result<String, String> {
    use crate::docker::reload;
    match action {
        ReloadAction::Exec(argv) => {
            match reload::run(engine, id, argv, OUTPUT_KEEP, EXEC_TIMEOUT).await {
                Ok(c) if c.code == 0 => Ok(c.output),
                Ok(c) => Err(format!("exit code {}: {}", c.code, c.output)),
                Err(e) => Err(e),
            }
        }
        ReloadAction::Signal(sig) => reload::signal(engine, id, sig)
            .await
            .map(|()| String::new()),
        ReloadAction::Restart => reload::restart(engine, id).await.map(|()| String::new()),
    }
}

/// The services reloaded after a new certificate was placed, each with how it went.
pub struct Reloaded {
    placed: Placed,
    /// Each result, with the container to verify when its reload went well.
    results: Vec<(Option<String>, ReloadResult)>,
}

impl Reloaded {
    pub(super) fn into_parts(self) -> (Placed, Vec<(Option<String>, ReloadResult)>) {
        (self.placed, self.results)
    }
}

impl CertService {
    /// Reloads the services that use the placed files (none for bosun's own, which is live).
    pub(super) async fn reload(&self, placed: Placed, job: &Claim, owner: &Owner) -> Reloaded {
        let results = match placed.planned().resolved().place() {
            Place::Own => Vec::new(),
            Place::File { cert, .. } => {
                let dir = cert.parent().unwrap_or(Path::new("/"));
                self.reload_dependents(dir, placed.planned().reload(), job, owner)
                    .await
            }
        };
        Reloaded { placed, results }
    }

    async fn reload_dependents(
        &self,
        dir: &Path,
        explicit: &[ReloadTarget],
        job: &Claim,
        owner: &Owner,
    ) -> Vec<(Option<String>, ReloadResult)> {
        let engine = &self.inner.engine;
        let host_dir = host_path(engine, dir).await;
        let (deps, problems) = dependents(&engine.inventory().records(), &host_dir, explicit);
        let mut results: Vec<(Option<String>, ReloadResult)> = problems
            .into_iter()
            .map(|(subject, problem)| {
                let result = ReloadResult {
                    container: subject,
                    how: String::new(),
                    ok: false,
                    output: problem,
                    serving_new: None,
                };
                (None, result)
            })
            .collect();
        if deps.is_empty() {
            return results;
        }
        if !engine.status().connected {
            let result = ReloadResult {
                container: "Docker engine".into(),
                how: String::new(),
                ok: false,
                output: "The Docker engine is unreachable, so no service was reloaded. Reload them by hand, or renew again once the engine is back.".into(),
                serving_new: None,
            };
            results.push((None, result));
            return results;
        }
        for d in &deps {
            job.step(
                &format!("reloading {} ({})", label(&d.record), d.action),
                None,
            );
            let result = reload_one(engine, &self.inner.busy, d).await;
            let outcome = if result.ok {
                AuditOutcome::Ok
            } else {
                AuditOutcome::Failed
            };
            let detail = format!(
                "{}{}",
                result.how,
                if result.output.is_empty() {
                    String::new()
                } else {
                    format!(": {}", result.output.chars().take(300).collect::<String>())
                }
            );
            self.inner
                .audit
                .record(
                    owner.who(),
                    "certificate.reload",
                    &result.container,
                    outcome,
                    Some(detail),
                )
                .await;
            let verify = result.ok.then(|| d.record.id.clone());
            results.push((verify, result));
        }
        results
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
