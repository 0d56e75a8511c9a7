//! File backups: a service's volumes and bind mounts, read through the engine's archive API
//! into one compressed (and, when set, encrypted) tar beside the database dumps, in the same
//! catalogue, verified by reading the tar back, and restored into the mounts with the
//! service stopped. Which paths: the label `bosun.backup.paths`, else every volume and bind
//! mount that is not a database's data, a socket or a device.

mod check;
mod held;
mod put;
mod set_schedule;
mod sets;
mod sets_port;
mod take;
pub mod tree;

use std::collections::BTreeMap;
use std::sync::Arc;

use bosun_frontend::error::AppError;
use bosun_frontend::model::{BackupContent, BackupStatus, FileSourceDto, ProjectName, ServiceName};

use super::BackupService;
use super::settings::BACKUP_LABEL;
use crate::docker::record::Record;
use crate::error::OrInternal;

pub const PATHS_LABEL: &str = "bosun.backup.paths";
pub const STOP_LABEL: &str = "bosun.backup.stop";
pub const BEFORE_LABEL: &str = "bosun.backup.before";
pub const AFTER_LABEL: &str = "bosun.backup.after";

/// A service whose files can be backed up, as the inventory shows it now.
#[derive(Clone, Debug)]
pub struct FileSource {
    pub project: ProjectName,
    pub service: ServiceName,
    /// The container the files are read from (and written back into).
    pub record: Arc<Record>,
    /// The service's running containers: stopped for the copy when `stop` is set.
    pub running: Vec<String>,
    /// Absolute paths inside the container, checked; or why the label's are unusable.
    pub paths: Result<Vec<String>, String>,
    pub stop: bool,
    /// Runbook tasks of the service run before and after the copy.
    pub before: Option<String>,
    pub after: Option<String>,
}

/// The engine's tar stream as a blocking reader, for the tar code in the blocking pool (call
/// it there: it blocks on the runtime for each chunk).
fn blocking_reader(
    stream: impl futures::Stream<Item = std::io::Result<bytes::Bytes>> + Unpin,
) -> impl std::io::Read {
    tokio_util::io::SyncIoBridge::new(tokio_util::io::StreamReader::new(stream))
}

/// Where a database keeps its data: never copied as files (the dump is its backup).
const DATA_DIRS: &[&str] = &[
    "/var/lib/postgresql",
    "/var/lib/pgsql",
    "/var/lib/mysql",
    "/var/lib/mariadb",
    "/bitnami",
];

/// Sockets, devices and the kernel's files are not data.
fn special(path: &str) -> bool {
    path.ends_with(".sock")
        || path.ends_with(".socket")
        || ["/dev", "/proc", "/sys", "/run", "/var/run"]
            .iter()
            .any(|p| path == *p || path.starts_with(&format!("{p}/")))
}

fn under(path: &str, dir: &str) -> bool {
    path == dir || path.starts_with(&format!("{dir}/"))
}

/// `/srv/media/` → `/srv/media`; refuses what is not a plain absolute path.
pub fn checked_path(raw: &str) -> Result<String, String> {
    let p = raw.trim();
    let trimmed = p.trim_end_matches('/');
    let ok = p.starts_with('/')
        && !trimmed.is_empty()
        && !p.chars().any(char::is_control)
        && trimmed
            .split('/')
            .skip(1)
            .all(|c| !c.is_empty() && c != "." && c != "..");
    if ok {
        Ok(trimmed.to_owned())
    } else {
        Err(format!(
            "“{}” is not an absolute path without . or .. parts",
            p.chars().take(80).collect::<String>()
        ))
    }
}

/// The paths of `record` a file backup takes.
pub fn paths_of(record: &Record) -> Result<Vec<String>, String> {
    if let Some(label) = record.label(PATHS_LABEL) {
        let mut out = Vec::new();
        for raw in label.split(',').filter(|s| !s.trim().is_empty()) {
            let p = checked_path(raw).map_err(|e| format!("the label {PATHS_LABEL}: {e}"))?;
            if !out.contains(&p) {
                out.push(p);
            }
        }
        return Ok(out);
    }
    Ok(record
        .mounts
        .iter()
        .filter(|m| !special(&m.destination) && !special(&m.source))
        .filter(|m| {
            record.database.is_none() || !DATA_DIRS.iter().any(|d| under(&m.destination, d))
        })
        .filter_map(|m| checked_path(&m.destination).ok())
        .collect())
}

impl BackupService {
    /// Every compose service with files to back up, by project and service.
    pub fn file_sources(&self) -> Vec<FileSource> {
        let mut by_service: BTreeMap<(ProjectName, ServiceName), Vec<Arc<Record>>> =
            BTreeMap::new();
        // bosun's own container: its data directory holds the backups, which are not copied
        // into themselves.
        let own = self.inner.own_container.as_deref();
        for r in self.inner.engine.inventory().records() {
            if own.is_some_and(|h| r.id.starts_with(h)) {
                continue;
            }
            let (Some(p), Some(s)) = (r.project(), r.service()) else {
                continue;
            };
            if r.oneoff() {
                continue;
            }
            if let (Ok(project), Ok(service)) = (p.parse(), s.parse()) {
                by_service.entry((project, service)).or_default().push(r);
            }
        }
        by_service
            .into_iter()
            .filter_map(|((project, service), records)| {
                let record = records
                    .iter()
                    .max_by_key(|r| (r.is_running(), std::cmp::Reverse(r.number())))?
                    .clone();
                let off = record
                    .label(BACKUP_LABEL)
                    .is_some_and(|v| v.trim().eq_ignore_ascii_case("false"));
                let paths = paths_of(&record);
                if off || paths.as_ref().is_ok_and(Vec::is_empty) {
                    return None;
                }
                let task = |key: &str| {
                    record
                        .label(key)
                        .map(|v| v.trim().to_owned())
                        .filter(|v| !v.is_empty())
                };
                Some(FileSource {
                    before: task(BEFORE_LABEL),
                    after: task(AFTER_LABEL),
                    stop: record
                        .label(STOP_LABEL)
                        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true")),
                    running: records
                        .iter()
                        .filter(|r| r.is_running())
                        .map(|r| r.id.clone())
                        .collect(),
                    project,
                    service,
                    record,
                    paths,
                })
            })
            .collect()
    }

    pub fn find_files(&self, project: &str, service: &str) -> Result<FileSource, AppError> {
        self.file_sources()
            .into_iter()
            .find(|f| f.project.as_str() == project && f.service.as_str() == service)
            .ok_or_else(|| {
                AppError::not_found(format!(
                    "{project}/{service} has no files bosun backs up: no volume or bind mount besides database data, sockets and devices. Name paths with the label {PATHS_LABEL}."
                ))
            })
    }

    /// The Backups page's file sources, with their last backups and running jobs.
    pub async fn file_sources_now(&self) -> Result<Vec<FileSourceDto>, AppError> {
        let away = !self.inner.engine.inventory().state().connected;
        let mut out = Vec::new();
        for f in self.file_sources() {
            let (p, s) = (f.project.as_str(), f.service.as_str());
            let latest = |status| {
                self.inner
                    .store
                    .latest_of(p, s, BackupContent::Files, status)
            };
            let last_good = latest(BackupStatus::Ok)
                .await
                .or_internal("reading the backup catalogue")?;
            let last_failed = latest(BackupStatus::Failed)
                .await
                .or_internal("reading the backup catalogue")?
                .filter(|f| last_good.as_ref().is_none_or(|g| f.id > g.id));
            let problem = if away {
                Some("The Docker engine is unreachable, so bosun cannot read the files now. It reconnects by itself; back up once the engine is back.".to_owned())
            } else {
                f.paths
                    .as_ref()
                    .err()
                    .map(|e| format!("{e}. Fix the label, then back up."))
            };
            out.push(FileSourceDto {
                project: p.to_owned(),
                service: s.to_owned(),
                container: f.record.name.clone(),
                paths: f.paths.clone().unwrap_or_default(),
                stop: f.stop,
                before: f.before.clone(),
                after: f.after.clone(),
                problem,
                last_good: last_good.map(|r| r.dto()),
                last_failed: last_failed.map(|r| r.dto()),
                job: self.job(p, s),
            });
        }
        Ok(out)
    }
}

/// The start of bosun's own container id when it runs in one (its host name), read once.
pub fn own_container() -> Option<String> {
    std::path::Path::new("/.dockerenv")
        .exists()
        .then(|| hostname::get().ok()?.into_string().ok())
        .flatten()
        .filter(|h| h.len() >= 12)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::record::Mount;

    fn with_mounts(mounts: &[(&str, &str)], labels: &[(&str, &str)]) -> Record {
        let mut r = Record::running("app", "app:1", labels, &[]);
        r.mounts = mounts
            .iter()
            .map(|(s, d)| Mount {
                source: (*s).to_owned(),
                destination: (*d).to_owned(),
            })
            .collect();
        r
    }

    #[test]
    fn by_default_every_mount_but_sockets_devices_and_database_data() {
        let r = with_mounts(
            &[
                ("/var/lib/docker/volumes/media/_data", "/srv/media"),
                ("/home/ann/conf", "/etc/app/"),
                ("/var/run/docker.sock", "/var/run/docker.sock"),
                ("/dev/fuse", "/dev/fuse"),
                (
                    "/var/lib/docker/volumes/pg/_data",
                    "/var/lib/postgresql/data",
                ),
            ],
            &[],
        );
        assert_eq!(
            paths_of(&r).unwrap(),
            ["/srv/media", "/etc/app", "/var/lib/postgresql/data"]
        );
        let mut db = r.clone();
        db.database = Some(bosun_frontend::model::DbEngine::Postgres);
        assert_eq!(paths_of(&db).unwrap(), ["/srv/media", "/etc/app"]);
    }

    #[test]
    fn the_label_names_the_paths_and_refuses_relative_or_dotted_ones() {
        let r = with_mounts(
            &[("/x", "/srv/media")],
            &[(PATHS_LABEL, "/srv/media/, /etc/app")],
        );
        assert_eq!(paths_of(&r).unwrap(), ["/srv/media", "/etc/app"]);
        for bad in ["srv", "/srv/../etc", "/", "/a/./b", "/a\u{1}b"] {
            let r = with_mounts(&[], &[(PATHS_LABEL, bad)]);
            assert!(paths_of(&r).is_err(), "{bad:?}");
        }
    }
}
