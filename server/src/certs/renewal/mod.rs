//! Renewing a certificate, one file per step: resolve → plan → confirm (names from the internal
//! CA) → issue → place → reload → verify, then record. Each step takes the value the step before it made (`Resolved`,
//! `Planned`, `Issued`, `Placed`, `Reloaded`, `Verified`), so a certificate cannot be placed
//! unless issued and checked, nor reported as reloaded unless placed. A failure leaves the
//! current certificate in place; automatic renewals (`auto`) retry with back-off.

mod auto;
pub mod confirm;
pub mod issue;
mod place;
pub mod plan;
mod record;
pub mod reload;
pub mod resolve;
mod verify;

use std::time::Instant;

use bosun_frontend::error::AppError;
use bosun_frontend::model::{CertId, RenewReport, RenewRequest};

use self::issue::Issued;
use self::plan::Planned;
use self::verify::Verified;
use crate::audit::Owner;
use crate::busy::Claim;
use crate::certs::CertService;
use crate::store::certs::ManagedRow;

/// A step that failed, with the plan it was following (for the failure's record).
pub struct Failed {
    planned: Planned,
    error: AppError,
}

impl CertService {
    /// Gets a new certificate for `id` and puts it in place; on failure the old one stays.
    /// `automatic`: the renewal system's own, whose refusals are this certificate's failures.
    pub(in crate::certs) async fn renew_now(
        &self,
        id: &CertId,
        request: RenewRequest,
        owner: &Owner,
        automatic: bool,
    ) -> Result<RenewReport, AppError> {
        let started = Instant::now();
        let r = self.resolve(id).await?;
        let planned = match self.plan(r, &request) {
            Ok(planned) => planned,
            // Without overrides everything came from the stored settings, so a plan that cannot
            // be made (ACME switched off since, names no longer valid) is this certificate's
            // renewal failing: shown on the page, notified, retried with back-off. With
            // overrides it is a bad request, and nothing about the certificate changes.
            Err((r, e)) if request == RenewRequest::default() => {
                let source = r.row().map(ManagedRow::source);
                return Err(self.renewal_failed(&r, source, r.names(), owner, e).await);
            }
            Err((_, e)) => return Err(e),
        };
        if let Err(e) = self.confirmed(&planned, &request).await {
            // An admin is told at once; the renewal system cannot confirm, so its renewal
            // fails visibly (on the page, notified, retried with back-off).
            if !automatic {
                return Err(e);
            }
            return Err(self
                .renewal_failed(
                    planned.resolved(),
                    Some(planned.source()),
                    planned.names(),
                    owner,
                    e,
                )
                .await);
        }
        let job = self.claim(&planned, owner)?;
        let result = match self.issue(planned, &job).await {
            Ok(issued) => self.put_in_place(issued, &job, owner).await,
            Err(f) => Err(f),
        };
        let outcome = match result {
            Ok(verified) => self.record_success(verified, started).await,
            Err(Failed { planned, error }) => Err(self
                .renewal_failed(
                    planned.resolved(),
                    Some(planned.source()),
                    planned.names(),
                    owner,
                    error,
                )
                .await),
        };
        // Held until the outcome is recorded, so a second renewal cannot start in between.
        drop(job);
        outcome
    }

    /// Claims the certificate for its renewal (409 while another one runs).
    pub(in crate::certs) fn claim(
        &self,
        planned: &Planned,
        owner: &Owner,
    ) -> Result<Claim, AppError> {
        let r = planned.resolved();
        self.inner.busy.claim(
            crate::busy::Resource::Certificate {
                id: r.id().as_str().to_owned(),
                title: r.title().to_owned(),
            },
            crate::busy::Work::Renewal,
            &owner.username,
        )
    }

    /// Place, reload, verify: what follows a new certificate, whether issued or uploaded.
    pub(in crate::certs) async fn put_in_place(
        &self,
        issued: Issued,
        job: &Claim,
        owner: &Owner,
    ) -> Result<Verified, Failed> {
        let placed = self.place(issued, job).await?;
        let reloaded = self.reload(placed, job, owner).await;
        Ok(self.verify(reloaded, job).await)
    }

    /// Records an uploaded certificate that was put in place (see `port.rs`).
    pub(in crate::certs) async fn uploaded(
        &self,
        issued: Issued,
        job: &Claim,
        owner: &Owner,
        started: Instant,
    ) -> Result<RenewReport, AppError> {
        match self.put_in_place(issued, job, owner).await {
            Ok(verified) => self.record_success(verified, started).await,
            Err(f) => Err(f.error),
        }
    }
}
