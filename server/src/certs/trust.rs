//! Does a chain lead to a root bosun trusts? The system's roots, bosun's internal CA and the
//! roots in `BOSUN_CERT_TRUST`, checked the way a TLS client would (webpki).

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use bosun_frontend::model::ChainCheck;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, RootCertStore};
use rustls_pki_types::pem::PemObject;

use super::inspect::Facts;

const SELF_SIGNED: &str = "self-signed: browsers warn unless it is imported as trusted";
const SYSTEM_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

#[derive(Clone)]
pub struct Trust {
    verifier: Option<Arc<WebPkiServerVerifier>>,
    /// The extra roots alone (internal CA + configured), for the ACME client.
    extra: Arc<RootCertStore>,
    /// Every trusted root as DER, to tell whether a CA certificate found on disk is one.
    roots: Arc<HashSet<Vec<u8>>>,
}

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
        let verifier =
            WebPkiServerVerifier::builder_with_provider(Arc::new(all), crate::tls::provider())
                .build()
                .ok();
        Trust {
            verifier,
            extra: Arc::new(mine),
            roots: Arc::new(roots),
        }
    }

    pub fn extra_roots(&self) -> Arc<RootCertStore> {
        self.extra.clone()
    }

    /// Checks `chain` (leaf first) as a client connecting by the leaf's first name would.
    pub fn check(&self, chain: &[CertificateDer<'static>], leaf: &Facts) -> ChainCheck {
        let Some(verifier) = &self.verifier else {
            return ChainCheck {
                valid: false,
                message: format!(
                    "bosun has no trusted roots to check against (install ca-certificates, or set BOSUN_CERT_TRUST); {SYSTEM_BUNDLE} is missing"
                ),
            };
        };
        let Some(end_entity) = chain.first() else {
            return ChainCheck {
                valid: false,
                message: "no certificate".into(),
            };
        };
        if !leaf.is_server() {
            let trusted = leaf.self_issued && self.roots.contains(end_entity.as_ref());
            return ChainCheck {
                valid: trusted,
                message: match (leaf.self_issued, trusted) {
                    (true, true) => "a CA root certificate bosun trusts".into(),
                    (true, false) => "a CA root certificate bosun does not trust (trusted by those who import it; add it to BOSUN_CERT_TRUST to check against it)".into(),
                    _ => format!("an intermediate CA certificate issued by {}", leaf.issuer),
                },
            };
        }
        let name = leaf
            .first_name()
            .and_then(|n| ServerName::try_from(n.to_owned()).ok())
            .unwrap_or(ServerName::IpAddress(
                std::net::IpAddr::from(std::net::Ipv4Addr::UNSPECIFIED).into(),
            ));
        let result =
            verifier.verify_server_cert(end_entity, &chain[1..], &name, &[], UnixTime::now());
        match result {
            Ok(_) => ChainCheck {
                valid: true,
                message: format!("trusted: issued by {}", leaf.issuer),
            },
            Err(rustls::Error::InvalidCertificate(e)) => describe(e, leaf),
            Err(_) if leaf.self_issued => ChainCheck {
                valid: false,
                message: SELF_SIGNED.into(),
            },
            Err(other) => ChainCheck {
                valid: false,
                message: other.to_string(),
            },
        }
    }
}

fn describe(e: CertificateError, leaf: &Facts) -> ChainCheck {
    let message = match e {
        // The chain was fine; only the name did not match, which a chain check doesn't judge.
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            return ChainCheck {
                valid: true,
                message: format!("trusted: issued by {}", leaf.issuer),
            };
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            "the certificate (or one in its chain) has expired".into()
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "the certificate (or one in its chain) is not valid yet".into()
        }
        // However webpki words it (unknown issuer, a CA used as a server's), a self-signed
        // certificate that is not a trusted root is just that.
        _ if leaf.self_issued => SELF_SIGNED.to_owned(),
        CertificateError::UnknownIssuer => format!(
            "not trusted: issued by {}, which is not a trusted root, and the file does not include the intermediate certificates. Add the chain to the file, or the root to BOSUN_CERT_TRUST.",
            leaf.issuer
        ),
        CertificateError::BadSignature => {
            "a signature in the chain does not verify: the chain is broken or its certificates are mixed up".into()
        }
        CertificateError::Revoked => "revoked".into(),
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            "not a certificate for TLS servers (wrong key usage)".into()
        }
        other => format!("not trusted: {other:?}"),
    };
    ChainCheck {
        valid: false,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_signed_server_certificate_is_called_that() {
        for ca in [false, true] {
            let key = rcgen::KeyPair::generate().unwrap();
            let mut p = rcgen::CertificateParams::new(vec!["a.lan".into()]).unwrap();
            if ca {
                // As `openssl req -x509` makes them.
                p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
            }
            let chain = vec![p.self_signed(&key).unwrap().der().clone()];
            let facts = super::super::inspect::facts(&chain[0]).unwrap();
            let check = Trust::new(&[]).check(&chain, &facts);
            assert!(!check.valid);
            assert!(
                check.message.contains("self-signed"),
                "ca={ca}: {}",
                check.message
            );
        }
    }
}
