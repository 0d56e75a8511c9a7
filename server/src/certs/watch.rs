//! The certificates room's background work, for as long as bosun runs: probing the services'
//! TLS ports, picking up changed `--tls files`, renewing what is due, and warning about what
//! will expire without bosun renewing it.

use std::time::Duration;

use super::CertService;
use super::inventory::probe;

/// How often `--tls files` are looked at for changes.
const OWN_FILES_EVERY: Duration = Duration::from_secs(5);

/// How often, on bosun's clock, what is due is renewed and what expires is warned about.
const RENEW_EVERY_MS: i64 = 60_000;

impl CertService {
    /// Runs for as long as bosun does: probes the services' TLS ports, reloads `--tls files`
    /// when they change, renews what is due (with back-off after failures; renewals and warnings run once a
    /// minute of bosun's clock, and at once when containers change), and keeps the
    /// shared scan of the certificate directories current for the pages following it.
    pub async fn run(self) {
        let scans = self
            .inner
            .scans
            .clone()
            .keep_fresh(vec![self.inner.engine.inventory().watch()]);
        tokio::join!(scans, self.renew_and_probe());
    }

    async fn renew_and_probe(self) {
        let clock = self.inner.clock.clone();
        let mut inventory = self.inner.engine.inventory().watch();
        // Let the inventory fill before the first probe.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let mut last_probe: Option<std::time::Instant> = None;
        let mut last_renew: Option<i64> = None;
        let mut changed = false;
        loop {
            if changed || last_probe.is_none_or(|t| t.elapsed() > Duration::from_secs(600)) {
                inventory.borrow_and_update();
                self.probe_all().await;
                last_probe = Some(std::time::Instant::now());
            }
            // Files on disk are looked at every few seconds (a stat of two files).
            self.reload_own_files().await;
            let now = clock.now_ms();
            if changed || last_renew.is_none_or(|t| now - t >= RENEW_EVERY_MS) {
                self.renew_due().await;
                self.warn_expiring().await;
                last_renew = Some(now);
            }
            changed = false;
            let renew_at = last_renew.map_or(now, |t| t.saturating_add(RENEW_EVERY_MS));
            tokio::select! {
                () = tokio::time::sleep(OWN_FILES_EVERY) => {}
                () = clock.sleep_until(renew_at) => {}
                r = inventory.changed() => {
                    if r.is_err() { return; }
                    // A burst of container events settles into one probe.
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    changed = true;
                }
            }
        }
    }

    /// Tells the notification targets, once a day per certificate, about every certificate
    /// inside the warning window (or expired) that bosun will not renew in time by itself.
    async fn warn_expiring(&self) {
        use bosun_frontend::model::{NotifyEvent, Urgency};
        // Right after `renew_due`'s scan: that one will do.
        let Ok(scan) = self.inner.scans.within(Duration::from_secs(60)).await else {
            return;
        };
        let Ok(certs) = self.certificates_in(&scan).await else {
            return;
        };
        let today = self.inner.clock.now_ms().div_euclid(86_400_000);
        let warn = i64::from(self.inner.settings.warn_days);
        let mut warned = self.inner.warned.lock().unwrap_or_else(|p| p.into_inner());
        for c in certs
            .iter()
            .filter(|c| c.problem.is_none() && c.days_left < warn)
        {
            if warned.get(&c.id) == Some(&today) {
                continue;
            }
            warned.insert(c.id.clone(), today);
            let (severity, state) = match c.urgency {
                Urgency::Expired => (crate::notify::Severity::Critical, "has expired".to_owned()),
                Urgency::Critical => (
                    crate::notify::Severity::Critical,
                    format!("expires in {} days", c.days_left),
                ),
                _ => (
                    crate::notify::Severity::Warning,
                    format!("expires in {} days", c.days_left),
                ),
            };
            let plan = match &c.managed {
                Some(m) if m.source.renews_by_itself() => format!(
                    "bosun renews it from {} by itself{}.",
                    m.source.title(),
                    m.last_error.as_ref().map(|e| format!(", but the last try failed: {e}")).unwrap_or_default()
                ),
                _ => "bosun does not renew it by itself: renew it on the Certificates page, or upload a new one.".into(),
            };
            self.inner.notifier.send(crate::notify::Notification::new(
                NotifyEvent::CertExpiring,
                severity,
                format!("Certificate {} {state}", c.title),
                format!("The certificate {} ({}) {state}, on {}. {plan}", c.title, c.sans.join(", "), c.not_after),
                serde_json::json!({"id": c.id, "title": c.title, "names": c.sans, "not_after": c.not_after, "days_left": c.days_left}),
            ));
        }
    }

    async fn probe_all(&self) {
        let records = self.inner.engine.inventory().records();
        self.inner.probes.refresh(probe::targets(&records)).await;
        self.inner.busy.notify();
    }
}
