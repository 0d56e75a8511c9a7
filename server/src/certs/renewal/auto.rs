//! Automatic renewal: every managed certificate past its renewal point (`BOSUN_CERT_RENEW_AT`
//! of its lifetime) is renewed from its stored source and names, unless its back-off after a
//! failure has not passed yet. Each attempt is audited as the renewal system's.

use bosun_frontend::model::{CertId, RenewRequest};

use crate::audit::Owner;
use crate::certs::CertService;

impl CertService {
    /// Renews every managed certificate past its renewal point whose back-off has passed.
    pub(in crate::certs) async fn renew_due(&self) {
        let (Ok((certs, _)), Ok(rows)) = (
            self.certificates().await,
            self.inner.store.managed_certs().await,
        ) else {
            return;
        };
        let share = self.inner.settings.renew_at;
        let now = self.inner.clock.now_ms();
        for c in certs {
            let Some(m) = &c.managed else { continue };
            if !m.source.renews_by_itself() || c.problem.is_some() || c.lifetime_used < share {
                continue;
            }
            let waiting = rows
                .iter()
                .find(|r| r.id == c.id)
                .and_then(|r| r.next_attempt_at)
                .is_some_and(|t| now < t);
            let Ok(id) = c.id.parse::<CertId>() else {
                continue;
            };
            if waiting {
                continue;
            }
            let owner = Owner::system("renewal");
            tracing::info!(certificate = %c.title, "renewing: {:.0}% of its lifetime has passed", c.lifetime_used * 100.0);
            let result = self
                .renew_now(&id, RenewRequest::default(), &owner, true)
                .await;
            if let Err(e) = &result {
                tracing::warn!(certificate = %c.title, error = %e.message, "automatic renewal failed; bosun retries with back-off");
            }
            self.audit_renewal(owner.who(), "certificate.renew", &c.title, &result, &[])
                .await;
        }
    }
}
