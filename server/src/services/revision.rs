//! A digest of the overview a client already has, so a live stream that would begin by
//! repeating it does not. The Services page has the overview from its own render; its events
//! stream then starts with the next change instead of sending the same picture again (about
//! 4 MB of JSON at 10,000 containers). Each frame's SSE id is its digest too, so a browser
//! that reconnects after a drop (`Last-Event-ID`) gets nothing it already shows.

use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The first 16 hex digits of the SHA-256 of the overview's JSON (without its `revision`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Revision(String);

impl Revision {
    /// The digest of a frame's JSON, as the stream sends it.
    pub fn of(json: &[u8]) -> Revision {
        Revision::from_hash(Sha256::digest(json).as_slice())
    }

    /// The digest of `value` serialised as the stream serialises it, without keeping the text.
    pub fn of_value<T: serde::Serialize>(value: &T) -> Result<Revision, serde_json::Error> {
        let mut hashing = Hashing(Sha256::new());
        serde_json::to_writer(&mut hashing, value)?;
        Ok(Revision::from_hash(hashing.0.finalize().as_slice()))
    }

    fn from_hash(hash: &[u8]) -> Revision {
        Revision(hex::encode(&hash[..8]))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl TryFrom<String> for Revision {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        let t = s.trim();
        if t.len() == 16 && t.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(Revision(t.to_owned()))
        } else {
            Err(format!(
                "“{}” is not a revision: give the 16 lower-case hex digits of an overview's `revision`, or leave it out to get the whole overview first",
                t.chars().take(40).collect::<String>()
            ))
        }
    }
}

/// Feeds serde_json's output straight into the hash.
struct Hashing(Sha256);

impl std::io::Write for Hashing {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_of_a_value_is_the_digest_of_its_json() {
        let value = serde_json::json!({"projects": [], "other": [{"name": "a"}]});
        let text = serde_json::to_string(&value).unwrap();
        let of_value = Revision::of_value(&value).unwrap();
        assert_eq!(of_value, Revision::of(text.as_bytes()));
        assert_eq!(of_value.as_str().len(), 16);
        assert_ne!(of_value, Revision::of(b"{}"));
    }

    #[test]
    fn only_sixteen_hex_digits_are_a_revision() {
        let good = Revision::of(b"x").into_string();
        assert_eq!(Revision::try_from(good.clone()).unwrap().as_str(), good);
        for bad in [
            "",
            "abc",
            "ABCDEF0123456789",
            "0123456789abcdeg",
            "0123456789abcdef0",
        ] {
            let e = Revision::try_from(bad.to_owned()).unwrap_err();
            assert!(e.contains("16 lower-case hex digits"), "{bad}: {e}");
        }
    }
}
