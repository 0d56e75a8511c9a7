//! Step 3, issue: a new certificate from the planned source's issuer (or the admin's upload),
//! checked before anything is touched: it parses, its key matches, it is valid now. Only an
//! `Issued` certificate can be put in place.

use bosun_frontend::error::AppError;

use super::Failed;
use super::plan::Planned;
use crate::busy::Claim;
use crate::certs::CertService;
use crate::certs::inspect::{self, Checked};
use crate::certs::inventory::ids::now_secs;
use crate::certs::issuers::{Order, Pem};

/// A new certificate and key for a planned renewal, checked.
pub struct Issued {
    planned: Planned,
    pem: Pem,
    checked: Checked,
}

impl Issued {
    /// An uploaded pair, already parsed and checked by the upload (the admin is its issuer).
    pub fn uploaded(planned: Planned, pem: Pem, checked: Checked) -> Self {
        Issued {
            planned,
            pem,
            checked,
        }
    }

    /// What the place step needs: the plan, the PEM to write, and the checked pair to serve.
    pub(super) fn into_parts(self) -> (Planned, Pem, Checked) {
        (self.planned, self.pem, self.checked)
    }
}

impl CertService {
    /// Asks the planned source's issuer; a certificate that does not pass the checks is an
    /// error, and the current one stays.
    pub(super) async fn issue(&self, planned: Planned, job: &Claim) -> Result<Issued, Failed> {
        let source = planned.source();
        job.step(
            &format!("getting a new certificate from {}", source.title()),
            None,
        );
        let issued = async {
            let issuer = self
                .inner
                .issuers
                .get(source, planned.resolved().is_own())?;
            let order = Order {
                names: planned.names(),
                challenge: planned.challenge(),
            };
            let pem = issuer
                .issue(&order, &|s: String| job.step(&s, None))
                .await?;
            let checked = inspect::checked_pair(
                pem.chain_pem.as_bytes(),
                pem.key_pem.as_bytes(),
                now_secs(),
            )
            .map_err(|e| {
                AppError::upstream_failed(format!(
                    "{} handed out a certificate bosun will not use ({e}); the current one stays.",
                    source.title()
                ))
            })?;
            Ok::<_, AppError>((pem, checked))
        }
        .await;
        match issued {
            Ok((pem, checked)) => Ok(Issued {
                planned,
                pem,
                checked,
            }),
            Err(error) => Err(Failed { planned, error }),
        }
    }
}
