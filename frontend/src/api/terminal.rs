//! The terminal page: whether the caller may open a terminal (the terminal itself is a
//! WebSocket of the REST API).

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::terminal::TerminalAccess;

#[cfg(feature = "ssr")]
use super::ctx;

/// Whether the caller may open terminals on this bosun, and why not.
#[server(prefix = "/sfn", endpoint = "viewer/terminal_access")]
pub async fn load_terminal_access() -> Result<TerminalAccess, AppError> {
    ctx::run(async move {
        let actor = ctx::actor::<crate::authz::ViewerRole>()?;
        Ok(ctx::ports()?.terminal.access(&actor))
    })
    .await
}
