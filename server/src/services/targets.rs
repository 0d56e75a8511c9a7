//! The Logs page's picker: every project, service and container by name, from the inventory.

use std::sync::Arc;

use bosun_frontend::model::log_targets::{
    LogTargets, TargetContainer, TargetProject, TargetService,
};

use crate::docker::record::Record;

/// Grouped as the overview groups them (`view::group`); one-off (`compose run`) containers
/// are left out, as on the Services page by default.
pub fn targets(records: &[Arc<Record>]) -> LogTargets {
    let grouped = super::view::group(records, false);
    let projects = grouped
        .projects
        .into_iter()
        .map(|(name, services)| TargetProject {
            name: name.to_owned(),
            services: services
                .into_iter()
                .map(|(service, members)| TargetService {
                    name: service.to_owned(),
                    containers: members
                        .into_iter()
                        .map(|r| TargetContainer {
                            name: r.name.clone(),
                            number: r.number(),
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    let other = grouped.other.into_iter().map(|r| r.name.clone()).collect();
    LogTargets { projects, other }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(name: &str, labels: &[(&str, &str)]) -> Arc<Record> {
        Arc::new(Record::running(name, "busybox", labels, &[]))
    }

    #[test]
    fn grouped_by_project_and_service_with_replicas_in_order_and_no_one_offs() {
        let in_shop = |name: &str, service: &str, n: &str| {
            record(
                name,
                &[
                    ("com.docker.compose.project", "shop"),
                    ("com.docker.compose.service", service),
                    ("com.docker.compose.container-number", n),
                ],
            )
        };
        let records = vec![
            in_shop("shop-web-2", "web", "2"),
            in_shop("shop-db-1", "db", "1"),
            in_shop("shop-web-1", "web", "1"),
            record(
                "shop-web-run-1",
                &[
                    ("com.docker.compose.project", "shop"),
                    ("com.docker.compose.service", "web"),
                    ("com.docker.compose.oneoff", "True"),
                ],
            ),
            record("zeta", &[]),
            record("alpha", &[]),
        ];
        let t = targets(&records);
        assert_eq!(t.other, ["alpha", "zeta"]);
        assert_eq!(t.projects.len(), 1);
        let shop = &t.projects[0];
        let services: Vec<_> = shop.services.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(services, ["db", "web"]);
        let web: Vec<_> = shop.services[1]
            .containers
            .iter()
            .map(|c| (c.name.as_str(), c.number))
            .collect();
        assert_eq!(web, [("shop-web-1", Some(1)), ("shop-web-2", Some(2))]);
    }
}
