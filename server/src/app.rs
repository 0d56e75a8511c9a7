//! The application: one service per room, shared by the pages (as ports) and the REST API.

use std::sync::Arc;

use bosun_frontend::ports::Ports;

use crate::audit::AuditService;
use crate::auth::account::AccountService;
use crate::auth::tokens::TokenService;
use crate::backups::BackupService;
use crate::certs::CertService;
use crate::docker::Engine;
use crate::docker::history::History;
use crate::docker::stats::StatsHub;
use crate::links::LinksService;
use crate::logs::LogsService;
use crate::notify::Notifier;
use crate::services::Services;
use crate::settings::SettingsService;
use crate::swarm::SwarmService;
use crate::tasks::TasksService;
use crate::terminal::TerminalService;
use crate::updates::UpdatesService;
use crate::users::UserService;

#[derive(Clone)]
pub struct App {
    /// The work running on the host's resources, for every room.
    pub busy: crate::busy::Busy,
    pub account: AccountService,
    pub tokens: TokenService,
    pub users: UserService,
    pub audit: AuditService,
    pub engine: Engine,
    /// Compose projects, services and containers (the Services page).
    pub services: Services,
    pub links: LinksService,
    pub logs: LogsService,
    pub stats: StatsHub,
    /// The always-on CPU and memory history (`BOSUN_STATS_HISTORY`).
    pub stats_history: History,
    pub swarm: SwarmService,
    pub backups: BackupService,
    pub certs: CertService,
    pub settings: SettingsService,
    pub webhooks: Notifier,
    /// Runbook tasks and their runs.
    pub tasks: TasksService,
    /// Image updates: checks, runs, rollbacks.
    pub updates: UpdatesService,
    /// Terminals in containers (a WebSocket of the REST API).
    pub terminal: TerminalService,
}

impl App {
    /// The same services, as the ports the server functions call.
    pub fn ports(&self) -> Ports {
        Ports {
            account: Arc::new(self.account.clone()),
            tokens: Arc::new(self.tokens.clone()),
            users: Arc::new(self.users.clone()),
            audit: Arc::new(self.audit.clone()),
            engine: Arc::new(self.engine.clone()),
            services: Arc::new(self.services.clone()),
            links: Arc::new(self.links.clone()),
            logs: Arc::new(self.logs.clone()),
            swarm: Arc::new(self.swarm.clone()),
            backups: Arc::new(self.backups.clone()),
            certs: Arc::new(self.certs.clone()),
            settings: Arc::new(self.settings.clone()),
            webhooks: Arc::new(self.webhooks.clone()),
            tasks: Arc::new(self.tasks.clone()),
            updates: Arc::new(self.updates.clone()),
            terminal: Arc::new(self.terminal.clone()),
            backup_verify: Arc::new(self.backups.clone()),
            backup_sets: Arc::new(self.backups.clone()),
            stats: Arc::new(self.stats_history.clone()),
        }
    }
}
