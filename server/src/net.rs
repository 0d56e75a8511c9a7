//! Outbound HTTPS: the one place bosun builds an HTTP client (reqwest over rustls with bosun's
//! ring provider), for ACME, webhooks and link checks. Each says whom it trusts and how long
//! it waits; only reachability checks may accept any certificate.

use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

/// Whom a client trusts.
#[derive(Clone)]
enum Verify {
    Roots(Arc<RootCertStore>),
    /// Reachability checks only: they ask whether something answers, never whom to trust.
    AnyCertificate,
}

/// How to build one outbound client.
#[derive(Clone)]
pub struct Https {
    verify: Verify,
    timeout: Duration,
    connect_timeout: Option<Duration>,
    redirects: Option<usize>,
    user_agent: Option<&'static str>,
}

impl Https {
    /// A client that trusts `roots`, with a 30 s timeout and reqwest's redirect policy.
    pub fn trusting(roots: Arc<RootCertStore>) -> Self {
        Https {
            verify: Verify::Roots(roots),
            timeout: Duration::from_secs(30),
            connect_timeout: None,
            redirects: None,
            user_agent: None,
        }
    }

    /// A client for reachability checks, which accepts any server certificate.
    pub fn any_certificate() -> Self {
        Https {
            verify: Verify::AnyCertificate,
            ..Https::trusting(Arc::new(RootCertStore::empty()))
        }
    }

    /// The whole request's time limit.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = Some(d);
        self
    }

    /// Follow at most `n` redirects (0: none).
    pub fn redirects(mut self, n: usize) -> Self {
        self.redirects = Some(n);
        self
    }

    pub fn user_agent(mut self, ua: &'static str) -> Self {
        self.user_agent = Some(ua);
        self
    }

    pub fn build(self) -> Result<reqwest::Client, String> {
        let provider = crate::tls::provider();
        let tls = match self.verify {
            Verify::Roots(roots) => rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| e.to_string())?
                .with_root_certificates(roots)
                .with_no_client_auth(),
            Verify::AnyCertificate => {
                accept_any_certificate(provider).map_err(|e| e.to_string())?
            }
        };
        let mut b = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .timeout(self.timeout);
        if let Some(d) = self.connect_timeout {
            b = b.connect_timeout(d);
        }
        match self.redirects {
            Some(0) => b = b.redirect(reqwest::redirect::Policy::none()),
            Some(n) => b = b.redirect(reqwest::redirect::Policy::limited(n)),
            None => {}
        }
        if let Some(ua) = self.user_agent {
            b = b.user_agent(ua);
        }
        b.build().map_err(|e| e.to_string())
    }
}

/// A TLS client configuration that accepts any server certificate: for reachability checks,
/// the certificate probes (which only look at what is presented) and the start-up bench;
/// never for deciding whom to trust.
pub fn accept_any_certificate(
    provider: Arc<CryptoProvider>,
) -> Result<rustls::ClientConfig, rustls::Error> {
    Ok(
        rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
            .with_no_client_auth(),
    )
}

#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
