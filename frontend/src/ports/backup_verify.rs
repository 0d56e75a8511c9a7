//! Proving a backup by restoring it into a throwaway server, on demand.

use async_trait::async_trait;

use crate::authz::Operator;
use crate::error::AppError;
use crate::model::BackupDto;

#[async_trait]
pub trait BackupVerifyPort: Send + Sync {
    /// Starts a verification of a good backup in the background (after any running one);
    /// answers the backup with its verification `running`. 404 no such backup, 409 not good.
    async fn verify(&self, actor: &Operator, id: i64) -> Result<BackupDto, AppError>;
}
