//! Links to the stack's monitors, with a reachability check each.

pub mod check;
pub mod detect;

use std::collections::BTreeMap;

use async_trait::async_trait;
use bosun_frontend::authz::Viewer;
use bosun_frontend::error::AppError;
use bosun_frontend::model::LinkDto;
use bosun_frontend::ports::LinksPort;

use self::check::Checker;
use crate::docker::Engine;
use crate::docker::record::Record;

#[derive(Clone)]
pub struct LinksService {
    engine: Engine,
    checker: Checker,
}

impl LinksService {
    pub fn new(engine: Engine, checker: Checker) -> Self {
        LinksService { engine, checker }
    }

    /// Every link on the host, without checks.
    fn detect(&self, host: &str) -> Vec<LinkDto> {
        let records = self.engine.inventory().records();
        let mut services: BTreeMap<(&str, &str), Vec<&Record>> = BTreeMap::new();
        for r in records.iter().filter(|r| !r.oneoff()) {
            if let (Some(p), Some(s)) = (r.project(), r.service()) {
                services.entry((p, s)).or_default().push(r);
            }
        }
        services
            .into_iter()
            .flat_map(|((p, s), members)| detect::service_links(p, s, &members, host))
            .collect()
    }
}

#[async_trait]
impl LinksPort for LinksService {
    async fn links(&self, _actor: &Viewer, host: &str) -> Result<Vec<LinkDto>, AppError> {
        // Shown with the host the browser used; checked on bosun's own check host. Both lists
        // come from the same records in the same order, so they pair up one to one.
        let links = self.detect(host);
        let probed = self.detect(self.checker.host());
        let checks =
            futures::future::join_all(probed.iter().map(|l| self.checker.check(&l.url))).await;
        Ok(links
            .into_iter()
            .zip(checks)
            .map(|(mut l, c)| {
                l.check = Some(c);
                l
            })
            .collect())
    }
}
