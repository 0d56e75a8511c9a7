//! What a job's command writes to stderr: first the process id its wrapper announces (so a
//! job bosun stops waiting for can be ended inside the container), then the words kept for
//! the report.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// The wrapper's first line: its shell's pid, which `exec` hands on to the dump tool or the
/// database client.
pub const ANNOUNCE: &str = r#"echo "bosun-pid $$" >&2"#;
const MARKER: &[u8] = b"bosun-pid ";
/// A first line longer than this is not the announcement.
const LINE: usize = 64;
const KEEP: usize = 2 * 1024;

/// The process id inside the container, once announced. Shared with whoever ends it.
#[derive(Clone, Debug, Default)]
pub struct Pid(Arc<AtomicU32>);

impl Pid {
    /// `None` until announced; never 0 or 1 (the container's init is not a job's to end).
    pub fn get(&self) -> Option<u32> {
        let pid = self.0.load(Ordering::Relaxed);
        (pid > 1).then_some(pid)
    }
}

/// A command's stderr as it arrives.
#[derive(Default)]
pub struct Stderr {
    pid: Pid,
    /// The first line until it is whole; then judged once.
    first: Vec<u8>,
    first_done: bool,
    kept: Vec<u8>,
}

impl Stderr {
    /// A handle to the pid this stderr announces.
    pub fn pid(&self) -> Pid {
        self.pid.clone()
    }

    pub fn push(&mut self, bytes: &[u8]) {
        let mut rest = bytes;
        if !self.first_done {
            match rest.iter().position(|&b| b == b'\n') {
                Some(end) => {
                    self.first.extend_from_slice(&rest[..=end]);
                    rest = &rest[end + 1..];
                    self.judge_first();
                }
                None => {
                    self.first.extend_from_slice(rest);
                    rest = &[];
                    if self.first.len() > LINE {
                        self.judge_first();
                    }
                }
            }
        }
        self.keep(rest);
    }

    fn judge_first(&mut self) {
        self.first_done = true;
        let line = std::mem::take(&mut self.first);
        let pid = line
            .strip_prefix(MARKER)
            .and_then(|p| std::str::from_utf8(p).ok())
            .and_then(|p| p.trim().parse::<u32>().ok());
        match pid {
            Some(pid) => self.pid.0.store(pid, Ordering::Relaxed),
            None => self.keep(&line),
        }
    }

    fn keep(&mut self, bytes: &[u8]) {
        let room = KEEP.saturating_sub(self.kept.len());
        self.kept.extend_from_slice(&bytes[..room.min(bytes.len())]);
    }

    /// The kept words on one line, for a report.
    pub fn text(&self) -> String {
        let mut all = self.kept.clone();
        if !self.first_done {
            all.extend_from_slice(&self.first);
        }
        String::from_utf8_lossy(&all)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" | ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_announced_pid_is_read_and_left_out_of_the_report() {
        let mut e = Stderr::default();
        let pid = e.pid();
        assert_eq!(pid.get(), None);
        // Split across frames, as the engine may deliver it.
        e.push(b"bosun-p");
        e.push(b"id 4242\npg_dump: error: ");
        e.push(b"connection failed\n\nsecond line\n");
        assert_eq!(pid.get(), Some(4242));
        assert_eq!(e.text(), "pg_dump: error: connection failed | second line");
    }

    #[test]
    fn without_the_announcement_everything_is_kept_and_no_pid_is_known() {
        let mut e = Stderr::default();
        e.push(b"sh: 1: exec: pg_dump: not found\n");
        assert_eq!(e.pid().get(), None);
        assert_eq!(e.text(), "sh: 1: exec: pg_dump: not found");
        // A first line without its end yet still shows.
        let mut e = Stderr::default();
        e.push(b"partial words");
        assert_eq!(e.text(), "partial words");
        // Nor are pid 1 (the container's init) or 0 ever given out.
        let mut e = Stderr::default();
        e.push(b"bosun-pid 1\n");
        assert_eq!(e.pid().get(), None);
        assert_eq!(e.text(), "");
        // A long first line is not taken for the announcement.
        let mut e = Stderr::default();
        e.push(&[b'x'; 100]);
        e.push(b"\nbosun-pid 77\n");
        assert_eq!(e.pid().get(), None);
        assert!(e.text().contains("bosun-pid 77"));
    }

    #[test]
    fn the_report_keeps_only_the_first_kilobytes() {
        let mut e = Stderr::default();
        e.push(b"bosun-pid 9\n");
        for _ in 0..100 {
            e.push(&[b'a'; 100]);
        }
        assert_eq!(e.text().len(), KEEP);
    }
}
