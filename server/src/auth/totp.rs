//! Time-based one-time codes (RFC 6238: SHA-1, 6 digits, 30 s, one step of clock skew either
//! way), their enrolment QR code, and recovery codes.

use bosun_frontend::model::TotpSetup;
use totp_rs::{Builder, Secret, Totp};

const ISSUER: &str = "bosun";
const RECOVERY_CODES: usize = 10;

fn totp(secret_base32: &str, account: &str) -> Result<Totp, String> {
    let secret = Secret::try_from_base32(secret_base32).map_err(|e| e.to_string())?;
    Builder::new()
        .with_secret(secret)
        .with_account_name(account.to_owned())
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| e.to_string())
}

/// A new random secret (160 bits), base32.
pub fn new_secret() -> String {
    let bytes: [u8; 20] = rand::random();
    Secret::from(bytes).to_base32()
}

/// What the user scans or types to enrol `account`.
pub fn setup(secret_base32: &str, account: &str) -> Result<TotpSetup, String> {
    let url = totp(secret_base32, account)?
        .to_url()
        .map_err(|e| e.to_string())?;
    let qr = qrcode::QrCode::new(url.as_bytes()).map_err(|e| e.to_string())?;
    let svg = qr
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Ok(TotpSetup {
        secret: secret_base32.to_owned(),
        otpauth_url: url,
        qr_svg: svg,
    })
}

/// The time step `code` belongs to (now, or one step either side), if it is right.
pub fn verify(secret_base32: &str, code: &str, unix_secs: u64) -> Option<i64> {
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let t = totp(secret_base32, "user").ok()?;
    t.check(code, unix_secs)
        .and_then(|step| i64::try_from(step).ok())
}

/// The code for a moment, for tests and the enrolment check.
pub fn code_at(secret_base32: &str, unix_secs: u64) -> Option<String> {
    Some(
        totp(secret_base32, "user")
            .ok()?
            .generate(unix_secs)
            .to_string(),
    )
}

/// Ten recovery codes like `k7qm-x2fa-9d`: 50 random bits each.
pub fn recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    (0..RECOVERY_CODES)
        .map(|_| {
            let raw: String = (0..10)
                .map(|_| char::from(ALPHABET[rand::random_range(0..ALPHABET.len())]))
                .collect();
            format!("{}-{}-{}", &raw[..4], &raw[4..8], &raw[8..])
        })
        .collect()
}

pub fn now_secs() -> u64 {
    u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_vector() {
        // RFC 6238 appendix B: the SHA-1 secret "12345678901234567890", T = 59 → 94287082
        // (8 digits); the 6-digit code is its last six.
        let secret = Secret::from(b"12345678901234567890".to_vec()).to_base32();
        assert_eq!(code_at(&secret, 59).as_deref(), Some("287082"));
        assert_eq!(verify(&secret, "287082", 59), Some(1));
        assert_eq!(code_at(&secret, 1_111_111_109).as_deref(), Some("081804"));
    }

    #[test]
    fn one_step_of_skew_and_no_more() {
        let secret = new_secret();
        let now = 1_800_000_000;
        let code = code_at(&secret, now).unwrap();
        assert!(verify(&secret, &code, now + 30).is_some());
        assert!(verify(&secret, &code, now - 30).is_some());
        assert!(verify(&secret, &code, now + 90).is_none());
        assert!(verify(&secret, "12345", now).is_none());
        assert!(verify(&secret, "abcdef", now).is_none());
    }

    #[test]
    fn setup_has_a_scannable_url_and_svg() {
        let s = setup(&new_secret(), "sam").unwrap();
        assert!(
            s.otpauth_url.starts_with("otpauth://totp/bosun:sam?"),
            "{}",
            s.otpauth_url
        );
        assert!(s.otpauth_url.contains(&format!("secret={}", s.secret)));
        assert!(s.qr_svg.contains("<svg"));
        let codes = recovery_codes();
        assert_eq!(codes.len(), 10);
        assert!(codes.iter().all(|c| c.len() == 12));
    }
}
