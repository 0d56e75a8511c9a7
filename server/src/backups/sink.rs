//! Where a dump goes: compressed, encrypted to age public keys when local encryption is on,
//! and hashed on its way into `NAME.partial` (the disk's free space watched as it grows),
//! fsynced, and only then renamed to its final name. Any failure removes the partial file, so
//! the backup directory never holds a half-written backup under a good name.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use bosun_frontend::model::Compression;
use sha2::{Digest, Sha256};

use super::crypt::Recipients;
use super::space::Watch;

/// Counts and hashes what reaches the file, and stops when the disk runs low.
struct Hashing {
    file: File,
    hash: Sha256,
    written: u64,
    watch: Watch,
}

impl Write for Hashing {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.watch.before_write(buf.len())?;
        let n = self.file.write(buf)?;
        self.hash.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// The compressed stream, as it is (or encrypted) on its way to the file.
enum Out {
    Plain(Hashing),
    Sealed(Box<age::stream::StreamWriter<Hashing>>),
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Out::Plain(h) => h.write(buf),
            Out::Sealed(w) => w.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Out::Plain(h) => h.flush(),
            Out::Sealed(w) => w.flush(),
        }
    }
}

impl Out {
    fn finish(self) -> io::Result<Hashing> {
        match self {
            Out::Plain(h) => Ok(h),
            Out::Sealed(w) => w.finish(),
        }
    }
}

enum Encoder {
    Gzip(flate2::write::GzEncoder<Out>),
    Zstd(zstd::stream::write::Encoder<'static, Out>),
}

/// A backup file being written.
pub struct Sink {
    encoder: Option<Encoder>,
    partial: PathBuf,
    published: bool,
}

/// A finished, durable file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub file_bytes: u64,
    pub sha256: String,
}

pub fn partial_path(final_path: &Path) -> PathBuf {
    let mut name = final_path.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

impl Sink {
    /// Creates `final_path.partial` (refusing to overwrite anything); `watch` stops the
    /// writing when the disk runs low. With `sealed`, the file is encrypted to those keys.
    pub fn create(
        final_path: &Path,
        compression: Compression,
        sealed: Option<&Recipients>,
        watch: Watch,
    ) -> io::Result<Self> {
        let partial = partial_path(final_path);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&partial)?;
        let inner = Hashing {
            file,
            hash: Sha256::new(),
            written: 0,
            watch,
        };
        let inner = match sealed {
            None => Out::Plain(inner),
            Some(keys) => match keys.encrypt(inner) {
                Ok(w) => Out::Sealed(Box::new(w)),
                Err(e) => {
                    let _ = std::fs::remove_file(&partial);
                    return Err(e);
                }
            },
        };
        let encoder = match compression {
            // Level 6, as gzip(1) uses by default.
            Compression::Gzip => Encoder::Gzip(flate2::write::GzEncoder::new(
                inner,
                flate2::Compression::default(),
            )),
            Compression::Zstd => match zstd::stream::write::Encoder::new(inner, 3) {
                Ok(e) => Encoder::Zstd(e),
                Err(e) => {
                    let _ = std::fs::remove_file(&partial);
                    return Err(e);
                }
            },
        };
        Ok(Sink {
            encoder: Some(encoder),
            partial,
            published: false,
        })
    }

    pub fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        match &mut self.encoder {
            Some(Encoder::Gzip(e)) => e.write_all(chunk),
            Some(Encoder::Zstd(e)) => e.write_all(chunk),
            None => Err(io::Error::other("the backup file is already closed")),
        }
    }

    /// Ends compression and makes the partial file durable. It keeps its `.partial` name
    /// until [`Sink::publish`]; dropping the sink before that removes it.
    pub fn finish(&mut self) -> io::Result<Written> {
        let inner = match self.encoder.take() {
            Some(Encoder::Gzip(e)) => e.finish()?,
            Some(Encoder::Zstd(e)) => e.finish()?,
            None => return Err(io::Error::other("the backup file is already closed")),
        }
        .finish()?;
        inner.file.sync_all()?;
        Ok(Written {
            file_bytes: inner.written,
            sha256: hex::encode(inner.hash.finalize()),
        })
    }

    /// Renames the finished partial file to `final_path` and makes the rename durable.
    pub fn publish(mut self, final_path: &Path) -> io::Result<()> {
        std::fs::rename(&self.partial, final_path)?;
        // Renamed: nothing left to clean up, even if the directory sync below fails.
        self.published = true;
        if let Some(dir) = final_path.parent() {
            File::open(dir)?.sync_all()?;
        }
        Ok(())
    }
}

/// Writes `src` encrypted to `to` into `dst` (created; never an existing file) and makes it
/// durable, hashed on the way like a backup file, and stopped like one when the disk runs
/// low (`watch`). On failure `dst` is removed.
pub fn seal_file(src: &Path, dst: &Path, to: &Recipients, watch: Watch) -> io::Result<Written> {
    let file = OpenOptions::new().write(true).create_new(true).open(dst)?;
    let result = (|| {
        let mut sealed = to.encrypt(Hashing {
            file,
            hash: Sha256::new(),
            written: 0,
            watch,
        })?;
        io::copy(&mut File::open(src)?, &mut sealed)?;
        let out = sealed.finish()?;
        out.file.sync_all()?;
        Ok(Written {
            file_bytes: out.written,
            sha256: hex::encode(out.hash.finalize()),
        })
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(dst);
    }
    result
}

/// A tar (file backups) is written straight into the sink.
impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Sink::write(self, buf)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.encoder = None;
        if !self.published {
            let _ = std::fs::remove_file(&self.partial);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn off(dir: &Path) -> Watch {
        Watch::new(dir.to_owned(), 0)
    }

    #[test]
    fn a_published_file_decompresses_to_the_input_and_matches_its_hash() {
        let dir = tempfile::tempdir().expect("tempdir");
        for compression in [Compression::Gzip, Compression::Zstd] {
            let path = dir
                .path()
                .join(format!("b.sql.{}", compression.extension()));
            let mut sink = Sink::create(&path, compression, None, off(dir.path())).expect("create");
            assert!(partial_path(&path).exists());
            sink.write(b"-- dump\nSELECT 1;\n").expect("write");
            let written = sink.finish().expect("finish");
            sink.publish(&path).expect("publish");
            assert!(!partial_path(&path).exists());
            let bytes = std::fs::read(&path).expect("read");
            assert_eq!(written.file_bytes, bytes.len() as u64);
            assert_eq!(written.sha256, hex::encode(Sha256::digest(&bytes)));
            let mut plain = String::new();
            match compression {
                Compression::Gzip => {
                    flate2::read::GzDecoder::new(&bytes[..])
                        .read_to_string(&mut plain)
                        .expect("gunzip");
                }
                Compression::Zstd => {
                    zstd::stream::read::Decoder::new(&bytes[..])
                        .expect("zstd")
                        .read_to_string(&mut plain)
                        .expect("unzstd");
                }
            }
            assert_eq!(plain, "-- dump\nSELECT 1;\n");
        }
    }

    #[test]
    fn a_sealed_file_is_age_over_the_compressed_dump_and_its_hash_is_the_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let id = age::x25519::Identity::generate();
        let to: Recipients = id.to_public().to_string().parse().expect("recipient");
        let key: super::super::crypt::Identities = {
            use age::secrecy::ExposeSecret;
            id.to_string().expose_secret().parse().expect("identity")
        };
        let path = dir.path().join("b.sql.gz.age");
        let mut sink =
            Sink::create(&path, Compression::Gzip, Some(&to), off(dir.path())).expect("create");
        sink.write(b"-- dump\nCOPY t FROM stdin;\n").expect("write");
        let written = sink.finish().expect("finish");
        sink.publish(&path).expect("publish");
        let bytes = std::fs::read(&path).expect("read");
        assert!(bytes.starts_with(b"age-encryption.org/v1\n"));
        assert_eq!(written.file_bytes, bytes.len() as u64);
        assert_eq!(written.sha256, hex::encode(Sha256::digest(&bytes)));
        let mut plain = String::new();
        flate2::read::GzDecoder::new(key.decrypt(&bytes[..]).expect("open"))
            .read_to_string(&mut plain)
            .expect("gunzip");
        assert_eq!(plain, "-- dump\nCOPY t FROM stdin;\n");
    }

    #[test]
    fn a_sealed_file_opens_back_to_the_same_bytes_and_its_hash_is_the_sealed_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let id = age::x25519::Identity::generate();
        let to: Recipients = id.to_public().to_string().parse().expect("recipient");
        let key: super::super::crypt::Identities = {
            use age::secrecy::ExposeSecret;
            id.to_string().expose_secret().parse().expect("identity")
        };
        let (src, sealed, back) = (
            dir.path().join("a"),
            dir.path().join("a.age"),
            dir.path().join("b"),
        );
        std::fs::write(&src, vec![42u8; 300_000]).expect("write");
        let Written {
            file_bytes: size,
            sha256: sha,
        } = seal_file(&src, &sealed, &to, off(dir.path())).expect("seal");
        let bytes = std::fs::read(&sealed).expect("read");
        assert_eq!(size, bytes.len() as u64);
        assert_eq!(sha, hex::encode(Sha256::digest(&bytes)));
        // Never over an existing file.
        assert!(seal_file(&src, &sealed, &to, off(dir.path())).is_err());
        assert_eq!(std::fs::read(&sealed).expect("read"), bytes);
        let other: super::super::crypt::Identities = {
            use age::secrecy::ExposeSecret;
            age::x25519::Identity::generate()
                .to_string()
                .expose_secret()
                .parse()
                .expect("identity")
        };
        assert!(super::super::crypt::open_file(&sealed, &back, &other).is_err());
        assert!(!back.exists());
        super::super::crypt::open_file(&sealed, &back, &key).expect("open");
        assert_eq!(std::fs::read(&back).expect("read"), vec![42u8; 300_000]);
    }

    #[test]
    fn an_abandoned_sink_leaves_nothing_behind() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("b.sql.gz");
        let mut sink =
            Sink::create(&path, Compression::Gzip, None, off(dir.path())).expect("create");
        sink.write(&[7u8; 100_000]).expect("write");
        drop(sink);
        assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 0);
        // Finished but never published: still removed.
        let mut sink =
            Sink::create(&path, Compression::Gzip, None, off(dir.path())).expect("create");
        sink.finish().expect("finish");
        drop(sink);
        assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 0);
    }

    #[test]
    fn a_disk_below_the_minimum_stops_the_file_and_leaves_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("b.sql.zst");
        // A minimum no disk meets.
        let watch = Watch::new(dir.path().to_owned(), u64::MAX / (1024 * 1024));
        let mut sink = Sink::create(&path, Compression::Zstd, None, watch).expect("create");
        // xorshift: bytes no compressor can shrink.
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let noise: Vec<u8> = (0..4 * 1024 * 1024)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x.to_le_bytes()[0]
            })
            .collect();
        let err = noise
            .chunks(64 * 1024)
            .map(|c| sink.write(c))
            .find_map(Result::err)
            .or_else(|| sink.finish().err())
            .expect("stopped for space");
        assert!(super::super::space::low_space(&err).is_some(), "{err}");
        drop(sink);
        assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 0);
    }

    #[test]
    fn an_existing_partial_file_is_not_overwritten() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("b.sql.gz");
        std::fs::write(partial_path(&path), b"someone else's").expect("write");
        assert!(Sink::create(&path, Compression::Gzip, None, off(dir.path())).is_err());
        assert_eq!(
            std::fs::read(partial_path(&path)).expect("read"),
            b"someone else's"
        );
    }
}
