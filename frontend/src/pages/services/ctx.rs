//! What the Services page provides to its cards: permissions, live stats, the actions.

use std::collections::{HashMap, HashSet};

use leptos::prelude::*;

use crate::api::services::{ActOnContainer, ActOnService, ScaleService};
use crate::api::updates::{CheckUpdates, UpdateService, UpdateSwarmService};
use crate::model::{ContainerStats, TasksView};
use crate::pages::tasks::ctx::Opened;

/// A project's compose files: None while they are read.
pub type ComposeSlots =
    HashMap<String, Option<Result<crate::model::details::ComposeFiles, crate::error::AppError>>>;

/// One service's history chart: the range shown and what was read (None while reading).
#[derive(Clone, Debug)]
pub struct HistorySlot {
    pub range: &'static str,
    pub read: Option<Result<crate::model::StatsHistory, crate::error::AppError>>,
}

/// What every card needs from the page.
#[derive(Clone, Copy)]
pub struct ServicesCtx {
    pub can_act: bool,
    pub stats: RwSignal<HashMap<String, ContainerStats>>,
    pub service_act: ServerAction<ActOnService>,
    pub container_act: ServerAction<ActOnContainer>,
    pub scale_act: ServerAction<ScaleService>,
    /// The most replicas a service may have (from the server's settings).
    pub max_replicas: RwSignal<u32>,
    /// The target whose stop (or scale plan) waits for confirmation.
    pub confirming: RwSignal<Option<String>>,
    /// bosun's own connection to the engine: while it is down, no action is offered.
    pub engine_up: RwSignal<bool>,
    /// The runbook tasks the user may run (operators and admins), shown on their services.
    pub tasks: RwSignal<TasksView>,
    /// The task (or run) open in the task dialog.
    pub task_dialog: RwSignal<Opened>,
    /// Updating or rolling back a service; checking every registry now.
    pub update_act: ServerAction<UpdateService>,
    pub swarm_update_act: ServerAction<UpdateSwarmService>,
    pub check_act: ServerAction<CheckUpdates>,
    /// The projects whose compose files are open on their cards, with what was read.
    pub compose: RwSignal<ComposeSlots>,
    /// The services (`project/service`) whose rows are open to their containers.
    pub expanded: RwSignal<HashSet<String>>,
    /// The service whose actions menu is open.
    pub menu: RwSignal<Option<String>>,
    /// The service whose scale control is open.
    pub scaling: RwSignal<Option<String>>,
    /// The projects the user folded or opened (remembered in this browser).
    pub folds: RwSignal<super::fold::Folds>,
    /// More rows than the page should draw at once: projects start folded.
    pub crowded: RwSignal<bool>,
    /// What the filter box holds (and the URL's `q`).
    pub filter: RwSignal<String>,
    /// The history charts of opened rows, by `project/service`.
    pub history: RwSignal<HashMap<String, HistorySlot>>,
    /// Now, in seconds since the epoch: ticks in the browser, for uptimes.
    pub now: RwSignal<i64>,
}

/// Why the action buttons are greyed out, while they are.
pub const ENGINE_AWAY: &str =
    "The Docker engine is unreachable; actions come back when bosun has reconnected.";

/// The page's context, when a card is shown on the Services page.
pub fn ctx() -> Option<ServicesCtx> {
    use_context::<ServicesCtx>()
}
