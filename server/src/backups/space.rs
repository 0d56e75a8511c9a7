//! Free space on the backup directory's disk while a dump is written: looked at after every
//! MiB that reaches the file, so a dump that would fill the disk (by default the one holding
//! the data dir) is stopped while about the configured minimum is still free.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Bytes written between two looks at the free space.
pub const CHECK_EVERY: u64 = 1024 * 1024;
const MB: u64 = 1024 * 1024;

/// Watches the free space of one directory's disk.
#[derive(Clone, Debug)]
pub struct Watch {
    dir: PathBuf,
    min_free_mb: u64,
    since: u64,
}

/// A dump stopped because the disk ran low.
#[derive(Debug)]
pub struct LowSpace {
    pub min_free_mb: u64,
}

impl fmt::Display for LowSpace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the backup directory's disk has less than {} MB free (--backup-min-free-mb / BOSUN_BACKUP_MIN_FREE_MB), so the dump was stopped before it could fill the disk; free space or move BOSUN_BACKUP_DIR to a bigger disk, then back up again",
            self.min_free_mb
        )
    }
}

impl std::error::Error for LowSpace {}

/// The [`LowSpace`] inside a write error, if that is what stopped it.
pub fn low_space(e: &io::Error) -> Option<&LowSpace> {
    e.get_ref()?.downcast_ref()
}

impl Watch {
    /// A minimum of 0 watches nothing (a full disk then fails the write itself).
    pub fn new(dir: PathBuf, min_free_mb: u64) -> Self {
        Watch {
            dir,
            min_free_mb,
            since: 0,
        }
    }

    /// Called before `n` more bytes are written: looks at the disk once a MiB has gone by
    /// since the last look, and refuses when less than the minimum is free.
    pub fn before_write(&mut self, n: usize) -> io::Result<()> {
        if self.min_free_mb == 0 {
            return Ok(());
        }
        if self.since >= CHECK_EVERY {
            self.since = 0;
            let free = fs4::available_space(&self.dir)?;
            if free < self.min_free_mb.saturating_mul(MB) {
                return Err(io::Error::other(LowSpace {
                    min_free_mb: self.min_free_mb,
                }));
            }
        }
        self.since += n as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_disk_below_the_minimum_stops_the_write_after_a_mib_at_most() {
        let dir = tempfile::tempdir().expect("tempdir");
        // More than any disk has.
        let mut w = Watch::new(dir.path().to_owned(), u64::MAX / MB);
        let mut written = 0u64;
        let err = loop {
            match w.before_write(64 * 1024) {
                Ok(()) => written += 64 * 1024,
                Err(e) => break e,
            }
            assert!(written <= CHECK_EVERY, "no stop after {written} bytes");
        };
        assert_eq!(written, CHECK_EVERY);
        let low = low_space(&err).expect("a LowSpace error");
        assert!(low.to_string().contains("BOSUN_BACKUP_DIR"));
        assert!(low_space(&io::Error::other("other")).is_none());
    }

    #[test]
    fn enough_space_or_no_minimum_lets_writes_through() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut some = Watch::new(dir.path().to_owned(), 1);
        let mut none = Watch::new(dir.path().join("missing"), 0);
        for _ in 0..100 {
            some.before_write(64 * 1024).expect("1 MB is free");
            none.before_write(64 * 1024).expect("nothing is watched");
        }
    }
}
