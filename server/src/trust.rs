//! Whom bosun trusts as a TLS client: the system's roots, bosun's internal CA and the roots in
//! `BOSUN_CERT_TRUST`. Used to judge certificates (certs/) and to reach HTTPS targets
//! (webhooks, ACME).

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

/// Where Debian (and bosun's image) keep the system's roots.
pub const SYSTEM_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// Reads every certificate of a PEM bundle; a missing or unreadable file is an error.
pub fn read_bundle(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs: Result<Vec<_>, _> = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .collect();
    let certs = certs.map_err(|e| format!("{}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{} holds no certificate", path.display()));
    }
    Ok(certs)
}

#[derive(Clone)]
pub struct Trust {
    /// Every root: the system's and the extra ones.
    all: Arc<RootCertStore>,
    /// The extra roots alone (internal CA + configured), for the ACME client.
    extra: Arc<RootCertStore>,
    /// Every trusted root as DER, to tell whether a CA certificate found on disk is one.
    roots: Arc<HashSet<Vec<u8>>>,
    verifier: Option<Arc<WebPkiServerVerifier>>,
}

impl Trust {
    /// `extra`: bosun's internal CA root and the configured roots.
    pub fn new(extra: &[CertificateDer<'static>]) -> Self {
        let mut all = RootCertStore::empty();
        let mut roots: HashSet<Vec<u8>> = extra.iter().map(|c| c.to_vec()).collect();
        if let Ok(system) = read_bundle(Path::new(SYSTEM_BUNDLE)) {
            roots.extend(system.iter().map(|c| c.to_vec()));
            all.add_parsable_certificates(system);
        }
        let mut mine = RootCertStore::empty();
        mine.add_parsable_certificates(extra.iter().cloned());
        all.add_parsable_certificates(extra.iter().cloned());
        let all = Arc::new(all);
        let verifier =
            WebPkiServerVerifier::builder_with_provider(all.clone(), crate::tls::provider())
                .build()
                .ok();
        Trust {
            all,
            extra: Arc::new(mine),
            roots: Arc::new(roots),
            verifier,
        }
    }

    /// The extra roots alone (bosun's internal CA and `BOSUN_CERT_TRUST`).
    pub fn extra_roots(&self) -> Arc<RootCertStore> {
        self.extra.clone()
    }

    /// Every root: the system's and the extra ones.
    pub fn all_roots(&self) -> Arc<RootCertStore> {
        self.all.clone()
    }

    /// Whether `der` is one of the trusted roots itself.
    pub fn is_root(&self, der: &CertificateDer<'_>) -> bool {
        self.roots.contains(der.as_ref())
    }

    /// A verifier over every root; None when there is no root at all.
    pub fn verifier(&self) -> Option<&Arc<WebPkiServerVerifier>> {
        self.verifier.as_ref()
    }
}
