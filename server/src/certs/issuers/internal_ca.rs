//! bosun's internal CA: made once (`<data>/ca/`), its root downloadable for importing into
//! browsers, issuing short-lived certificates for bosun itself and the stack's services.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use bosun_frontend::error::AppError;
use bosun_frontend::model::{CaDto, CertSource};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer as CaIssuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls_pki_types::CertificateDer;

use super::ca_limits::{Limits, constraints};
use super::{Issuer, Order, Pem, Progress};
use crate::certs::inspect;
use crate::config::AllowedNames;
use crate::fsx::write_atomic;

const ROOT_DAYS: i64 = 3650;

pub struct InternalCa {
    root_pem: String,
    root_der: CertificateDer<'static>,
    key_pem: String,
    leaf_days: u32,
    /// The name constraints on the root, if it was made with `BOSUN_CA_ALLOWED_NAMES`.
    limits: Option<Limits>,
}

fn paths(data_dir: &Path) -> (PathBuf, PathBuf) {
    let dir = data_dir.join("ca");
    (dir.join("ca.crt"), dir.join("ca.key"))
}

impl InternalCa {
    /// Loads the CA from the data dir, or makes it on first start: limited to `allowed` (X.509
    /// name constraints) when that is given then.
    pub fn load_or_create(
        data_dir: &Path,
        leaf_days: u32,
        allowed: Option<&AllowedNames>,
    ) -> Result<Self, String> {
        let (cert_path, key_path) = paths(data_dir);
        if cert_path.exists() && key_path.exists() {
            let root_pem = std::fs::read_to_string(&cert_path)
                .map_err(|e| format!("{}: {e}", cert_path.display()))?;
            let key_pem = std::fs::read_to_string(&key_path)
                .map_err(|e| format!("{}: {e}", key_path.display()))?;
            let root_der = inspect::chain_from_pem(root_pem.as_bytes())?
                .into_iter()
                .next()
                .ok_or("the CA file holds no certificate")?;
            let ca = InternalCa {
                limits: Limits::of(root_der.as_ref()),
                root_pem,
                root_der,
                key_pem,
                leaf_days,
            };
            // Fails early when the files were damaged by hand.
            ca.issuer()?;
            return Ok(ca);
        }
        let gen_err = |e: rcgen::Error| format!("could not make the internal CA: {e}");
        let key = KeyPair::generate().map_err(gen_err)?;
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(gen_err)?;
        let host = hostname::get()
            .ok()
            .and_then(|h| h.into_string().ok())
            .unwrap_or_else(|| "bosun".into());
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, format!("bosun internal CA ({host})"));
        dn.push(DnType::OrganizationName, "bosun");
        params.distinguished_name = dn;
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.name_constraints = allowed.map(constraints);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let now = time::OffsetDateTime::now_utc();
        params.not_before = now - time::Duration::hours(1);
        params.not_after = now + time::Duration::days(ROOT_DAYS);
        let cert = params.self_signed(&key).map_err(gen_err)?;
        let dir = cert_path.parent().unwrap_or(data_dir);
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        write_atomic(&key_path, key.serialize_pem().as_bytes(), 0o600, None)?;
        write_atomic(&cert_path, cert.pem().as_bytes(), 0o644, None)?;
        tracing::info!(path = %cert_path.display(), limited_to = %allowed.map(ToString::to_string).unwrap_or_default(), "made bosun's internal CA");
        Ok(InternalCa {
            limits: Limits::of(cert.der()),
            root_pem: cert.pem(),
            root_der: cert.der().clone(),
            key_pem: key.serialize_pem(),
            leaf_days,
        })
    }

    fn issuer(&self) -> Result<CaIssuer<'static, KeyPair>, String> {
        let key = KeyPair::from_pem(&self.key_pem)
            .map_err(|e| format!("the internal CA's key is unusable ({e})"))?;
        CaIssuer::from_ca_cert_pem(&self.root_pem, key)
            .map_err(|e| format!("the internal CA's certificate is unusable ({e})"))
    }

    pub fn root_pem(&self) -> &str {
        &self.root_pem
    }

    pub fn root_der(&self) -> &CertificateDer<'static> {
        &self.root_der
    }

    /// The names the CA is limited to, if it was made limited.
    pub fn limits(&self) -> Option<&Limits> {
        self.limits.as_ref()
    }

    pub fn dto(&self) -> Option<CaDto> {
        let f = inspect::facts(&self.root_der).ok()?;
        Some(CaDto {
            subject: f.subject,
            not_after: crate::store::rfc3339(f.not_after * 1000),
            fingerprint: inspect::fingerprint(self.root_der.as_ref()),
        })
    }

    /// A server certificate for `names` (DNS names or IPs), valid for the configured days;
    /// the chain is the leaf, then the CA root.
    pub fn issue_for(&self, names: &[String]) -> Result<Pem, String> {
        let gen_err = |e: rcgen::Error| format!("the internal CA could not issue: {e}");
        let issuer = self.issuer()?;
        let key = KeyPair::generate().map_err(gen_err)?;
        let mut params = CertificateParams::default();
        params.subject_alt_names = names
            .iter()
            .map(|n| match n.parse::<IpAddr>() {
                Ok(ip) => Ok(SanType::IpAddress(ip)),
                Err(_) => n.clone().try_into().map(SanType::DnsName).map_err(gen_err),
            })
            .collect::<Result<_, _>>()?;
        let mut dn = DistinguishedName::new();
        if let Some(first) = names.first() {
            dn.push(DnType::CommonName, first.clone());
        }
        params.distinguished_name = dn;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        let now = time::OffsetDateTime::now_utc();
        params.not_before = now - time::Duration::minutes(5);
        params.not_after = now + time::Duration::days(i64::from(self.leaf_days));
        let cert = params.signed_by(&key, &issuer).map_err(gen_err)?;
        Ok(Pem {
            chain_pem: format!("{}{}", cert.pem(), self.root_pem),
            key_pem: key.serialize_pem(),
        })
    }
}

#[async_trait]
impl Issuer for InternalCa {
    fn source(&self) -> CertSource {
        CertSource::InternalCa
    }

    async fn issue(&self, order: &Order<'_>, _progress: Progress<'_>) -> Result<Pem, AppError> {
        self.issue_for(order.names)
            .map_err(|e| crate::error::internal("issuing from the internal CA", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certs::inventory::chain::check;
    use crate::trust::Trust;

    #[test]
    fn made_once_reused_and_its_certificates_are_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let a = InternalCa::load_or_create(dir.path(), 90, None).unwrap();
        let b = InternalCa::load_or_create(dir.path(), 90, None).unwrap();
        assert_eq!(b.limits(), None);
        assert_eq!(a.root_pem(), b.root_pem(), "made once, then reused");
        let issued = b
            .issue_for(&["portal.lan".into(), "192.168.1.10".into()])
            .unwrap();
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let checked =
            inspect::checked_pair(issued.chain_pem.as_bytes(), issued.key_pem.as_bytes(), now)
                .unwrap();
        assert_eq!(
            checked.facts.sans,
            vec!["portal.lan".to_owned(), "192.168.1.10".to_owned()]
        );
        let days = (checked.facts.not_after - now) / 86_400;
        assert!((89..=90).contains(&days), "{days}");
        let chain = inspect::chain_from_pem(issued.chain_pem.as_bytes()).unwrap();
        let trusted = check(&Trust::new(&[a.root_der().clone()]), &chain, &checked.facts);
        assert!(trusted.valid, "{}", trusted.message);
        // Without the CA's root the same chain is not trusted.
        let untrusted = check(&Trust::new(&[]), &chain, &checked.facts);
        assert!(!untrusted.valid);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("ca/ca.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_ca_made_with_allowed_names_is_limited_to_them_for_every_client() {
        let dir = tempfile::tempdir().unwrap();
        let allowed = AllowedNames(vec![
            crate::config::AllowedName::Suffix("lan".into()),
            crate::config::AllowedName::Net("10.0.0.0/8".parse().unwrap()),
        ]);
        let ca = InternalCa::load_or_create(dir.path(), 90, Some(&allowed)).unwrap();
        let limits = ca.limits().unwrap();
        assert!(limits.permit("portal.lan") && limits.permit("10.1.2.3"));
        assert!(!limits.permit("bank.example") && !limits.permit("192.168.1.1"));
        // Read back from the root on the next start, whatever the setting says then.
        let again = InternalCa::load_or_create(dir.path(), 90, None).unwrap();
        assert_eq!(again.limits(), Some(limits));
        // A client (webpki, as rustls and browsers check) trusts what is inside the limits and
        // refuses what is outside, even if the CA were made to sign it.
        let trust = Trust::new(&[ca.root_der().clone()]);
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        for (name, valid) in [
            ("portal.lan", true),
            ("10.9.9.9", true),
            ("bank.example", false),
            ("192.168.1.1", false),
        ] {
            let issued = ca.issue_for(&[name.into()]).unwrap();
            let facts =
                inspect::checked_pair(issued.chain_pem.as_bytes(), issued.key_pem.as_bytes(), now)
                    .unwrap()
                    .facts;
            let chain = inspect::chain_from_pem(issued.chain_pem.as_bytes()).unwrap();
            let checked = check(&trust, &chain, &facts);
            assert_eq!(checked.valid, valid, "{name}: {}", checked.message);
        }
    }
}
