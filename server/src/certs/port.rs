//! The certificates port: request fields parsed into checked types here, every renewal and
//! upload audited with who did it and how it ended.

use async_trait::async_trait;
use base64::Engine as _;
use bosun_frontend::authz::{Admin, Viewer};
use bosun_frontend::error::{AppError, parse_field};
use bosun_frontend::model::{
    CertDto, CertId, CertKind, CertificatesView, RenewReport, RenewRequest, UploadRequest,
};
use bosun_frontend::ports::CertsPort;
use rustls_pki_types::PrivateKeyDer;
use std::time::Instant;

use super::inventory::ids::now_secs;
use super::issuers::Pem;
use super::renewal::issue::Issued;
use super::renewal::plan::Planned;
use super::{CertService, inspect};
use crate::audit::Owner;

/// Bigger than any real chain or key.
const MAX_PEM: usize = 64 * 1024;

/// `the key does not match` → `The key does not match.`
fn sentence(s: &str) -> String {
    let mut c = s.chars();
    let mut out: String = c
        .next()
        .map(|f| f.to_uppercase().collect())
        .unwrap_or_default();
    out.push_str(c.as_str());
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn key_pem(key: &PrivateKeyDer<'_>) -> String {
    let label = match key {
        PrivateKeyDer::Pkcs1(_) => "RSA PRIVATE KEY",
        PrivateKeyDer::Sec1(_) => "EC PRIVATE KEY",
        _ => "PRIVATE KEY",
    };
    pem(label, key.secret_der())
}

impl CertService {
    async fn title(&self, id: &CertId) -> String {
        self.resolve(id)
            .await
            .map(|r| r.title().to_owned())
            .unwrap_or_else(|_| id.to_string())
    }

    async fn upload_now(
        &self,
        owner: &Owner,
        id: &CertId,
        request: UploadRequest,
    ) -> Result<RenewReport, AppError> {
        let started = Instant::now();
        if id.kind() == CertKind::Served {
            return Err(AppError::bad_request(
                "target",
                "Upload to the certificate file the service reads (listed as a file), or to bosun's own.",
            ));
        }
        for (field, text) in [
            ("cert_pem", &request.cert_pem),
            ("key_pem", &request.key_pem),
        ] {
            if text.len() > MAX_PEM {
                return Err(AppError::bad_request(
                    field,
                    "That is far too long for a PEM certificate or key (at most 64 KB).",
                ));
            }
        }
        let chain = inspect::chain_from_pem(request.cert_pem.as_bytes())
            .map_err(|e| AppError::bad_request("cert_pem", sentence(&e)))?;
        let key = inspect::key_from_pem(request.key_pem.as_bytes())
            .map_err(|e| AppError::bad_request("key_pem", sentence(&e)))?;
        let facts = inspect::facts(&chain[0])
            .map_err(|e| AppError::bad_request("cert_pem", sentence(&e)))?;
        if !facts.is_server() {
            return Err(AppError::bad_request(
                "cert_pem",
                "The first certificate is a CA certificate. Put the server's own certificate first, then its chain.",
            ));
        }
        // The text is rewritten from what was parsed: no stray lines reach the disk.
        let pem = Pem {
            chain_pem: chain
                .iter()
                .map(|c| pem("CERTIFICATE", c.as_ref()))
                .collect(),
            key_pem: key_pem(&key),
        };
        let key = inspect::certified_key(chain, key)
            .map_err(|e| AppError::bad_request("key_pem", sentence(&e)))?;
        inspect::check_valid_now(&facts, now_secs())
            .map_err(|e| AppError::bad_request("cert_pem", sentence(&e)))?;

        let r = self.resolve(id).await?;
        let planned = Planned::upload(r, facts.sans.clone());
        let job = self.claim(&planned, owner)?;
        job.step("checking the uploaded certificate", None);
        let issued = Issued::uploaded(planned, pem, inspect::Checked { key, facts });
        self.uploaded(issued, &job, owner, started).await
    }
}

#[async_trait]
impl CertsPort for CertService {
    async fn view(&self, _actor: &Viewer) -> Result<CertificatesView, AppError> {
        self.view_now().await
    }

    async fn get(&self, _actor: &Viewer, id: &CertId) -> Result<CertDto, AppError> {
        let (certs, _) = self.certificates().await?;
        certs
            .into_iter()
            .find(|c| c.id == id.as_str())
            .ok_or_else(|| {
                AppError::not_found(format!(
                    "There is no certificate {id} (any more). GET /api/v1/certificates lists them."
                ))
            })
    }

    async fn renew(
        &self,
        actor: &Admin,
        id: &CertId,
        request: RenewRequest,
    ) -> Result<RenewReport, AppError> {
        let title = self.title(id).await;
        let confirmed = super::renewal::confirm::confirmed_names(&request);
        let result = self
            .renew_now(id, request, &Owner::from(actor), false)
            .await;
        self.audit_renewal(
            actor.into(),
            "certificate.renew",
            &title,
            &result,
            &confirmed,
        )
        .await;
        result
    }

    async fn upload(&self, actor: &Admin, request: UploadRequest) -> Result<RenewReport, AppError> {
        let id: Result<CertId, AppError> = parse_field("target", &request.target);
        let title = match &id {
            Ok(id) => self.title(id).await,
            Err(_) => request.target.chars().take(40).collect(),
        };
        let result = match id {
            Ok(id) => self.upload_now(&Owner::from(actor), &id, request).await,
            Err(e) => Err(e),
        };
        self.audit_renewal(actor.into(), "certificate.upload", &title, &result, &[])
            .await;
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn re_encoded_pem_parses_back_to_the_same_bytes() {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["a.lan".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let chain = inspect::chain_from_pem(cert.pem().as_bytes()).unwrap();
        let again =
            inspect::chain_from_pem(pem("CERTIFICATE", chain[0].as_ref()).as_bytes()).unwrap();
        assert_eq!(again, chain);
        let k = inspect::key_from_pem(key.serialize_pem().as_bytes()).unwrap();
        let k2 = inspect::key_from_pem(key_pem(&k).as_bytes()).unwrap();
        assert_eq!(k.secret_der(), k2.secret_der());
        assert_eq!(sentence("the key is wrong"), "The key is wrong.");
    }
}
