//! The audit log for the Audit page (admin).

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{AuditEntry, AuditQuery};

#[cfg(feature = "ssr")]
use super::ctx;

#[server(prefix = "/sfn", endpoint = "admin/list_audit", input = server_fn::codec::Json)]
pub async fn list_audit(query: AuditQuery) -> Result<Vec<AuditEntry>, AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::AdminRole>()?;
        ctx::ports()?.audit.list(&actor, query).await
    })
    .await
}
