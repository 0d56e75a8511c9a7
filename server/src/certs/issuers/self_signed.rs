//! Self-signed: bosun's own certificate as at first start, for when nothing better is chosen.

use async_trait::async_trait;
use bosun_frontend::error::AppError;
use bosun_frontend::model::CertSource;

use super::{Issuer, Order, Pem, Progress};

pub struct SelfSigned;

#[async_trait]
impl Issuer for SelfSigned {
    fn source(&self) -> CertSource {
        CertSource::SelfSigned
    }

    fn own_only(&self) -> bool {
        true
    }

    async fn issue(&self, order: &Order<'_>, _progress: Progress<'_>) -> Result<Pem, AppError> {
        crate::tls::selfsigned::make(order.names)
            .map(|(chain_pem, key_pem)| Pem { chain_pem, key_pem })
            .map_err(|e| crate::error::internal("making a self-signed certificate", e))
    }
}
