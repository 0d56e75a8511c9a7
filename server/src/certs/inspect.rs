//! Reading certificates and keys: PEM parsing with clear messages, the facts the page shows,
//! and whether a key belongs to a certificate.

use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// What bosun reads off one certificate.
#[derive(Clone, Debug, PartialEq)]
pub struct Facts {
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    /// DNS names and IP addresses, as written in the certificate.
    pub sans: Vec<String>,
    pub key_type: String,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    pub is_ca: bool,
    /// Issuer and subject are the same name.
    pub self_issued: bool,
}

impl Facts {
    /// The first name a client would connect by: a SAN, else the subject's CN.
    pub fn first_name(&self) -> Option<&str> {
        self.sans.first().map(String::as_str)
    }

    /// A certificate for a server, not a CA's. `openssl req -x509` marks hand-made server
    /// certificates `CA:TRUE`; a self-signed one that names hosts counts as a server's.
    pub fn is_server(&self) -> bool {
        !self.is_ca || (self.self_issued && !self.sans.is_empty())
    }

    /// How much of the lifetime has passed at `now` (0 before, above 1 once expired).
    pub fn used(&self, now: i64) -> f64 {
        let life = (self.not_after - self.not_before).max(1) as f64;
        ((now - self.not_before) as f64 / life).max(0.0)
    }

    /// When `share` (0..1) of the lifetime has passed, in seconds since the epoch.
    pub fn renewal_point(&self, share: f64) -> i64 {
        self.not_before + ((self.not_after - self.not_before) as f64 * share).round() as i64
    }
}

pub fn facts(der: &CertificateDer<'_>) -> Result<Facts, String> {
    use x509_parser::prelude::*;
    use x509_parser::public_key::PublicKey;
    let (_, cert) = X509Certificate::from_der(der.as_ref())
        .map_err(|e| format!("the certificate could not be parsed ({e})"))?;
    let mut sans = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                GeneralName::DNSName(d) => sans.push((*d).to_owned()),
                GeneralName::IPAddress(ip) => {
                    if let Ok(v4) = <[u8; 4]>::try_from(*ip) {
                        sans.push(std::net::IpAddr::from(v4).to_string());
                    } else if let Ok(v6) = <[u8; 16]>::try_from(*ip) {
                        sans.push(std::net::IpAddr::from(v6).to_string());
                    }
                }
                _ => {}
            }
        }
    }
    let spki = cert.public_key();
    let key_type = match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => format!("RSA {}", rsa.key_size()),
        Ok(PublicKey::EC(ec)) => match ec.key_size() {
            256 => "ECDSA P-256".to_owned(),
            384 => "ECDSA P-384".to_owned(),
            521 => "ECDSA P-521".to_owned(),
            n => format!("ECDSA {n}"),
        },
        _ => match spki.algorithm.algorithm.to_id_string().as_str() {
            "1.3.101.112" => "Ed25519".to_owned(),
            "1.3.101.113" => "Ed448".to_owned(),
            other => format!("other ({other})"),
        },
    };
    Ok(Facts {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        serial: cert.raw_serial_as_string(),
        sans,
        key_type,
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
        is_ca: cert.is_ca(),
        self_issued: cert.subject().as_raw() == cert.issuer().as_raw(),
    })
}

/// The certificates in a PEM text, leaf first. Garbage, or PEM without a certificate, is an
/// error that says what was expected.
pub fn chain_from_pem(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("the certificate PEM is damaged ({e})"))?;
    if chain.is_empty() {
        return Err(
            "no certificate found: paste the PEM text that starts with -----BEGIN CERTIFICATE-----"
                .into(),
        );
    }
    for (i, c) in chain.iter().enumerate() {
        facts(c).map_err(|e| format!("certificate {} of the chain is damaged: {e}", i + 1))?;
    }
    Ok(chain)
}

/// The private key in a PEM text (PKCS#8, PKCS#1 or SEC1).
pub fn key_from_pem(pem: &[u8]) -> Result<PrivateKeyDer<'static>, String> {
    PrivateKeyDer::from_pem_slice(pem).map_err(|e| match e {
        rustls_pki_types::pem::Error::NoItemsFound => "no private key found: paste the PEM text that starts with -----BEGIN PRIVATE KEY----- (or RSA/EC PRIVATE KEY)".to_owned(),
        other => format!("the private key PEM is damaged ({other})"),
    })
}

/// Does `pem` hold a private key? (Without parsing one: a cheap test for scanning.)
pub fn has_key(pem: &[u8]) -> bool {
    pem.windows(11).any(|w| w == b"PRIVATE KEY")
}

pub fn has_certificate(pem: &[u8]) -> bool {
    pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----")
}

/// A certificate chain and its key as rustls uses them; errors say which part is wrong.
pub fn certified_key(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<CertifiedKey, String> {
    let signing = crate::tls::provider()
        .key_provider
        .load_private_key(key)
        .map_err(|e| format!("the private key cannot be used ({e})"))?;
    let ck = CertifiedKey::new(chain, signing);
    ck.keys_match()
        .map_err(|_| "the private key does not belong to this certificate: pick the key file made together with it".to_owned())?;
    Ok(ck)
}

/// True when `key` belongs to `leaf`.
pub fn key_matches(leaf: &CertificateDer<'static>, key: PrivateKeyDer<'static>) -> bool {
    certified_key(vec![leaf.clone()], key).is_ok()
}

/// Refuses what must never be put in place: an expired or not yet valid leaf.
pub fn check_valid_now(f: &Facts, now: i64) -> Result<(), String> {
    if now < f.not_before {
        return Err(format!(
            "the certificate is not valid yet: it is valid only from {}. Check the clock of the machine that made it, or wait.",
            crate::store::rfc3339(f.not_before * 1000)
        ));
    }
    if now >= f.not_after {
        return Err(format!(
            "the certificate expired on {}: get a new one.",
            crate::store::rfc3339(f.not_after * 1000)
        ));
    }
    Ok(())
}

/// Parses and checks an uploaded or issued certificate + key, all in one place.
pub fn checked_pair(cert_pem: &[u8], key_pem: &[u8], now: i64) -> Result<Checked, String> {
    let chain = chain_from_pem(cert_pem)?;
    let key = key_from_pem(key_pem)?;
    let leaf = facts(&chain[0])?;
    let ck = certified_key(chain, key)?;
    check_valid_now(&leaf, now)?;
    Ok(Checked {
        key: ck,
        facts: leaf,
    })
}

/// A certificate and key that belong together and are valid now.
pub struct Checked {
    pub key: CertifiedKey,
    pub facts: Facts,
}

/// SHA-256 of DER, hex and colon-separated (as browsers show fingerprints).
pub fn fingerprint(der: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{CertificateParams, KeyPair};

    fn make(days_from: i64, days_to: i64) -> (String, String) {
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(vec!["a.lan".into(), "10.0.0.1".into()]).unwrap();
        let now = time::OffsetDateTime::now_utc();
        p.not_before = now + time::Duration::days(days_from);
        p.not_after = now + time::Duration::days(days_to);
        let cert = p.self_signed(&key).unwrap();
        (cert.pem(), key.serialize_pem())
    }

    fn now() -> i64 {
        time::OffsetDateTime::now_utc().unix_timestamp()
    }

    #[test]
    fn facts_of_a_fresh_certificate() {
        let (cert, _) = make(-1, 89);
        let chain = chain_from_pem(cert.as_bytes()).unwrap();
        let f = facts(&chain[0]).unwrap();
        assert_eq!(f.sans, vec!["a.lan".to_owned(), "10.0.0.1".to_owned()]);
        assert_eq!(f.key_type, "ECDSA P-256");
        assert!(f.self_issued);
        assert!(!f.serial.is_empty());
        let used = f.used(now());
        assert!((0.0..0.05).contains(&used), "{used}");
        // A 90-day certificate is renewed after exactly 60 days with the default of 2/3.
        let day = 86_400;
        assert_eq!(f.renewal_point(2.0 / 3.0), f.not_before + 60 * day);
        assert_eq!(f.renewal_point(0.5), f.not_before + 45 * day);
    }

    #[test]
    fn every_bad_upload_gets_its_own_message() {
        let (good_cert, good_key) = make(-1, 30);
        let (_, other_key) = make(-1, 30);
        let (expired, expired_key) = make(-30, -1);
        let (future, future_key) = make(2, 30);
        let err = |c: &str, k: &str| {
            checked_pair(c.as_bytes(), k.as_bytes(), now())
                .err()
                .unwrap()
        };
        assert!(err(&good_cert, &other_key).contains("does not belong"));
        assert!(err(&expired, &expired_key).contains("expired on"));
        assert!(err(&future, &future_key).contains("not valid yet"));
        assert!(err("garbage", &good_key).contains("no certificate found"));
        assert!(err(&good_cert, "garbage").contains("no private key found"));
        let damaged = good_cert.replace("MII", "!!!");
        assert!(
            err(&damaged, &good_key).contains("damaged")
                || err(&damaged, &good_key).contains("parsed")
        );
        assert!(checked_pair(good_cert.as_bytes(), good_key.as_bytes(), now()).is_ok());
    }

    #[test]
    fn scanning_helpers_tell_keys_from_certificates() {
        let (cert, key) = make(-1, 30);
        assert!(has_certificate(cert.as_bytes()) && !has_key(cert.as_bytes()));
        assert!(has_key(key.as_bytes()) && !has_certificate(key.as_bytes()));
        let chain = chain_from_pem(cert.as_bytes()).unwrap();
        assert!(key_matches(
            &chain[0],
            key_from_pem(key.as_bytes()).unwrap()
        ));
        assert_eq!(fingerprint(b"x").len(), 32 * 3 - 1);
    }
}
