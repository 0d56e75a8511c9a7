//! The tasks on the host now: declared by labels on each compose service (read from its
//! lowest-numbered running container, else any of its containers; never a one-off), and
//! defined by admins in bosun. A label task hides a defined task of the same name.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use bosun_frontend::model::{ProjectName, ServiceName, TaskDto, TaskProblem, TaskSource};

use super::spec::{self, TaskSpec};
use crate::docker::record::Record;
use crate::store::defined_tasks::DefinedRow;

/// A usable task of a service.
#[derive(Clone, Debug)]
pub struct Found {
    pub project: ProjectName,
    pub service: ServiceName,
    pub spec: TaskSpec,
    pub source: TaskSource,
    /// A task of this name defined in bosun is hidden by this label task.
    pub hides_defined: bool,
}

impl Found {
    pub fn dto(&self) -> TaskDto {
        let s = &self.spec;
        TaskDto {
            project: self.project.to_string(),
            service: self.service.to_string(),
            name: s.name.to_string(),
            title: s.title.clone().unwrap_or_else(|| s.name.to_string()),
            description: s.description.clone(),
            mode: s.mode,
            role: s.role,
            params: s.param_dtos(),
            source: self.source,
            confirm: s.confirm,
            command: s.command.clone(),
            user: s.user.clone(),
            workdir: s.workdir.clone(),
            timeout_secs: s.timeout.as_secs(),
            hides_defined: self.hides_defined,
        }
    }
}

/// Everything declared, usable or not.
#[derive(Default)]
pub struct Catalog {
    pub tasks: Vec<Found>,
    pub problems: Vec<TaskProblem>,
    /// Defined tasks a label task of the same name hides.
    pub hidden: BTreeSet<i64>,
}

type Key = (ProjectName, ServiceName);

/// The compose services on the host, each with its containers: running first, then by
/// number (one-off containers left out).
pub fn services(records: &[Arc<Record>]) -> BTreeMap<Key, Vec<Arc<Record>>> {
    let mut by_service: BTreeMap<Key, Vec<Arc<Record>>> = BTreeMap::new();
    for r in records {
        let (Some(p), Some(s)) = (r.project(), r.service()) else {
            continue;
        };
        if r.oneoff() {
            continue;
        }
        let (Ok(p), Ok(s)) = (p.parse(), s.parse()) else {
            continue;
        };
        by_service.entry((p, s)).or_default().push(r.clone());
    }
    for list in by_service.values_mut() {
        list.sort_by_key(|r| (Reverse(r.is_running()), r.number(), Reverse(r.created)));
    }
    by_service
}

pub fn build(records: &[Arc<Record>], defined: &[DefinedRow]) -> Catalog {
    let mut catalog = Catalog::default();
    let services = services(records);
    let mut label_names: BTreeSet<(String, String, String)> = BTreeSet::new();
    for ((project, service), containers) in &services {
        let Some(first) = containers.first() else {
            continue;
        };
        for declared in spec::from_labels(&first.labels) {
            let name = match &declared {
                Ok(s) => s.name.to_string(),
                Err(u) => u.name.clone(),
            };
            label_names.insert((project.to_string(), service.to_string(), name));
            match declared {
                Ok(spec) => catalog.tasks.push(Found {
                    project: project.clone(),
                    service: service.clone(),
                    spec,
                    source: TaskSource::Label,
                    hides_defined: false,
                }),
                Err(u) => catalog.problems.push(TaskProblem {
                    project: project.to_string(),
                    service: service.to_string(),
                    name: u.name,
                    source: TaskSource::Label,
                    reason: u.reason,
                }),
            }
        }
    }
    for row in defined {
        let key = (row.project.clone(), row.service.clone(), row.name.clone());
        if label_names.contains(&key) {
            catalog.hidden.insert(row.id);
            for t in catalog.tasks.iter_mut().filter(|t| {
                t.project.as_str() == row.project
                    && t.service.as_str() == row.service
                    && t.spec.name.as_str() == row.name
            }) {
                t.hides_defined = true;
            }
            continue;
        }
        let (Ok(project), Ok(service)) = (
            row.project.parse::<ProjectName>(),
            row.service.parse::<ServiceName>(),
        ) else {
            continue;
        };
        if !services.contains_key(&(project.clone(), service.clone())) {
            continue;
        }
        match spec::parse(&row.name, &row.fields()) {
            Ok(spec) => catalog.tasks.push(Found {
                project,
                service,
                spec,
                source: TaskSource::Bosun,
                hides_defined: false,
            }),
            Err(reason) => catalog.problems.push(TaskProblem {
                project: row.project.clone(),
                service: row.service.clone(),
                name: row.name.clone(),
                source: TaskSource::Bosun,
                reason,
            }),
        }
    }
    catalog.tasks.sort_by(|a, b| {
        (&a.project, &a.service, &a.spec.name).cmp(&(&b.project, &b.service, &b.spec.name))
    });
    catalog
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(name: &str, service: &str, number: &str, extra: &[(&str, &str)]) -> Arc<Record> {
        let mut labels = vec![
            ("com.docker.compose.project", "shop"),
            ("com.docker.compose.service", service),
            ("com.docker.compose.container-number", number),
        ];
        labels.extend_from_slice(extra);
        Arc::new(Record::running(name, "busybox", &labels, &[]))
    }

    #[test]
    fn labels_declare_tasks_and_win_over_defined_ones_of_the_same_name() {
        let records = vec![
            container(
                "shop_web_2",
                "web",
                "2",
                &[("bosun.task.old.command", "echo old")],
            ),
            container(
                "shop_web_1",
                "web",
                "1",
                &[
                    ("bosun.task.migrate.command", "manage.py migrate"),
                    ("bosun.task.broken.command", "[oops"),
                ],
            ),
            container(
                "shop_web_run_ab",
                "web",
                "1",
                &[
                    ("com.docker.compose.oneoff", "True"),
                    ("bosun.task.x.command", "x"),
                ],
            ),
        ];
        let row = |id, name: &str, service: &str| DefinedRow {
            id,
            project: "shop".into(),
            service: service.into(),
            name: name.into(),
            fields: r#"{"command": "echo defined"}"#.into(),
            ..Default::default()
        };
        let defined = [
            row(1, "migrate", "web"),
            row(2, "vacuum", "web"),
            row(3, "vacuum", "gone"),
        ];
        let c = build(&records, &defined);
        let names: Vec<(String, TaskSource, bool)> = c
            .tasks
            .iter()
            .map(|t| (t.spec.name.to_string(), t.source, t.hides_defined))
            .collect();
        assert_eq!(
            names,
            [
                ("migrate".to_owned(), TaskSource::Label, true),
                ("vacuum".to_owned(), TaskSource::Bosun, false)
            ]
        );
        assert_eq!(c.hidden, BTreeSet::from([1]));
        assert_eq!(c.problems.len(), 1);
        assert_eq!(c.problems[0].name, "broken");
        assert!(c.problems[0].reason.contains("JSON"));
        // The service's containers, lowest number first; the one-off is not one of them.
        let all = services(&records);
        let web = &all[&("shop".parse().unwrap(), "web".parse().unwrap())];
        assert_eq!(
            web.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
            ["shop_web_1", "shop_web_2"]
        );
    }
}
