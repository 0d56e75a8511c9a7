//! The relying party for passkeys: webauthn-rs set up for the address the browser is at,
//! and what is kept in the session between the two requests of a ceremony.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bosun_frontend::error::AppError;
use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyAuthentication, PasskeyRegistration, Url, Webauthn,
    WebauthnBuilder,
};

/// How long a started ceremony may take: the browser's own prompt times out sooner.
pub const CEREMONY_MS: i64 = 5 * 60 * 1000;

/// Session key of a registration in progress.
pub const REGISTERING: &str = "passkey_registering";
/// Session key of a passkey sign-in in progress.
pub const SIGNING_IN: &str = "passkey_signing_in";

pub const BARE_IP: &str = "Passkeys need bosun to be opened at a host name: browsers refuse them at a bare IP address. Open bosun at its name (add one to your DNS or hosts file, e.g. https://bosun.lan:8443) and try again there.";

/// webauthn-rs for one origin (`https://host[:port]`), and its relying party id (the host).
pub struct RelyingParty {
    pub webauthn: Webauthn,
    pub rp_id: String,
}

impl RelyingParty {
    /// For the origin the browser is at. A bare IP address is refused with what to do.
    pub fn for_origin(origin: &str) -> Result<RelyingParty, AppError> {
        let unusable = || {
            AppError::bad_request(
                "passkey",
                "The address this page was opened at is not one a passkey can belong to. Open bosun at its host name (e.g. https://bosun.lan:8443) and try again there.",
            )
        };
        let url = Url::parse(origin).map_err(|_| unusable())?;
        let rp_id = match url.host() {
            Some(url::Host::Domain(name)) => name.to_owned(),
            Some(_) => return Err(AppError::bad_request("passkey", BARE_IP)),
            None => return Err(unusable()),
        };
        let webauthn = WebauthnBuilder::new(&rp_id, &url)
            .and_then(|b| b.rp_name("bosun").build())
            .map_err(|e| crate::error::internal("setting up passkeys", e))?;
        Ok(RelyingParty { webauthn, rp_id })
    }
}

/// A credential id as stored: base64url without padding.
pub fn credential_key(id: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(id)
}

/// A registration started for `user_id` at `rp_id`.
#[derive(Serialize, Deserialize)]
pub struct Registering {
    pub user_id: i64,
    pub user_handle: String,
    pub rp_id: String,
    pub at_ms: i64,
    pub state: PasskeyRegistration,
}

/// A passkey sign-in started at `rp_id`: passwordless (anyone's discoverable passkey), or the
/// second factor of the user waiting in the session.
#[derive(Serialize, Deserialize)]
pub struct SigningIn {
    pub rp_id: String,
    pub at_ms: i64,
    pub ceremony: Ceremony,
}

#[derive(Serialize, Deserialize)]
pub enum Ceremony {
    Passwordless(DiscoverableAuthentication),
    SecondFactor {
        user_id: i64,
        state: PasskeyAuthentication,
    },
}

/// What a user is told about a stored passkey record this bosun cannot read.
const UNREADABLE: &str = "bosun cannot read what it stored for this passkey (it may come from another version of bosun). Sign in with your password or another passkey, then revoke this one on the Account page and register it again.";

/// A stored passkey record back into webauthn-rs's type. One bosun cannot read (another
/// version's form, a damaged row) is a conflict the user can get past, not a server fault;
/// the log gets the cause.
pub fn parse_stored(json: &str) -> Result<Passkey, AppError> {
    serde_json::from_str(json).map_err(|e| {
        tracing::warn!(error = %e, "a stored passkey record cannot be read");
        AppError::conflict(UNREADABLE)
    })
}

/// What a browser sent, parsed at the edge: a malformed answer is the caller's error.
pub fn parse_answer<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, AppError> {
    serde_json::from_str(json).map_err(|_| {
        AppError::bad_request(
            "credential",
            "The browser's passkey answer is not in the expected form. Reload the page and try again.",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_relying_party_is_the_host_name_and_never_an_ip_address() {
        let rp = RelyingParty::for_origin("https://bosun.lan:8443").unwrap();
        assert_eq!(rp.rp_id, "bosun.lan");
        // A Host header that passes bosun's character check but is no URL (a port too
        // large): the browser's mistake, told as such, not a server error.
        let odd = RelyingParty::for_origin("https://bosun.lan:99999")
            .err()
            .unwrap();
        assert_eq!(odd.kind, bosun_frontend::error::ErrorKind::BadRequest);
        for bare in ["https://192.168.1.20:8443", "https://[::1]:8443"] {
            let e = RelyingParty::for_origin(bare).err().unwrap();
            assert_eq!(e.field.as_deref(), Some("passkey"));
            assert!(e.message.contains("host name"), "{}", e.message);
        }
    }

    #[test]
    fn a_registration_asks_for_a_user_verified_passkey_at_this_host() {
        let rp = RelyingParty::for_origin("https://localhost:9443").unwrap();
        let (options, _state) = rp
            .webauthn
            .start_passkey_registration(webauthn_rs::prelude::Uuid::new_v4(), "ann", "ann", None)
            .unwrap();
        let json = serde_json::to_value(&options).unwrap();
        assert_eq!(json["publicKey"]["rp"]["id"], "localhost");
        assert_eq!(
            json["publicKey"]["authenticatorSelection"]["userVerification"],
            "required"
        );
        assert!(parse_answer::<webauthn_rs::prelude::RegisterPublicKeyCredential>("{}").is_err());
    }
}
