//! bosun's own HTTPS: a certificate resolver that can be swapped while serving, and the
//! certificate bosun makes for itself on first start.

pub mod resolver;
pub mod selfsigned;

use std::path::Path;
use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

pub use resolver::CertResolver;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("could not read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path} holds no certificate")]
    NoCertificate { path: String },
    #[error("the private key does not belong to the certificate ({0})")]
    KeyMismatch(String),
    #[error("the certificate is not valid now: {0}")]
    Validity(String),
    #[error("could not parse the certificate: {0}")]
    Parse(String),
    #[error("could not make a certificate: {0}")]
    Generate(String),
    #[error("could not write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("TLS setup failed: {0}")]
    Rustls(#[from] rustls::Error),
}

pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Loads a PEM chain and key and checks that they belong together and are valid now.
pub fn load_pem_files(cert: &Path, key: &Path) -> Result<CertifiedKey, TlsError> {
    let read_err = |p: &Path, e: &dyn std::fmt::Display| TlsError::Read {
        path: p.display().to_string(),
        reason: e.to_string(),
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| read_err(cert, &e))?
        .collect::<Result<_, _>>()
        .map_err(|e| read_err(cert, &e))?;
    let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| read_err(key, &e))?;
    certified_key(chain, key_der, &cert.display().to_string())
}

pub fn certified_key(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    origin: &str,
) -> Result<CertifiedKey, TlsError> {
    let Some(leaf) = chain.first() else {
        return Err(TlsError::NoCertificate {
            path: origin.to_owned(),
        });
    };
    check_validity(leaf)?;
    CertifiedKey::from_der(chain, key, &provider())
        .map_err(|e| TlsError::KeyMismatch(e.to_string()))
}

/// Facts about a certificate that start-up and the swap check need.
pub struct CertFacts {
    pub not_after: i64,
    pub not_before: i64,
    pub names: Vec<String>,
}

pub fn facts(der: &CertificateDer<'_>) -> Result<CertFacts, TlsError> {
    use x509_parser::prelude::*;
    let (_, cert) =
        X509Certificate::from_der(der.as_ref()).map_err(|e| TlsError::Parse(e.to_string()))?;
    let mut names = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                GeneralName::DNSName(d) => names.push((*d).to_owned()),
                GeneralName::IPAddress(ip) => match ip.len() {
                    4 => names.push(
                        std::net::IpAddr::from(<[u8; 4]>::try_from(*ip).unwrap_or_default())
                            .to_string(),
                    ),
                    16 => names.push(
                        std::net::IpAddr::from(<[u8; 16]>::try_from(*ip).unwrap_or_default())
                            .to_string(),
                    ),
                    _ => {}
                },
                _ => {}
            }
        }
    }
    Ok(CertFacts {
        not_after: cert.validity().not_after.timestamp(),
        not_before: cert.validity().not_before.timestamp(),
        names,
    })
}

fn check_validity(leaf: &CertificateDer<'_>) -> Result<(), TlsError> {
    let f = facts(leaf)?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if now < f.not_before {
        return Err(TlsError::Validity("it is not valid yet".into()));
    }
    if now >= f.not_after {
        return Err(TlsError::Validity("it has expired".into()));
    }
    Ok(())
}

/// A rustls server config that asks `resolver` for the certificate on every handshake.
pub fn server_config(resolver: Arc<CertResolver>) -> Result<rustls::ServerConfig, TlsError> {
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_cert_resolver(resolver);
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}
