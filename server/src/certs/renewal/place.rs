//! Step 4, place: the checked certificate written where it belongs (through `crate::fsx`: old
//! pair kept, temporary files created exclusively, links refused) and, for bosun's own, served
//! to new handshakes at once. Only a `Placed` certificate leads to reloads.

use bosun_frontend::error::AppError;

use super::Failed;
use super::issue::Issued;
use super::plan::Planned;
use super::resolve::Place;
use crate::busy::Claim;
use crate::certs::CertService;
use crate::certs::inspect::Facts;
use crate::error::OrInternal;
use crate::fsx::{Pair, replace_pair};

/// A new certificate on disk (and, for bosun's own, served).
pub struct Placed {
    planned: Planned,
    facts: Facts,
}

impl Placed {
    pub fn planned(&self) -> &Planned {
        &self.planned
    }

    /// The new certificate's facts (serial, validity).
    pub fn facts(&self) -> &Facts {
        &self.facts
    }

    pub(super) fn into_planned(self) -> Planned {
        self.planned
    }
}

fn write_err(e: String) -> AppError {
    AppError::conflict(format!(
        "bosun could not write the new certificate ({e}). The old files are unchanged; fix the directory (bosun needs write access, and writes no links), then renew again."
    ))
}

impl CertService {
    /// Writes (and for bosun's own, swaps) the checked certificate; on failure nothing changed.
    pub(super) async fn place(&self, issued: Issued, job: &Claim) -> Result<Placed, Failed> {
        let (planned, pem, checked) = issued.into_parts();
        let chain = pem.chain_pem.into_bytes();
        let key = pem.key_pem.into_bytes();
        let result = match planned.resolved().place() {
            Place::Own => {
                job.step("saving the new certificate", None);
                let own = &self.inner.own;
                let (cp, kp) = (own.cert.clone(), own.key.clone());
                let written = async {
                    if let Some(dir) = cp.parent() {
                        std::fs::create_dir_all(dir).map_err(|e| write_err(e.to_string()))?;
                    }
                    tokio::task::spawn_blocking(move || {
                        replace_pair(&cp, &kp, &chain, &key, 0o644, 0o600, None)
                    })
                    .await
                    .or_internal("writing bosun's certificate")?
                    .map_err(write_err)
                }
                .await;
                written.and_then(|()| {
                    job.step("serving the new certificate to new connections", None);
                    own.swap(checked.key)
                        .map_err(|e| crate::error::internal("swapping bosun's certificate", e))
                })
            }
            Place::File {
                root,
                cert,
                key: key_path,
                cert_mode,
                key_mode,
                owner,
            } => {
                job.step(&format!("writing {}", cert.display()), None);
                let (root, cp, kp) = (root.clone(), cert.clone(), key_path.clone());
                let (cm, km, fo) = (*cert_mode, *key_mode, *owner);
                tokio::task::spawn_blocking(move || {
                    Pair {
                        root: root.as_deref(),
                        cert: &cp,
                        key: &kp,
                        chain_pem: &chain,
                        key_pem: &key,
                        cert_mode: cm,
                        key_mode: km,
                        owner: fo,
                    }
                    .replace()
                })
                .await
                .or_internal("writing the certificate files")
                .and_then(|r| r.map_err(write_err))
            }
        };
        match result {
            Ok(()) => {
                // New files on disk: the shared scan (and every page following it) picks them up.
                self.inner.scans.changed();
                Ok(Placed {
                    planned,
                    facts: checked.facts,
                })
            }
            Err(error) => Err(Failed { planned, error }),
        }
    }
}
