//! Compose projects, services and containers: the overview and the lifecycle actions.
//! Every action takes an operator, one busy guard per service, and leaves an audit record.

pub mod actions;
pub mod compose_file;
pub mod details;
pub mod revision;
pub mod scale;
pub mod targets;
pub mod view;

use std::sync::Arc;

use async_trait::async_trait;
use bosun_frontend::authz::{Operator, Viewer};
use bosun_frontend::error::AppError;
use bosun_frontend::model::{
    ActionReport, ContainerAction, ContainerRef, LinkCheck, Overview, ProjectDto, ProjectName,
    ScaleReport, ScaleRequest, ServiceDto, ServiceName,
};
use bosun_frontend::ports::{ServicesPort, ViewOptions};
use time::OffsetDateTime;

use crate::audit::AuditService;
use crate::busy::{Busy, Resource, Work};
use crate::docker::Engine;
use crate::docker::record::Record;
use crate::links::check::Checker;

#[derive(Clone)]
pub struct Services {
    engine: Engine,
    busy: Busy,
    audit: AuditService,
    checker: Checker,
    max_replicas: u32,
    /// What the updates room found for each service, shown on its card.
    updates: crate::updates::Board,
}

struct PageExtras<'a>(&'a Services);

impl view::Extras for PageExtras<'_> {
    fn busy(&self, project: &str, service: &str) -> Option<crate::busy::Running> {
        // Any room's work shows on the service: a backup or restore of its database too.
        self.0
            .busy
            .on(&Resource::service(project, service))
            .into_iter()
            .next()
    }
    fn check(&self, url: &str) -> Option<LinkCheck> {
        self.0.checker.cached(url)
    }
    fn check_host(&self) -> &str {
        self.0.checker.host()
    }
    fn max_replicas(&self) -> u32 {
        self.0.max_replicas
    }
    fn update(&self, project: &str, service: &str) -> Option<bosun_frontend::model::ServiceUpdate> {
        self.0.updates.get(project, service)
    }
}

/// The kind of work a lifecycle action is, for the busy registry.
fn work_of(action: ContainerAction) -> Work {
    match action {
        ContainerAction::Start => Work::Start,
        ContainerAction::Stop => Work::Stop,
        ContainerAction::Restart => Work::Restart,
    }
}

/// The audit target of a service.
pub fn service_key(project: &str, service: &str) -> String {
    format!("{project}/{service}")
}

impl Services {
    pub fn new(
        engine: Engine,
        busy: Busy,
        audit: AuditService,
        checker: Checker,
        max_replicas: u32,
        updates: crate::updates::Board,
    ) -> Self {
        Services {
            engine,
            busy,
            audit,
            checker,
            max_replicas,
            updates,
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Built from memory: no engine round trip.
    pub fn snapshot(&self, view: &ViewOptions) -> Overview {
        let inventory = self.engine.inventory();
        view::overview(
            &inventory.records(),
            inventory.state(),
            view,
            &PageExtras(self),
            OffsetDateTime::now_utc(),
        )
    }

    /// The overview now, then again after every change: container events, work starting,
    /// moving on or ending in any room, the engine lost or back; and every half minute, so
    /// "Up 5 minutes" stays true. Bursts settle into one frame; identical frames are skipped.
    pub fn follow(
        &self,
        view: ViewOptions,
    ) -> impl futures::Stream<Item = Overview> + Send + use<> {
        let this = self.clone();
        crate::live::snapshots(
            vec![self.engine.inventory().watch(), self.busy.watch()],
            || std::time::Duration::from_secs(30),
            move || {
                let overview = this.snapshot(&view);
                async move { Ok::<_, std::convert::Infallible>(overview) }
            },
        )
    }

    pub fn project(
        &self,
        _actor: &Viewer,
        view: &ViewOptions,
        name: &ProjectName,
    ) -> Result<ProjectDto, AppError> {
        let overview = self.snapshot(view);
        let names: Vec<String> = overview.projects.iter().map(|p| p.name.clone()).collect();
        overview
            .projects
            .into_iter()
            .find(|p| p.name == name.as_str())
            .ok_or_else(|| {
                AppError::not_found(format!(
                    "There is no compose project “{name}” on this host. Projects: {}.",
                    if names.is_empty() {
                        "none".to_owned()
                    } else {
                        names.join(", ")
                    }
                ))
            })
    }

    pub fn service(
        &self,
        actor: &Viewer,
        view: &ViewOptions,
        project: &ProjectName,
        service: &ServiceName,
    ) -> Result<ServiceDto, AppError> {
        let p = self.project(actor, view, project)?;
        let names: Vec<String> = p.services.iter().map(|s| s.name.clone()).collect();
        p.services
            .into_iter()
            .find(|s| s.name == service.as_str())
            .ok_or_else(|| {
                AppError::not_found(format!(
                    "Project “{project}” has no service “{service}”. Its services: {}.",
                    names.join(", ")
                ))
            })
    }

    /// The service's containers (one-offs excluded), newest records from the inventory.
    fn members(
        &self,
        project: &ProjectName,
        service: &ServiceName,
    ) -> Result<Vec<Arc<Record>>, AppError> {
        let records = self.engine.inventory().records();
        if !records
            .iter()
            .any(|r| r.project() == Some(project.as_str()))
        {
            return Err(AppError::not_found(format!(
                "There is no compose project “{project}” on this host. Open Services to see the projects there are."
            )));
        }
        let mut members: Vec<_> = records
            .into_iter()
            .filter(|r| {
                r.project() == Some(project.as_str())
                    && r.service() == Some(service.as_str())
                    && !r.oneoff()
            })
            .collect();
        if members.is_empty() {
            return Err(AppError::not_found(format!(
                "Project “{project}” has no service “{service}” with containers. Open Services to see its services."
            )));
        }
        members.sort_by_key(|r| r.number());
        Ok(members)
    }
}

#[async_trait]
impl ServicesPort for Services {
    async fn overview(&self, _actor: &Viewer, view: &ViewOptions) -> Result<Overview, AppError> {
        let mut overview = self.snapshot(view);
        // What its events stream would send for the same picture (see `revision`).
        overview.revision = revision::Revision::of_value(&overview)
            .map(revision::Revision::into_string)
            .unwrap_or_default();
        Ok(overview)
    }

    fn log_targets(&self, _actor: &Viewer) -> bosun_frontend::model::log_targets::LogTargets {
        targets::targets(&self.engine.inventory().records())
    }

    async fn service_action(
        &self,
        actor: &Operator,
        project: &ProjectName,
        service: &ServiceName,
        action: ContainerAction,
    ) -> Result<ActionReport, AppError> {
        let target = service_key(project.as_str(), service.as_str());
        let result = async {
            let members = self.members(project, service)?;
            let _claim = self.busy.claim(
                Resource::service(project.as_str(), service.as_str()),
                work_of(action),
                actor.username(),
            )?;
            actions::run(&self.engine, &target, &members, action).await
        }
        .await;
        self.audit
            .outcome(actor.into(), &format!("service.{action}"), &target, &result)
            .await;
        result
    }

    async fn scale(
        &self,
        actor: &Operator,
        project: &ProjectName,
        service: &ServiceName,
        request: ScaleRequest,
    ) -> Result<ScaleReport, AppError> {
        let target = service_key(project.as_str(), service.as_str());
        let replicas = request.replicas;
        let result = async {
            if replicas > self.max_replicas {
                return Err(AppError::bad_request(
                    "replicas",
                    format!(
                        "Choose between 0 and {} replicas (the configured maximum, --max-replicas).",
                        self.max_replicas
                    ),
                ));
            }
            // 404 with the names there are, from the inventory.
            self.members(project, service)?;
            self.engine.ready()?;
            let guard = self.busy.claim(
                Resource::service(project.as_str(), service.as_str()),
                Work::Scale,
                actor.username(),
            )?;
            guard.step(&format!("scaling to {replicas}"), None);
            let checked = scale::check(
                &self.engine,
                project,
                service,
                replicas,
                request.allow_database,
            )
            .await?;
            scale::run(
                &self.engine,
                &guard,
                project,
                service,
                replicas,
                checked,
            )
            .await
        }
        .await;
        let (outcome, detail) = match &result {
            Ok(r) => (
                bosun_frontend::model::AuditOutcome::Ok,
                format!("to {replicas}: {}", r.plan),
            ),
            Err(e) => (
                bosun_frontend::model::AuditOutcome::Failed,
                e.message.clone(),
            ),
        };
        self.audit
            .record(
                actor.into(),
                "service.scale",
                &target,
                outcome,
                Some(detail),
            )
            .await;
        result
    }

    async fn details(
        &self,
        actor: &Viewer,
        container: &ContainerRef,
    ) -> Result<bosun_frontend::model::details::ContainerDetails, AppError> {
        self.read_details(actor, container).await
    }

    async fn compose(
        &self,
        actor: &Viewer,
        project: &ProjectName,
    ) -> Result<bosun_frontend::model::details::ComposeFiles, AppError> {
        self.compose_files(actor, project).await
    }

    async fn reveal(
        &self,
        actor: &bosun_frontend::authz::Admin,
        container: &ContainerRef,
        name: &str,
    ) -> Result<String, AppError> {
        self.reveal_variable(actor, container, name).await
    }

    async fn container_action(
        &self,
        actor: &Operator,
        container: &ContainerRef,
        action: ContainerAction,
    ) -> Result<ActionReport, AppError> {
        let found = self.engine.inventory().find(container.as_str());
        let target = found
            .as_ref()
            .map_or_else(|| container.to_string(), |r| actions::label(r));
        let result = async {
            let record = found.ok_or_else(|| {
                AppError::not_found(format!(
                    "There is no container “{container}” on this host. Open Services to see the containers there are."
                ))
            })?;
            // A container of a service is claimed as its service.
            let resource = match (record.project(), record.service()) {
                (Some(p), Some(s)) => Resource::service(p, s),
                _ => Resource::Container(record.name.clone()),
            };
            let _claim = self.busy.claim(resource, work_of(action), actor.username())?;
            actions::run(&self.engine, &target, &[record], action).await
        }
        .await;
        self.audit
            .outcome(
                actor.into(),
                &format!("container.{action}"),
                &target,
                &result,
            )
            .await;
        result
    }
}
