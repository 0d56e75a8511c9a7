//! What a terminal showed, kept for admins when `BOSUN_TERMINAL_TRANSCRIPTS=on`: its output
//! (never its input, which may hold typed passwords), up to a size, written once when the
//! terminal closes, as `<data dir>/terminal-transcripts/<session>.log`, mode 0600.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::fsx::Dir;

/// Where transcripts go and how large one may grow.
#[derive(Clone, Debug)]
pub struct Transcripts {
    pub dir: PathBuf,
    pub limit: usize,
}

const CUT: &[u8] = b"\r\n[bosun: the transcript ends here; the terminal went on]\r\n";

/// One terminal's output so far.
pub struct Transcript {
    bytes: Vec<u8>,
    limit: usize,
    cut: bool,
}

impl Transcript {
    pub fn new(limit: usize) -> Self {
        Transcript {
            bytes: Vec::new(),
            limit,
            cut: false,
        }
    }

    pub fn push(&mut self, chunk: &[u8]) {
        if self.cut {
            return;
        }
        let room = self.limit.saturating_sub(self.bytes.len());
        if chunk.len() > room {
            self.bytes.extend_from_slice(&chunk[..room]);
            self.bytes.extend_from_slice(CUT);
            self.cut = true;
        } else {
            self.bytes.extend_from_slice(chunk);
        }
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// A session id as a file name: 32 hex digits (a UUID's simple form) and nothing else.
pub fn file_name(session: &str) -> Option<OsString> {
    (session.len() == 32 && session.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| OsString::from(format!("{}.log", session.to_ascii_lowercase())))
}

impl Transcripts {
    /// Writes `transcript` for `session` (atomically, never through a link).
    pub fn save(&self, session: &str, transcript: &Transcript) -> Result<(), String> {
        let name = file_name(session).ok_or("not a session id")?;
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| format!("could not create {}: {e}", self.dir.display()))?;
        Dir::open(&self.dir)?.write(&name, transcript.bytes(), 0o600, None)
    }

    /// The transcript of `session`; None when there is none.
    pub fn read(&self, session: &str) -> Result<Option<Vec<u8>>, String> {
        let Some(name) = file_name(session) else {
            return Ok(None);
        };
        if !self.dir.is_dir() {
            return Ok(None);
        }
        let dir = Dir::open(&self.dir)?;
        if !dir.plain_file(&name)? {
            return Ok(None);
        }
        dir.read(&name).map(|(bytes, _)| Some(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transcript_stops_at_its_limit_and_says_so() {
        let mut t = Transcript::new(10);
        t.push(b"12345");
        t.push(b"67890abc");
        t.push(b"more");
        assert!(t.bytes().starts_with(b"1234567890"));
        assert!(t.bytes().ends_with(CUT));
        assert_eq!(t.bytes().len(), 10 + CUT.len());
    }

    #[test]
    fn only_session_ids_name_files() {
        assert!(file_name("0123456789abcdef0123456789ABCDEF").is_some());
        for bad in [
            "../etc/passwd",
            "",
            "0123456789abcdef0123456789abcde/",
            "x".repeat(32).as_str(),
        ] {
            assert!(file_name(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn transcripts_are_saved_and_read_back_and_links_are_not_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Transcripts {
            dir: tmp.path().join("t"),
            limit: 100,
        };
        let id = "a".repeat(32);
        let mut t = Transcript::new(100);
        t.push(b"$ echo 42\r\n42\r\n");
        store.save(&id, &t).unwrap();
        assert_eq!(store.read(&id).unwrap().unwrap(), b"$ echo 42\r\n42\r\n");
        assert_eq!(store.read(&"b".repeat(32)).unwrap(), None);
        let other = "c".repeat(32);
        std::os::unix::fs::symlink(
            "/etc/hostname",
            tmp.path().join("t").join(format!("{other}.log")),
        )
        .unwrap();
        assert!(store.read(&other).is_err());
        assert!(store.save(&other, &t).is_err());
    }
}
