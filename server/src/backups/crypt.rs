//! Encryption of backups with age (age-encryption.org/v1, the `age` crate): to one or more
//! public keys (recipients) when writing, so bosun never needs a private key to back up; and
//! with an identity (a private key) only when a backup is read in plain text, for a restore,
//! a verification or a decrypted download. An identity is held only as long as that one read,
//! is never written anywhere by bosun, and never printed (its `Debug` says so).

use std::io::{self, Read, Write};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

/// The file name suffix of an age file, as the `age` tool writes them.
pub const SUFFIX: &str = ".age";

/// Public keys a backup is encrypted to (`age1…`). Never empty.
#[derive(Clone)]
pub struct Recipients(Arc<Vec<age::x25519::Recipient>>);

impl std::fmt::Debug for Recipients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.debug_tuple("Recipients").field(&keys).finish()
    }
}

/// Lines of `age1…` keys, or keys separated by commas or spaces; `#` starts a comment, as in
/// age's recipients files.
impl FromStr for Recipients {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let mut keys = Vec::new();
        for word in s
            .lines()
            .map(|l| l.split('#').next().unwrap_or(""))
            .flat_map(|l| l.split([',', ' ', '\t']))
            .map(str::trim)
            .filter(|w| !w.is_empty())
        {
            let key = age::x25519::Recipient::from_str(word).map_err(|_| {
                let shown: String = word.chars().take(12).collect();
                format!(
                    "“{shown}…” is not an age public key: give keys that start with age1, as `age-keygen -y` prints them"
                )
            })?;
            keys.push(key);
        }
        if keys.is_empty() {
            return Err(
                "no age public key given: give one or more keys that start with age1".into(),
            );
        }
        Ok(Recipients(Arc::new(keys)))
    }
}

impl Recipients {
    pub fn keys(&self) -> Vec<String> {
        self.0.iter().map(ToString::to_string).collect()
    }

    /// Wraps `out`: what is written to the result reaches `out` encrypted. Call
    /// [`age::stream::StreamWriter::finish`] to end the file.
    pub fn encrypt<W: Write>(&self, out: W) -> io::Result<age::stream::StreamWriter<W>> {
        let encryptor =
            age::Encryptor::with_recipients(self.0.iter().map(|r| r as &dyn age::Recipient))
                .map_err(|e| io::Error::other(format!("could not start encrypting: {e}")))?;
        encryptor.wrap_output(out)
    }

    /// `bytes`, encrypted.
    pub fn encrypt_bytes(&self, bytes: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = self.encrypt(Vec::with_capacity(bytes.len() + 256))?;
        out.write_all(bytes)?;
        out.finish()
    }
}

/// Private keys (`AGE-SECRET-KEY-1…`) that may open a backup. Never shown.
#[derive(Clone)]
pub struct Identities(Arc<Vec<age::x25519::Identity>>);

impl std::fmt::Debug for Identities {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Identities(<secret>)")
    }
}

/// An identity file's text, as `age-keygen` writes it: comment lines, and one key a line.
/// The error never repeats what was given.
impl FromStr for Identities {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let mut keys = Vec::new();
        for line in s
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            let key = age::x25519::Identity::from_str(line).map_err(|_| {
                "that is not an age identity: give the private key as age-keygen writes it, a line that starts with AGE-SECRET-KEY-1".to_owned()
            })?;
            keys.push(key);
        }
        if keys.is_empty() {
            return Err("no age identity given: paste the private key, a line that starts with AGE-SECRET-KEY-1".into());
        }
        Ok(Identities(Arc::new(keys)))
    }
}

impl Identities {
    /// Reads an identity file (`BOSUN_BACKUP_AGE_IDENTITY_FILE`).
    pub fn from_file(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            format!(
                "could not read the age identity file {}: {e}",
                path.display()
            )
        })?;
        text.parse()
            .map_err(|e: String| format!("{}: {e}", path.display()))
    }

    /// Opens an age file: fails at once, before any of its content is read, when none of
    /// these keys is one it was encrypted to.
    pub fn decrypt<R: Read>(&self, input: R) -> io::Result<age::stream::StreamReader<R>> {
        let decryptor = age::Decryptor::new(input).map_err(|e| match e {
            // A file that ends before an age header does: not an age file.
            age::DecryptError::Io(e) if e.kind() != io::ErrorKind::UnexpectedEof => e,
            e => io::Error::new(
                io::ErrorKind::InvalidData,
                format!("the file is not an age file bosun can open ({e})"),
            ),
        })?;
        decryptor
            .decrypt(self.0.iter().map(|i| i as &dyn age::Identity))
            .map_err(|e| match e {
                age::DecryptError::NoMatchingKeys => io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    "the identity given does not open it: it was encrypted to other keys",
                ),
                age::DecryptError::Io(e) => e,
                e => io::Error::new(io::ErrorKind::InvalidData, e.to_string()),
            })
    }
}

/// Writes `src` decrypted with `key` into `dst` (created; never an existing file), durable.
/// A wrong key fails before anything is written; on failure `dst` is removed.
pub fn open_file(src: &Path, dst: &Path, key: &Identities) -> io::Result<u64> {
    let mut plain = key.decrypt(io::BufReader::new(std::fs::File::open(src)?))?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(dst)?;
    let result = io::copy(&mut plain, &mut file).and_then(|n| file.sync_all().map(|()| n));
    if result.is_err() {
        let _ = std::fs::remove_file(dst);
    }
    result
}

/// Whether a backup file (by its name, which bosun made) is encrypted.
pub fn is_encrypted(file_name: &str) -> bool {
    file_name.ends_with(SUFFIX)
}

/// The key material bosun was configured with.
#[derive(Clone, Debug, Default)]
pub struct Keys {
    /// Off-site copies (and local files, with `local`) are encrypted to these.
    pub recipients: Option<Recipients>,
    /// Local backup files are encrypted too.
    pub local: bool,
    /// Where an identity for restores and verifications is kept, if anywhere.
    pub identity_file: Option<std::path::PathBuf>,
}

impl Keys {
    /// The recipients new local files are encrypted to, if local encryption is on.
    pub fn for_local(&self) -> Option<&Recipients> {
        self.recipients.as_ref().filter(|_| self.local)
    }

    /// The identity to read encrypted backups with: the one given (pasted), else the file's.
    pub fn identity(&self, given: Option<&Identities>) -> Result<Identities, String> {
        if let Some(i) = given {
            return Ok(i.clone());
        }
        match &self.identity_file {
            Some(path) => Identities::from_file(path),
            None => Err("the backup is encrypted and bosun holds no identity for it: paste the age identity (AGE-SECRET-KEY-1…), or set BOSUN_BACKUP_AGE_IDENTITY_FILE".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> (Recipients, Identities) {
        let id = age::x25519::Identity::generate();
        let recipient = id.to_public().to_string();
        let secret = {
            use age::secrecy::ExposeSecret;
            id.to_string().expose_secret().to_owned()
        };
        (
            recipient.parse().expect("recipient"),
            format!("# created: now\n{secret}\n")
                .parse()
                .expect("identity"),
        )
    }

    #[test]
    fn what_is_encrypted_opens_with_its_identity_and_not_with_another() {
        let (to, key) = pair();
        let (_, other) = pair();
        let plain = b"COPY public.t (a) FROM stdin;\n1\n\\.\n".repeat(5000);
        let sealed = to.encrypt_bytes(&plain).expect("encrypt");
        assert!(sealed.starts_with(b"age-encryption.org/v1\n"));
        assert!(!sealed.windows(4).any(|w| w == b"COPY"));
        let mut back = Vec::new();
        key.decrypt(&sealed[..])
            .expect("open")
            .read_to_end(&mut back)
            .expect("read");
        assert_eq!(back, plain);
        let refused = other.decrypt(&sealed[..]).err().expect("refused");
        assert_eq!(refused.kind(), io::ErrorKind::PermissionDenied);
    }

    #[test]
    fn a_file_for_two_recipients_opens_with_either() {
        let (a, key_a) = pair();
        let (b, key_b) = pair();
        let both: Recipients = format!("{}\n# the second\n{}", a.keys()[0], b.keys()[0])
            .parse()
            .expect("two");
        let sealed = both.encrypt_bytes(b"x").expect("encrypt");
        for key in [key_a, key_b] {
            let mut back = Vec::new();
            key.decrypt(&sealed[..])
                .expect("open")
                .read_to_end(&mut back)
                .expect("read");
            assert_eq!(back, b"x");
        }
    }

    #[test]
    fn bad_keys_are_refused_without_repeating_a_secret() {
        assert!("".parse::<Recipients>().is_err());
        let err = "age1notakey".parse::<Recipients>().expect_err("bad");
        assert!(err.contains("age1"), "{err}");
        let err = "AGE-SECRET-KEY-1QQQQ-not-really"
            .parse::<Identities>()
            .expect_err("bad");
        assert!(!err.contains("QQQQ"), "{err}");
        assert!("# only a comment\n".parse::<Identities>().is_err());
        let (_, key) = pair();
        assert_eq!(format!("{key:?}"), "Identities(<secret>)");
    }

    #[test]
    fn a_plain_file_is_not_taken_for_an_age_file() {
        let (_, key) = pair();
        for plain in [&b"\x1f\x8b\x08\x00 gzip"[..], &[b'-'; 100_000][..]] {
            let err = key.decrypt(plain).err().expect("not age");
            assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        }
    }
}
