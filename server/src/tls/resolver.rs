use std::sync::Arc;

use arc_swap::ArcSwap;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use super::TlsError;

/// Serves the current certificate to each new handshake. Swapping it affects new
/// handshakes only; open connections keep the one they started with.
#[derive(Debug)]
pub struct CertResolver {
    current: ArcSwap<CertifiedKey>,
}

impl CertResolver {
    pub fn new(initial: CertifiedKey) -> Self {
        CertResolver {
            current: ArcSwap::from_pointee(initial),
        }
    }

    pub fn current(&self) -> Arc<CertifiedKey> {
        self.current.load_full()
    }

    /// Replaces the certificate after checking the new one; a bad one never replaces a good one.
    pub fn replace(&self, new: CertifiedKey) -> Result<(), TlsError> {
        new.keys_match()
            .map_err(|e| TlsError::KeyMismatch(e.to_string()))?;
        let leaf = new.end_entity_cert().map_err(TlsError::Rustls)?;
        let facts = super::facts(leaf)?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        if now < facts.not_before || now >= facts.not_after {
            return Err(TlsError::Validity(
                "the new certificate is not valid now".into(),
            ));
        }
        self.current.store(Arc::new(new));
        Ok(())
    }
}

impl ResolvesServerCert for CertResolver {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current.load_full())
    }
}
