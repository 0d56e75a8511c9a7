//! Does a chain lead to a root bosun trusts? Checked the way a TLS client would (webpki),
//! against the roots in `crate::trust`, in words the Certificates page shows.

use bosun_frontend::model::ChainCheck;
use rustls::CertificateError;
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};

use crate::certs::inspect::Facts;
use crate::trust::{SYSTEM_BUNDLE, Trust};

const SELF_SIGNED: &str = "self-signed: browsers warn unless it is imported as trusted";

/// Checks `chain` (leaf first) as a client connecting by the leaf's first name would.
pub fn check(trust: &Trust, chain: &[CertificateDer<'static>], leaf: &Facts) -> ChainCheck {
    let Some(verifier) = trust.verifier() else {
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
        let trusted = leaf.self_issued && trust.is_root(end_entity);
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
    let result = verifier.verify_server_cert(end_entity, &chain[1..], &name, &[], UnixTime::now());
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
            let facts = crate::certs::inspect::facts(&chain[0]).unwrap();
            let check = check(&Trust::new(&[]), &chain, &facts);
            assert!(!check.valid);
            assert!(
                check.message.contains("self-signed"),
                "ca={ca}: {}",
                check.message
            );
        }
    }
}
