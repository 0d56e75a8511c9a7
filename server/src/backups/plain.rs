//! Reading a backup file back as the dump it holds: decrypted (when it is an age file, with
//! the identity given for this one read) and decompressed. Every reader of a backup's content
//! (restore, verification, decrypted download) opens it here.

use std::io::{self, BufReader, Read};
use std::path::PathBuf;

use bosun_frontend::model::Compression;

use super::crypt::{Identities, is_encrypted};

/// A backup file, and what it takes to read it.
#[derive(Clone, Debug)]
pub struct Source {
    pub path: PathBuf,
    pub compression: Compression,
    /// Present exactly when the file is encrypted.
    key: Option<Identities>,
}

impl Source {
    /// A plain (unencrypted) file.
    pub fn plain(path: PathBuf, compression: Compression) -> Self {
        Source {
            path,
            compression,
            key: None,
        }
    }

    /// The file `path` of a backup named `file_name`: encrypted files need `key`.
    pub fn of(
        path: PathBuf,
        file_name: &str,
        compression: Compression,
        key: impl FnOnce() -> Result<Identities, String>,
    ) -> Result<Self, String> {
        let key = if is_encrypted(file_name) {
            Some(key()?)
        } else {
            None
        };
        Ok(Source {
            path,
            compression,
            key,
        })
    }

    /// The compressed bytes, decrypted when the file is encrypted. A wrong identity fails
    /// here, before anything of the content is read.
    pub fn open_compressed(&self) -> io::Result<Box<dyn Read + Send>> {
        let file = BufReader::with_capacity(256 * 1024, std::fs::File::open(&self.path)?);
        Ok(match &self.key {
            Some(key) => Box::new(key.decrypt(file)?),
            None => Box::new(file),
        })
    }

    /// The dump itself.
    pub fn open(&self) -> io::Result<Box<dyn Read + Send>> {
        let compressed = self.open_compressed()?;
        Ok(match self.compression {
            Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(compressed)),
            Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(compressed)?),
        })
    }

    /// Checks in the blocking pool that the file opens (the identity fits), reading nothing
    /// of its content.
    pub async fn check(&self) -> Result<(), String> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.open_compressed().map(drop))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())
    }
}

/// Reads `reader` (or sends its opening error) in chunks into `tx`, in the calling thread:
/// run it in the blocking pool. Stops when `tx`'s receiver is gone; a read error is sent
/// last, so the receiver sees a broken stream, never a complete-looking one.
pub fn pump(
    reader: io::Result<Box<dyn Read + Send>>,
    tx: &tokio::sync::mpsc::Sender<io::Result<bytes::Bytes>>,
) {
    let mut reader = match reader {
        Ok(r) => r,
        Err(e) => {
            let _ = tx.blocking_send(Err(e));
            return;
        }
    };
    loop {
        let mut buf = vec![0u8; 256 * 1024];
        let sent = match reader.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => {
                buf.truncate(n);
                tx.blocking_send(Ok(bytes::Bytes::from(buf)))
            }
            Err(e) => {
                let _ = tx.blocking_send(Err(e));
                return;
            }
        };
        if sent.is_err() {
            return;
        }
    }
}

/// The SHA-256 of a file, read in the blocking pool.
pub async fn sha256_of(path: std::path::PathBuf) -> Result<String, String> {
    tokio::task::spawn_blocking(move || {
        let mut file = std::fs::File::open(&path).map_err(|e| e.to_string())?;
        use sha2::Digest;
        let mut hash = sha2::Sha256::new();
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = file.read(&mut buf).map_err(|e| e.to_string())?;
            if n == 0 {
                break;
            }
            hash.update(&buf[..n]);
        }
        Ok(hex::encode(hash.finalize()))
    })
    .await
    .map_err(|e| e.to_string())?
}
