//! Step 6, verify: does each reloaded service now serve the new certificate, at every address
//! it is reachable at, twice in a row? "Renewed but never reloaded" is what this catches.

use std::time::{Duration, Instant};

use bosun_frontend::model::ReloadResult;

use super::place::Placed;
use super::reload::Reloaded;
use crate::busy::Claim;
use crate::certs::CertService;
use crate::certs::inspect;
use crate::certs::inventory::probe;

/// How long bosun waits for a reloaded service to serve the new certificate.
const VERIFY_FOR: Duration = Duration::from_secs(15);

/// The reloads, each with whether the service serves the new certificate.
pub struct Verified {
    placed: Placed,
    reloads: Vec<ReloadResult>,
}

impl Verified {
    pub(super) fn into_parts(self) -> (Placed, Vec<ReloadResult>) {
        (self.placed, self.reloads)
    }
}

impl CertService {
    /// Checks every service whose reload went well.
    pub(super) async fn verify(&self, reloaded: Reloaded, job: &Claim) -> Verified {
        let (placed, results) = reloaded.into_parts();
        let serial = placed.facts().serial.clone();
        let mut reloads = Vec::with_capacity(results.len());
        for (container_id, mut result) in results {
            if let Some(id) = container_id {
                job.step(
                    &format!(
                        "checking that {} serves the new certificate",
                        result.container
                    ),
                    None,
                );
                result.serving_new = self.serves(&id, &serial).await;
            }
            reloads.push(result);
        }
        Verified { placed, reloads }
    }

    /// Does the container now present `serial` on its TLS ports, at every address it is
    /// reachable at, twice in a row? Retries for a while: a reloaded server takes a moment
    /// (and may answer from an old worker meanwhile), a restarted one longer.
    async fn serves(&self, container_id: &str, serial: &str) -> Option<bool> {
        let deadline = Instant::now() + VERIFY_FOR;
        let mut had_targets = false;
        let mut good_rounds = 0;
        loop {
            let record = self.inner.engine.inventory().find(container_id);
            if record
                .as_ref()
                .is_some_and(|r| r.is_running() && probe::wanted_ports(r).is_empty())
            {
                // Up again and serving no TLS port bosun knows of: there is nothing to check.
                return None;
            }
            let targets = record.map(|r| probe::targets(&[r])).unwrap_or_default();
            let mut seen = 0;
            let mut all_new = true;
            for t in &targets {
                for chain in probe::each_address(self.inner.probes.tls(), t).await {
                    seen += 1;
                    let new = chain
                        .first()
                        .and_then(|l| inspect::facts(l).ok())
                        .is_some_and(|f| f.serial == serial);
                    all_new &= new;
                }
            }
            if seen > 0 {
                had_targets = true;
                good_rounds = if all_new { good_rounds + 1 } else { 0 };
                if good_rounds >= 2 {
                    // Keep the page's picture in line with what was checked.
                    self.inner.probes.now(targets).await;
                    return Some(true);
                }
            }
            if Instant::now() >= deadline {
                return had_targets.then_some(false);
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
}
