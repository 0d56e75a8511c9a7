//! Is the monitor up? An HTTP request from bosun with a short timeout, cached briefly.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bosun_frontend::model::LinkCheck;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use crate::store::{now_ms, rfc3339};

const TIMEOUT: Duration = Duration::from_secs(2);
const FRESH: Duration = Duration::from_secs(30);
const MAX_CACHED: usize = 512;

#[derive(Clone)]
pub struct Checker {
    client: reqwest::Client,
    cache: Arc<Mutex<HashMap<String, (Instant, LinkCheck)>>>,
}

impl Checker {
    pub fn new(provider: Arc<CryptoProvider>) -> Result<Self, String> {
        // Monitors on a LAN often use self-signed certificates; a reachability check only
        // asks whether something answers, so any certificate is accepted here (and only here).
        let tls = accept_any_certificate(provider).map_err(|e| e.to_string())?;
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Checker {
            client,
            cache: Arc::default(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, LinkCheck)>> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The last result for `url`, however old.
    pub fn cached(&self, url: &str) -> Option<LinkCheck> {
        self.lock().get(url).map(|(_, c)| c.clone())
    }

    /// Checks `url` unless a result younger than 30 s exists. Any HTTP answer below 500
    /// (a login page's 401 included) counts as up.
    pub async fn check(&self, url: &str) -> LinkCheck {
        if let Some((at, c)) = self.lock().get(url)
            && at.elapsed() < FRESH
        {
            return c.clone();
        }
        let started = Instant::now();
        let result = self.client.get(url).send().await;
        let took_ms = started.elapsed().as_millis() as u64;
        let check = match result {
            Ok(r) => LinkCheck {
                up: r.status().as_u16() < 500,
                status: Some(r.status().as_u16()),
                error: None,
                checked_at: rfc3339(now_ms()),
                took_ms,
            },
            Err(e) => LinkCheck {
                up: false,
                status: None,
                error: Some(describe(&e)),
                checked_at: rfc3339(now_ms()),
                took_ms,
            },
        };
        let mut cache = self.lock();
        // Bounded: the host part comes from the request, so URLs are not a closed set.
        if cache.len() >= MAX_CACHED && !cache.contains_key(url) {
            cache.retain(|_, (at, _)| at.elapsed() < FRESH);
            if cache.len() >= MAX_CACHED {
                cache.clear();
            }
        }
        cache.insert(url.to_owned(), (Instant::now(), check.clone()));
        check
    }
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        format!("no answer within {} s", TIMEOUT.as_secs())
    } else if e.is_connect() {
        "connection refused or host unreachable from bosun".to_owned()
    } else {
        "the answer was not HTTP".to_owned()
    }
}

/// A TLS client configuration that accepts any server certificate: for reachability checks
/// (and the start-up bench), which ask whether something answers, never whom to trust.
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
