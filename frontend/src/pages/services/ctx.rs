//! What the Services page provides to its cards: permissions, live stats, the actions.

use std::collections::HashMap;

use leptos::prelude::*;

use crate::api::services::{ActOnContainer, ActOnService, ScaleService};
use crate::api::updates::{CheckUpdates, UpdateService, UpdateSwarmService};
use crate::model::{ContainerStats, TasksView};
use crate::pages::tasks::ctx::Opened;

/// A project's compose files: None while they are read.
pub type ComposeSlots =
    HashMap<String, Option<Result<crate::model::details::ComposeFiles, crate::error::AppError>>>;

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
}

/// Why the action buttons are greyed out, while they are.
pub const ENGINE_AWAY: &str =
    "The Docker engine is unreachable; actions come back when bosun has reconnected.";

/// The page's context, when a card is shown on the Services page.
pub fn ctx() -> Option<ServicesCtx> {
    use_context::<ServicesCtx>()
}
