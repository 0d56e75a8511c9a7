//! What the Backups page provides to its parts: permissions, the actions, the live view.

use leptos::prelude::*;

use crate::api::backup_sets::{DeleteBackupSet, RestoreBackupSet, SetSetSchedule, StartBackupSet};
use crate::api::backups::{DeleteBackup, DeleteSchedule, RestoreBackup, SetSchedule, StartBackup};
use crate::model::BackupsView;

/// What the Backups page's parts share.
#[derive(Clone, Copy)]
pub struct BackupsCtx {
    pub operator: bool,
    pub admin: bool,
    pub start: ServerAction<StartBackup>,
    pub delete: ServerAction<DeleteBackup>,
    pub restore: ServerAction<RestoreBackup>,
    pub set_schedule: ServerAction<SetSchedule>,
    pub delete_schedule: ServerAction<DeleteSchedule>,
    pub start_set: ServerAction<StartBackupSet>,
    pub restore_set: ServerAction<RestoreBackupSet>,
    pub delete_set: ServerAction<DeleteBackupSet>,
    pub set_set_schedule: ServerAction<SetSetSchedule>,
    /// The set whose restore form is open.
    pub restoring_set: RwSignal<Option<i64>>,
    /// The backup whose restore form is open.
    pub restoring: RwSignal<Option<i64>>,
    pub data: RwSignal<BackupsView>,
}
