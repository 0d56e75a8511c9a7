//! The browser terminal: a shell (or a command) in a running container, over a WebSocket,
//! with an engine exec and a TTY behind it.
//!
//! - Who: the role `BOSUN_TERMINAL` names (admins by default, or nobody). The REST handler
//!   proves at least an operator; [`TerminalService::authorize`] turns that into a
//!   [`TerminalUser`] only under the setting, and only a `TerminalUser` can open one.
//! - Bound to its user: a terminal lives exactly as long as the WebSocket that opened it.
//!   There is no id to re-attach with: the exec's id never leaves bosun.
//! - Ends: closed by the browser, the shell exits, the container stops, 15 min without a
//!   keystroke, 4 h after opening, or the sign-in stops standing (signed out, disabled,
//!   demoted, token revoked). Every process it started is then ended in the container.
//! - Audited: opened and closed, with the container, the times and the bytes both ways.

pub mod request;
mod session;
pub mod transcript;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bosun_frontend::authz::{Operator, Principal, Viewer};
use bosun_frontend::error::{AppError, ErrorKind};
use bosun_frontend::model::terminal::{TerminalAccess, TerminalPolicy};
use bosun_frontend::ports::TerminalPort;

use crate::audit::{AuditService, Owner};
use crate::docker::Engine;

pub use session::Connection;
use transcript::Transcripts;

/// The terminal's settings (from `BOSUN_TERMINAL*`).
#[derive(Clone, Debug)]
pub struct Settings {
    pub policy: TerminalPolicy,
    pub idle: Duration,
    pub max_time: Duration,
    pub per_user: u32,
    pub transcripts: Option<Transcripts>,
}

#[derive(Clone)]
pub struct TerminalService {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    audit: AuditService,
    settings: Settings,
    /// Open terminals per user id.
    open: Mutex<HashMap<i64, u32>>,
}

/// Proof that the caller may open terminals under the current setting.
pub struct TerminalUser {
    principal: Principal,
    owner: Owner,
}

impl TerminalUser {
    pub fn principal(&self) -> &Principal {
        &self.principal
    }
}

/// One of a user's terminal places, given back when dropped.
pub struct Slot {
    service: TerminalService,
    user_id: i64,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.service.inner.lock();
        if let Some(n) = open.get_mut(&self.user_id) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.user_id);
            }
        }
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, u32>> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl TerminalService {
    pub fn new(engine: Engine, audit: AuditService, settings: Settings) -> Self {
        TerminalService {
            inner: Arc::new(Inner {
                engine,
                audit,
                settings,
                open: Mutex::default(),
            }),
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// Terminals open now (each one an engine exec stream).
    pub fn open_now(&self) -> u64 {
        self.inner.lock().values().map(|n| u64::from(*n)).sum()
    }

    /// The caller as a terminal user, or 403 with the setting that refuses them (the request
    /// context audits the refusal).
    pub fn authorize(&self, actor: &Operator) -> Result<TerminalUser, AppError> {
        if let Some(why) = self.inner.settings.policy.refusal(actor.role()) {
            return Err(AppError::forbidden(why).with_request_id(actor.request_id()));
        }
        Ok(TerminalUser {
            principal: actor.principal().clone(),
            owner: Owner::from(actor),
        })
    }

    /// One more terminal for `user`, or 429 when they hold as many as they may.
    fn claim(&self, user: &TerminalUser) -> Result<Slot, AppError> {
        let max = self.inner.settings.per_user;
        let mut open = self.inner.lock();
        let n = open.entry(user.principal.user_id).or_default();
        if *n >= max {
            return Err(AppError::new(
                ErrorKind::TooManyRequests,
                format!(
                    "You have {max} terminals open, as many as one user may (BOSUN_TERMINAL_PER_USER). Close one, then open this one again."
                ),
            ));
        }
        *n += 1;
        Ok(Slot {
            service: self.clone(),
            user_id: user.principal.user_id,
        })
    }

    async fn record(
        &self,
        owner: &Owner,
        action: &str,
        target: &str,
        result: Result<String, AppError>,
    ) {
        let (outcome, detail) = match result {
            Ok(detail) => (bosun_frontend::model::AuditOutcome::Ok, Some(detail)),
            Err(e) => (bosun_frontend::model::AuditOutcome::Failed, Some(e.message)),
        };
        self.inner
            .audit
            .record(owner.who(), action, target, outcome, detail)
            .await;
    }

    /// The transcript of one terminal session (admins); 404 when none was kept.
    pub fn transcript(
        &self,
        _actor: &bosun_frontend::authz::Admin,
        session: &str,
    ) -> Result<Vec<u8>, AppError> {
        let Some(store) = &self.inner.settings.transcripts else {
            return Err(AppError::not_found(
                "Terminal transcripts are off on this bosun (BOSUN_TERMINAL_TRANSCRIPTS=off).",
            ));
        };
        store
            .read(session)
            .map_err(|e| {
                tracing::error!(error = %e, "reading a terminal transcript failed");
                AppError::internal()
            })?
            .ok_or_else(|| {
                AppError::not_found(format!(
                    "There is no transcript of the terminal session {session}. The audit log's terminal.close records name the sessions."
                ))
            })
    }
}

impl TerminalPort for TerminalService {
    fn access(&self, actor: &Viewer) -> TerminalAccess {
        let refusal = self.inner.settings.policy.refusal(actor.role());
        TerminalAccess {
            allowed: refusal.is_none(),
            refusal,
        }
    }
}
