//! Stack sets: every database dump and file backup of a project, taken and restored as one.

use async_trait::async_trait;

use crate::authz::{Admin, Operator, Viewer};
use crate::error::AppError;
use crate::model::{
    BackupSetDto, NewSetSchedule, SetRestoreReport, SetRestoreRequest, SetScheduleDto,
};

#[async_trait]
pub trait BackupSetsPort: Send + Sync {
    /// Starts a set of `project` in the background: its databases, then its files. 404 when
    /// the project has nothing bosun backs up; 409 when a part cannot run now.
    async fn start_set(&self, actor: &Operator, project: &str) -> Result<BackupSetDto, AppError>;
    async fn get_set(&self, actor: &Viewer, id: i64) -> Result<BackupSetDto, AppError>;
    /// Restores a good set (databases, then files), each part with its safety backup;
    /// stops at the first part that fails and says which were restored.
    async fn restore_set(
        &self,
        actor: &Admin,
        id: i64,
        request: SetRestoreRequest,
    ) -> Result<SetRestoreReport, AppError>;
    /// Deletes a set that is not running, with every part's files.
    async fn delete_set(&self, actor: &Admin, id: i64) -> Result<(), AppError>;
    async fn set_schedules(&self, actor: &Viewer) -> Result<Vec<SetScheduleDto>, AppError>;
    /// Creates or replaces a project's set schedule.
    async fn put_set_schedule(
        &self,
        actor: &Admin,
        project: &str,
        schedule: NewSetSchedule,
    ) -> Result<SetScheduleDto, AppError>;
    async fn delete_set_schedule(&self, actor: &Admin, project: &str) -> Result<(), AppError>;
}
