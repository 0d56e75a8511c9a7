//! A software WebAuthn authenticator for the passkey tests: an ES256 key (ring), the CBOR
//! and authenticator data a real one sends (`fmt: none`, user verified), and the browser's
//! client data, built byte by byte as the WebAuthn spec lays them out. The server under test
//! checks them with webauthn-rs exactly as it checks a browser's.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const UP: u8 = 0x01;
const UV: u8 = 0x04;
const AT: u8 = 0x40;

/// One passkey on a software authenticator.
pub struct SoftPasskey {
    key: EcdsaKeyPair,
    pub credential_id: Vec<u8>,
    pub user_handle: Vec<u8>,
    pub rp_id: String,
    pub counter: u32,
}

fn cbor_head(major: u8, len: usize, out: &mut Vec<u8>) {
    let m = major << 5;
    match len {
        0..=23 => out.push(m | len as u8),
        24..=255 => out.extend([m | 24, len as u8]),
        _ => {
            out.push(m | 25);
            out.extend((len as u16).to_be_bytes());
        }
    }
}

fn cbor_bytes(b: &[u8], out: &mut Vec<u8>) {
    cbor_head(2, b.len(), out);
    out.extend(b);
}

fn cbor_text(t: &str, out: &mut Vec<u8>) {
    cbor_head(3, t.len(), out);
    out.extend(t.as_bytes());
}

/// The public key as COSE: EC2 (kty 2), ES256 (alg -7), P-256 (crv 1), x, y.
fn cose_key(uncompressed: &[u8]) -> Vec<u8> {
    let (x, y) = uncompressed[1..].split_at(32);
    let mut out = Vec::new();
    cbor_head(5, 5, &mut out);
    out.extend([0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21]);
    cbor_bytes(x, &mut out);
    out.push(0x22);
    cbor_bytes(y, &mut out);
    out
}

fn b64(v: &Value) -> Vec<u8> {
    B64.decode(v.as_str().expect("a base64url string"))
        .expect("base64url")
}

fn client_data(kind: &str, options: &Value, origin: &str) -> Vec<u8> {
    let challenge = options["publicKey"]["challenge"]
        .as_str()
        .expect("challenge");
    serde_json::to_vec(
        &json!({"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": false}),
    )
    .expect("client data")
}

impl SoftPasskey {
    /// Answers `navigator.credentials.create()` with the server's options, at `origin`.
    /// Returns the passkey and the browser's answer (as `toJSON()` gives it).
    pub fn create(options: &Value, origin: &str) -> (SoftPasskey, Value) {
        let rng = SystemRandom::new();
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).expect("key");
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
            .expect("key");
        let public = &options["publicKey"];
        let credential_id: Vec<u8> = (0..32).map(|_| rand::random::<u8>()).collect();
        let passkey = SoftPasskey {
            credential_id,
            user_handle: b64(&public["user"]["id"]),
            rp_id: public["rp"]["id"].as_str().expect("rp id").to_owned(),
            counter: 1,
            key,
        };
        let mut auth_data = passkey.auth_data(UP | UV | AT);
        auth_data.extend([0u8; 16]);
        auth_data.extend((passkey.credential_id.len() as u16).to_be_bytes());
        auth_data.extend(&passkey.credential_id);
        auth_data.extend(cose_key(passkey.key.public_key().as_ref()));
        let mut attestation = Vec::new();
        cbor_head(5, 3, &mut attestation);
        cbor_text("fmt", &mut attestation);
        cbor_text("none", &mut attestation);
        cbor_text("attStmt", &mut attestation);
        cbor_head(5, 0, &mut attestation);
        cbor_text("authData", &mut attestation);
        cbor_bytes(&auth_data, &mut attestation);
        let client_data = client_data("webauthn.create", options, origin);
        let id = B64.encode(&passkey.credential_id);
        let answer = json!({
            "id": id, "rawId": id, "type": "public-key",
            "response": {
                "clientDataJSON": B64.encode(client_data),
                "attestationObject": B64.encode(attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
        });
        (passkey, answer)
    }

    /// A passkey made earlier: its key (PKCS#8), credential id and user handle, at `rp_id`,
    /// with the signature counter it last sent.
    pub fn stored(
        pkcs8: &[u8],
        credential_id: &[u8],
        user_handle: &[u8],
        rp_id: &str,
        counter: u32,
    ) -> SoftPasskey {
        let key =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8, &SystemRandom::new())
                .expect("key");
        SoftPasskey {
            key,
            credential_id: credential_id.to_vec(),
            user_handle: user_handle.to_vec(),
            rp_id: rp_id.to_owned(),
            counter,
        }
    }

    fn auth_data(&self, flags: u8) -> Vec<u8> {
        let mut out = Sha256::digest(self.rp_id.as_bytes()).to_vec();
        out.push(flags);
        out.extend(self.counter.to_be_bytes());
        out
    }

    /// Answers `navigator.credentials.get()` with the server's options, at `origin`; the
    /// signature counter goes up by one.
    pub fn get(&mut self, options: &Value, origin: &str) -> Value {
        self.counter += 1;
        let auth_data = self.auth_data(UP | UV);
        let client_data = client_data("webauthn.get", options, origin);
        let mut signed = auth_data.clone();
        signed.extend(Sha256::digest(&client_data));
        let signature = self
            .key
            .sign(&SystemRandom::new(), &signed)
            .expect("signature");
        let id = B64.encode(&self.credential_id);
        json!({
            "id": id, "rawId": id, "type": "public-key",
            "response": {
                "clientDataJSON": B64.encode(client_data),
                "authenticatorData": B64.encode(auth_data),
                "signature": B64.encode(signature.as_ref()),
                "userHandle": B64.encode(&self.user_handle),
            },
            "clientExtensionResults": {},
        })
    }
}
