//! The stack's monitors for the Links page.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::LinkDto;

#[cfg(feature = "ssr")]
use super::ctx;

/// The stack's monitors, each just checked for reachability.
#[server(prefix = "/sfn", endpoint = "viewer/links")]
pub async fn links() -> Result<Vec<LinkDto>, AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::ViewerRole>()?;
        let host = crate::ports::browser_host(&ctx::parts()?);
        ctx::ports()?.links.links(&actor, &host).await
    })
    .await
}
