//! Recording how a renewal ended: a success in the store (what was renewed, from where, what
//! was reloaded) with its report; a failure with the last error, the failure count and the
//! next attempt after back-off, notified; and the audit record either way.

use std::time::Instant;

use bosun_frontend::error::AppError;
use bosun_frontend::model::{AuditOutcome, CertSource, RenewReport};

use super::resolve::{Place, Resolved};
use super::verify::Verified;
use crate::audit::{Owner, Who};
use crate::certs::CertService;
use crate::error::OrInternal;
use crate::store::certs::{ManagedRow, Renewed};
use crate::store::rfc3339;

/// 5 minutes after the first failure (at `now_ms`), doubling, at most 12 hours.
pub(super) fn next_attempt(failures: u32, now_ms: i64) -> i64 {
    let minutes = 5_i64.saturating_mul(1_i64 << failures.min(8)).min(12 * 60);
    now_ms + minutes * 60_000
}

impl CertService {
    /// Records a verified renewal (or upload) and reports it.
    pub(super) async fn record_success(
        &self,
        verified: Verified,
        started: Instant,
    ) -> Result<RenewReport, AppError> {
        let (placed, reloads) = verified.into_parts();
        let facts = placed.facts().clone();
        let planned = placed.into_planned();
        let r = planned.resolved();
        let (cert_path, key_path) = match r.place() {
            Place::Own => (None, None),
            Place::File { cert, key, .. } => (
                Some(cert.display().to_string()),
                Some(key.display().to_string()),
            ),
        };
        self.inner
            .store
            .cert_renewed(&Renewed {
                id: r.id().as_str(),
                cert_path: cert_path.as_deref(),
                key_path: key_path.as_deref(),
                source: planned.source(),
                challenge: planned.challenge(),
                names: planned.names(),
                reload: planned.reload(),
                reloads: &reloads,
            })
            .await
            .or_internal("recording the renewal")?;
        self.inner.busy.notify();
        Ok(RenewReport {
            id: r.id().to_string(),
            source: planned.source(),
            serial: facts.serial,
            not_after: rfc3339(facts.not_after * 1000),
            names: planned.names().to_vec(),
            reloads,
            took_ms: started.elapsed().as_millis() as u64,
        })
    }

    /// Records a failed renewal (last error, failure count, next attempt after back-off) and
    /// sends the notification; returns the error for the caller.
    pub(super) async fn renewal_failed(
        &self,
        r: &Resolved,
        source: Option<CertSource>,
        names: &[String],
        owner: &Owner,
        e: AppError,
    ) -> AppError {
        let failures = r.row().map(ManagedRow::failures).unwrap_or(0) + 1;
        // bosun's own certificate is always managed: its row is made here if need be, with the
        // source of the certificate it still serves. The source that failed is not recorded:
        // the next automatic renewal must not switch to it. A file not managed yet keeps no
        // row; the person who asked sees the error at once, and the audit log keeps it.
        let own = r.is_own().then(|| self.inner.own.first_source());
        if let Err(store_err) = self
            .inner
            .store
            .cert_failed(
                r.id().as_str(),
                &e.message,
                next_attempt(failures, self.inner.clock.now_ms()),
                own,
            )
            .await
        {
            tracing::error!(error = %store_err, "could not record a failed renewal");
        }
        self.inner.busy.notify();
        let from = source.map(|s| s.title()).unwrap_or("its source");
        self.inner.notifier.send(crate::notify::Notification::new(
            bosun_frontend::model::NotifyEvent::CertRenewFailed,
            crate::notify::Severity::Critical,
            format!("Renewing {} failed", r.title()),
            format!(
                "Renewing the certificate {} ({}) from {} failed (started by {}): {} The current certificate stays in place.",
                r.title(),
                names.join(", "),
                from,
                owner.username,
                e.message
            ),
            serde_json::json!({"id": r.id().as_str(), "title": r.title(), "source": source.map(|s| s.as_str()), "error": e.message, "failures": failures}),
        ));
        e
    }

    /// The audit record of a renewal (or upload): the new serial, the names the admin
    /// confirmed for the internal CA, and how the reloads went.
    pub(in crate::certs) async fn audit_renewal(
        &self,
        who: Who<'_>,
        action: &str,
        title: &str,
        result: &Result<RenewReport, AppError>,
        confirmed: &[String],
    ) {
        match result {
            Ok(report) => {
                let reloads: Vec<String> = report
                    .reloads
                    .iter()
                    .map(|r| {
                        format!(
                            "{} {}{}",
                            r.container,
                            if r.ok { "reloaded" } else { "not reloaded" },
                            match r.serving_new {
                                Some(true) => ", serving the new certificate",
                                Some(false) => ", still serving the old certificate",
                                None => "",
                            }
                        )
                    })
                    .collect();
                let detail = format!(
                    "serial {} from {}, valid until {}{}{}",
                    report.serial,
                    report.source,
                    report.not_after,
                    if confirmed.is_empty() {
                        String::new()
                    } else {
                        format!("; names confirmed: {}", confirmed.join(", "))
                    },
                    if reloads.is_empty() {
                        String::new()
                    } else {
                        format!("; {}", reloads.join("; "))
                    }
                );
                self.inner
                    .audit
                    .record(who, action, title, AuditOutcome::Ok, Some(detail))
                    .await;
            }
            Err(_) => self.inner.audit.outcome(who, action, title, result).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_up_to_twelve_hours() {
        let now = 1_800_000_000_000;
        let mins = |f| (next_attempt(f, now) - now) / 60_000;
        assert_eq!(mins(0), 5);
        assert_eq!(mins(1), 10);
        assert_eq!(mins(3), 40);
        assert_eq!(mins(30), 12 * 60);
    }
}
