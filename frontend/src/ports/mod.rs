//! The ports the server functions call. The server crate implements them on its services
//! and provides them through Leptos context; the REST API calls the same services.

mod account;
mod backup_sets;
mod backup_verify;
mod stats;
mod terminal;

use std::sync::Arc;

use async_trait::async_trait;

use crate::authz::{Admin, Operator, RequestInfo, Viewer};
use crate::error::AppError;
use crate::model::{
    ActionReport, AuditEntry, AuditQuery, BackupDto, BackupQuery, BackupRequest, BackupStarted,
    BackupsView, CertDto, CertId, CertificatesView, ContainerAction, ContainerRef, CreatedToken,
    DatabaseDto, EngineStatus, LinkDto, NewSchedule, NewToken, NewUser, Overview, ProjectName,
    RawLogQuery, RenewReport, RenewRequest, RestoreReport, RestoreRequest, ScaleReport,
    ScaleRequest, ScheduleDto, ScheduleKey, SecuritySettings, ServiceName, SwarmDto,
    SwarmScaleReport, SwarmScaleRequest, SwarmServiceRef, TokenDto, UploadRequest, UserDto,
    UserPatch,
};
use crate::model::{
    CancelReport, DefinedTaskDto, NewDefinedTask, OutputChunk, RunRequest, RunStarted, TaskDto,
    TaskName, TaskRunDto, TasksView,
};
use crate::model::{ImageUpdateDto, UpdateRunDto, UpdateStarted};
use crate::model::{NewWebhook, TestReport, WebhookDto, WebhooksView};
pub use account::AccountPort;
pub use backup_sets::BackupSetsPort;
pub use backup_verify::BackupVerifyPort;
pub use stats::StatsPort;
pub use terminal::TerminalPort;

#[async_trait]
pub trait TokensPort: Send + Sync {
    async fn list(&self, actor: &Viewer) -> Result<Vec<TokenDto>, AppError>;
    async fn create(&self, actor: &Viewer, input: NewToken) -> Result<CreatedToken, AppError>;
    async fn revoke(&self, actor: &Viewer, id: i64) -> Result<(), AppError>;
}

#[async_trait]
pub trait UsersPort: Send + Sync {
    async fn list(&self, actor: &Admin) -> Result<Vec<UserDto>, AppError>;
    async fn get(&self, actor: &Admin, id: i64) -> Result<UserDto, AppError>;
    async fn create(&self, actor: &Admin, input: NewUser) -> Result<UserDto, AppError>;
    async fn update(&self, actor: &Admin, id: i64, patch: UserPatch) -> Result<UserDto, AppError>;
    async fn delete(&self, actor: &Admin, id: i64) -> Result<(), AppError>;
    /// Turns a user's two-factor sign-in off (a lost phone); they enrol again.
    async fn reset_totp(&self, actor: &Admin, id: i64) -> Result<UserDto, AppError>;
}

/// Notifications: webhook targets and their deliveries (admin).
#[async_trait]
pub trait WebhooksPort: Send + Sync {
    async fn view(&self, actor: &Admin) -> Result<WebhooksView, AppError>;
    async fn create(&self, actor: &Admin, webhook: NewWebhook) -> Result<WebhookDto, AppError>;
    async fn delete(&self, actor: &Admin, id: i64) -> Result<(), AppError>;
    /// Sends a test notification now, once, and says how it went.
    async fn test(&self, actor: &Admin, id: i64) -> Result<TestReport, AppError>;
}

/// Settings that admins keep in bosun (stored in SQLite).
#[async_trait]
pub trait SettingsPort: Send + Sync {
    async fn security(&self, actor: &Admin) -> Result<SecuritySettings, AppError>;
    async fn set_security(
        &self,
        actor: &Admin,
        settings: SecuritySettings,
    ) -> Result<SecuritySettings, AppError>;
}

#[async_trait]
pub trait AuditPort: Send + Sync {
    async fn list(&self, actor: &Admin, query: AuditQuery) -> Result<Vec<AuditEntry>, AppError>;
}

#[async_trait]
pub trait EnginePort: Send + Sync {
    async fn status(&self, actor: &Viewer) -> Result<EngineStatus, AppError>;
}

/// How to present the inventory to this request.
#[derive(Clone, Debug)]
pub struct ViewOptions {
    /// The host the browser used, for port links and `{host}` in link labels.
    pub host: String,
    /// Include `compose run` (one-off) containers.
    pub include_oneoff: bool,
}

/// Compose projects, services and containers, and their lifecycle.
#[async_trait]
pub trait ServicesPort: Send + Sync {
    async fn overview(&self, actor: &Viewer, view: &ViewOptions) -> Result<Overview, AppError>;
    /// Every project, service and container by name (one-off containers left out): the
    /// Logs page's picker.
    fn log_targets(&self, actor: &Viewer) -> crate::model::log_targets::LogTargets;
    /// Runs `action` on every container of the service. 409 while another action on the
    /// same service runs.
    async fn service_action(
        &self,
        actor: &Operator,
        project: &ProjectName,
        service: &ServiceName,
        action: ContainerAction,
    ) -> Result<ActionReport, AppError>;
    async fn container_action(
        &self,
        actor: &Operator,
        container: &ContainerRef,
        action: ContainerAction,
    ) -> Result<ActionReport, AppError>;
    /// One container in full; secret-looking variables without their values.
    async fn details(
        &self,
        actor: &Viewer,
        container: &ContainerRef,
    ) -> Result<crate::model::details::ContainerDetails, AppError>;
    /// A project's compose files, read-only, secret-looking values hidden.
    async fn compose(
        &self,
        actor: &Viewer,
        project: &ProjectName,
    ) -> Result<crate::model::details::ComposeFiles, AppError>;
    /// The value of one hidden variable, for an admin; audited (never the value itself).
    async fn reveal(
        &self,
        actor: &Admin,
        container: &ContainerRef,
        name: &str,
    ) -> Result<String, AppError>;
    /// Sets the number of the service's containers (see `ScalePlan`). 400 out of range,
    /// 409 busy, fixed host port or a database without the override.
    async fn scale(
        &self,
        actor: &Operator,
        project: &ProjectName,
        service: &ServiceName,
        request: ScaleRequest,
    ) -> Result<ScaleReport, AppError>;
}

/// Swarm services, when the engine is a manager.
#[async_trait]
pub trait SwarmPort: Send + Sync {
    async fn overview(&self, actor: &Viewer) -> Result<SwarmDto, AppError>;
    /// Sets a replicated service's replicas and waits (up to 60 s) for the tasks to run.
    async fn scale(
        &self,
        actor: &Operator,
        service: &SwarmServiceRef,
        request: SwarmScaleRequest,
    ) -> Result<SwarmScaleReport, AppError>;
}

/// Links to the stack's monitors, each checked for reachability.
#[async_trait]
pub trait LinksPort: Send + Sync {
    async fn links(&self, actor: &Viewer, host: &str) -> Result<Vec<LinkDto>, AppError>;
}

/// Logs; the lines themselves stream over REST (`…/logs?follow=true`).
#[async_trait]
pub trait LogsPort: Send + Sync {
    /// Checks a query (every parameter and the filter) before the page opens its stream,
    /// so a bad regex is a clear message rather than a failed stream.
    async fn check(&self, actor: &Viewer, query: RawLogQuery) -> Result<(), AppError>;
}

/// Database backups: take, list, restore, schedule. Downloads stream over REST only.
#[async_trait]
pub trait BackupsPort: Send + Sync {
    /// The databases with their last backups, running jobs and schedules, plus recent backups.
    async fn view(&self, actor: &Viewer) -> Result<BackupsView, AppError>;
    async fn databases(&self, actor: &Viewer) -> Result<Vec<DatabaseDto>, AppError>;
    async fn list(&self, actor: &Viewer, query: BackupQuery) -> Result<Vec<BackupDto>, AppError>;
    async fn get(&self, actor: &Viewer, id: i64) -> Result<BackupDto, AppError>;
    /// Starts a backup in the background; 409 while another job runs on that database.
    async fn start(
        &self,
        actor: &Operator,
        request: BackupRequest,
    ) -> Result<BackupStarted, AppError>;
    async fn delete(&self, actor: &Admin, id: i64) -> Result<(), AppError>;
    /// Takes a safety backup, then restores `id` into its database; waits for the outcome.
    async fn restore(
        &self,
        actor: &Admin,
        id: i64,
        request: RestoreRequest,
    ) -> Result<RestoreReport, AppError>;
    async fn schedules(&self, actor: &Viewer) -> Result<Vec<ScheduleDto>, AppError>;
    async fn set_schedule(
        &self,
        actor: &Admin,
        schedule: NewSchedule,
    ) -> Result<ScheduleDto, AppError>;
    async fn delete_schedule(&self, actor: &Admin, key: ScheduleKey) -> Result<(), AppError>;
}

/// Certificates: the inventory, renewals and uploads.
#[async_trait]
pub trait CertsPort: Send + Sync {
    /// Every certificate (sorted by urgency), running renewals, the CA and the settings.
    async fn view(&self, actor: &Viewer) -> Result<CertificatesView, AppError>;
    async fn get(&self, actor: &Viewer, id: &CertId) -> Result<CertDto, AppError>;
    /// Gets a new certificate, puts it in place (bosun's own: swapped without a restart;
    /// files: written atomically, then the services using them reloaded); waits for the outcome.
    async fn renew(
        &self,
        actor: &Admin,
        id: &CertId,
        request: RenewRequest,
    ) -> Result<RenewReport, AppError>;
    /// Puts an uploaded certificate and key in place, after checking them.
    async fn upload(&self, actor: &Admin, request: UploadRequest) -> Result<RenewReport, AppError>;
}

/// Runbook tasks: named maintenance commands, run with live output, never through a shell.
/// The live output streams over REST (`/api/v1/task-runs/{id}/events`).
#[async_trait]
pub trait TasksPort: Send + Sync {
    /// The tasks the caller's role may run, the declarations that cannot be used, the
    /// latest runs.
    async fn view(&self, actor: &Operator) -> Result<TasksView, AppError>;
    /// The tasks the caller's role may run.
    async fn list(&self, actor: &Operator) -> Result<Vec<TaskDto>, AppError>;
    /// Starts a run in the background: 400 bad parameters or no confirmation, 403 an admin
    /// task, 404 no such task, 409 while it (or stop, scale, restore, backup of its service)
    /// runs.
    async fn run(
        &self,
        actor: &Operator,
        project: &ProjectName,
        service: &ServiceName,
        name: &TaskName,
        request: RunRequest,
    ) -> Result<RunStarted, AppError>;
    /// One task's runs, newest first.
    async fn runs(
        &self,
        actor: &Operator,
        project: &ProjectName,
        service: &ServiceName,
        name: &TaskName,
    ) -> Result<Vec<TaskRunDto>, AppError>;
    async fn get(&self, actor: &Operator, id: i64) -> Result<TaskRunDto, AppError>;
    /// The kept output, in order.
    async fn output(&self, actor: &Operator, id: i64) -> Result<Vec<OutputChunk>, AppError>;
    /// Stops a running run (a one-off container is stopped and removed, an exec's process
    /// signalled) and says what happened.
    async fn cancel(&self, actor: &Operator, id: i64) -> Result<CancelReport, AppError>;
    async fn defined(&self, actor: &Admin) -> Result<Vec<DefinedTaskDto>, AppError>;
    /// Adds (or replaces) a task defined in bosun; 400 when its fields cannot be used.
    async fn define(&self, actor: &Admin, task: NewDefinedTask)
    -> Result<DefinedTaskDto, AppError>;
    async fn undefine(&self, actor: &Admin, id: i64) -> Result<(), AppError>;
}

/// Image updates: checking registries for newer builds, updating a service behind a health
/// gate (rolled back by itself when the gate fails), rolling back by hand, and the history.
#[async_trait]
pub trait UpdatesPort: Send + Sync {
    /// Every compose service's image as the last check saw it.
    async fn list(&self, actor: &Viewer) -> Result<Vec<ImageUpdateDto>, AppError>;
    /// Asks the registries now (every service not left out), and answers what they said.
    async fn check(&self, actor: &Operator) -> Result<Vec<ImageUpdateDto>, AppError>;
    /// Starts an update in the background: 404 no such service, 409 while other work runs on
    /// it or when its image cannot be updated (a local build, pinned, left out).
    async fn update(
        &self,
        actor: &Operator,
        project: &ProjectName,
        service: &ServiceName,
    ) -> Result<UpdateStarted, AppError>;
    /// Starts a rollback to the image the service ran before its last update: 409 when there
    /// is none, or while other work runs on it.
    async fn rollback(
        &self,
        actor: &Operator,
        project: &ProjectName,
        service: &ServiceName,
    ) -> Result<UpdateStarted, AppError>;
    /// Starts an update (or rollback) of a Swarm service: Swarm replaces its tasks and rolls
    /// back by itself when one fails.
    async fn update_swarm(
        &self,
        actor: &Operator,
        service: &crate::model::SwarmServiceRef,
        kind: crate::model::UpdateKind,
    ) -> Result<UpdateStarted, AppError>;
    async fn run(&self, actor: &Viewer, id: i64) -> Result<UpdateRunDto, AppError>;
    /// A service's runs, newest first (a Swarm service's with an empty project).
    async fn history(
        &self,
        actor: &Viewer,
        project: &ProjectName,
        service: &ServiceName,
    ) -> Result<Vec<UpdateRunDto>, AppError>;
}

/// Everything the server functions need, provided as one context value.
#[derive(Clone)]
pub struct Ports {
    pub account: Arc<dyn AccountPort>,
    pub tokens: Arc<dyn TokensPort>,
    pub users: Arc<dyn UsersPort>,
    pub audit: Arc<dyn AuditPort>,
    pub engine: Arc<dyn EnginePort>,
    pub services: Arc<dyn ServicesPort>,
    pub links: Arc<dyn LinksPort>,
    pub logs: Arc<dyn LogsPort>,
    pub swarm: Arc<dyn SwarmPort>,
    pub backups: Arc<dyn BackupsPort>,
    pub certs: Arc<dyn CertsPort>,
    pub settings: Arc<dyn SettingsPort>,
    pub webhooks: Arc<dyn WebhooksPort>,
    pub tasks: Arc<dyn TasksPort>,
    pub updates: Arc<dyn UpdatesPort>,
    pub terminal: Arc<dyn TerminalPort>,
    pub backup_verify: Arc<dyn BackupVerifyPort>,
    pub backup_sets: Arc<dyn BackupSetsPort>,
    pub stats: Arc<dyn StatsPort>,
}

/// Lets server functions read the request facts the middleware attached.
pub fn request_info(parts: &http::request::Parts) -> Option<&RequestInfo> {
    parts.extensions.get::<RequestInfo>()
}

/// The host name the browser used (`Host` header or HTTP/2 authority), without the port;
/// IPv6 addresses keep their brackets. Anything odd becomes `localhost`.
pub fn browser_host(parts: &http::request::Parts) -> String {
    let authority = parts
        .headers
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
        .unwrap_or_default();
    host_of(&authority)
}

fn host_of(authority: &str) -> String {
    let host = if authority.starts_with('[') {
        authority
            .find(']')
            .map(|end| &authority[..=end])
            .unwrap_or_default()
    } else {
        authority.split(':').next().unwrap_or_default()
    };
    let valid = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if valid {
        host.to_ascii_lowercase()
    } else {
        "localhost".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::host_of;

    #[test]
    fn host_drops_the_port_and_keeps_ipv6_brackets() {
        assert_eq!(host_of("nas.lan:8443"), "nas.lan");
        assert_eq!(host_of("192.168.1.5"), "192.168.1.5");
        assert_eq!(host_of("[fe80::1]:8443"), "[fe80::1]");
        assert_eq!(host_of("evil\"><script>:1"), "localhost");
        assert_eq!(host_of(""), "localhost");
    }
}
