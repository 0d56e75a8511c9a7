//! Where new certificates come from: one `Issuer` trait, implemented by bosun's internal CA,
//! ACME and self-signed. A renewal asks the issuer of its chosen source; nothing else needs to
//! know which one it is.

pub mod acme;
pub mod ca_limits;
pub mod internal_ca;
pub mod self_signed;

use async_trait::async_trait;
use bosun_frontend::error::AppError;
use bosun_frontend::model::{CertSource, Challenge};

pub use self::acme::Acme;
pub use self::internal_ca::InternalCa;
pub use self::self_signed::SelfSigned;

/// A new certificate and its key, in PEM (chain: leaf first).
pub struct Pem {
    pub chain_pem: String,
    pub key_pem: String,
}

/// What an issuer is asked for.
pub struct Order<'a> {
    pub names: &'a [String],
    /// How to prove the names, for an issuer that asks for proof (ACME).
    pub challenge: Option<Challenge>,
}

/// Reports what an issuer is doing (shown as the renewal's step).
pub type Progress<'a> = &'a (dyn Fn(String) + Send + Sync);

#[async_trait]
pub trait Issuer: Send + Sync {
    fn source(&self) -> CertSource;

    /// Only for bosun's own certificate (self-signed).
    fn own_only(&self) -> bool {
        false
    }

    /// The challenge to prove `names` with (`asked`, or one that fits); None for an issuer
    /// that needs no proof. The error says what to configure or choose instead.
    fn challenge(
        &self,
        _names: &[String],
        _asked: Option<Challenge>,
    ) -> Result<Option<Challenge>, String> {
        Ok(None)
    }

    /// A new certificate for the order; the error says what went wrong and that the current
    /// certificate stays.
    async fn issue(&self, order: &Order<'_>, progress: Progress<'_>) -> Result<Pem, AppError>;
}

/// The issuers bosun has with its configuration.
pub struct Issuers {
    ca: InternalCa,
    acme: Option<Acme>,
    self_signed: SelfSigned,
    /// bosun manages its own certificate (`--tls auto`), so it may be self-signed.
    own_managed: bool,
}

impl Issuers {
    pub fn new(ca: InternalCa, acme: Option<Acme>, own_managed: bool) -> Self {
        Issuers {
            ca,
            acme,
            self_signed: SelfSigned,
            own_managed,
        }
    }

    pub fn ca(&self) -> &InternalCa {
        &self.ca
    }

    pub fn acme(&self) -> Option<&Acme> {
        self.acme.as_ref()
    }

    /// Every issuer there is, in the order the page offers them.
    fn all(&self) -> Vec<&dyn Issuer> {
        let mut v: Vec<&dyn Issuer> = vec![&self.self_signed, &self.ca];
        if let Some(a) = &self.acme {
            v.push(a);
        }
        v
    }

    /// The issuers a certificate can be renewed from (`own`: bosun's own).
    fn usable(&self, own: bool) -> impl Iterator<Item = &dyn Issuer> {
        let own_ok = own && self.own_managed;
        self.all()
            .into_iter()
            .filter(move |i| own_ok || !i.own_only())
    }

    /// The sources a certificate can be renewed from (`own`: bosun's own).
    pub fn sources(&self, own: bool) -> Vec<CertSource> {
        self.usable(own).map(|i| i.source()).collect()
    }

    /// The issuer for `source`, or a 400 that says which to choose instead.
    pub fn get(&self, source: CertSource, own: bool) -> Result<&dyn Issuer, AppError> {
        if let Some(i) = self.usable(own).find(|i| i.source() == source) {
            return Ok(i);
        }
        let allowed = self.sources(own);
        let message = match source {
            CertSource::Acme => "ACME is not configured: set BOSUN_ACME_DIRECTORY and a challenge (BOSUN_ACME_HTTP_LISTEN or BOSUN_ACME_DNS_HOOK), then restart bosun.".to_owned(),
            CertSource::SelfSigned => "Only bosun's own certificate can be self-signed; choose internal-ca or acme.".to_owned(),
            other => format!(
                "bosun cannot get a certificate from “{other}” by itself; choose {} (or upload one).",
                allowed.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" or ")
            ),
        };
        Err(AppError::bad_request("source", message))
    }
}
