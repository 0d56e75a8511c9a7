//! The tar inside a file backup. The engine gives one tar per path, its entries named from
//! the path's last component (`media/…` for `/srv/media`). bosun re-roots each under its
//! part's index (`0/media/…`, `1/app.conf`) into one tar, so paths with the same last name
//! never meet, and a part is read back by stripping the index again. Every entry is tallied
//! on the way: files, content bytes, and a digest of the tree that the same tree, read again
//! from the engine after a restore, gives again.

use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;

use bosun_frontend::model::FilePart;
use sha2::{Digest, Sha256};

/// The first entry of every file backup's tar: which path each index is.
pub const INDEX_ENTRY: &str = "bosun-paths.json";

/// Counts and digests one part's entries.
#[derive(Clone)]
pub struct Tally {
    files: u64,
    bytes: u64,
    hash: Sha256,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            files: 0,
            bytes: 0,
            hash: Sha256::new(),
        }
    }
}

impl Tally {
    /// One entry's identity: name, type, permissions, owner, size and link target. Times are
    /// left out: a directory's changes when files are written into it.
    fn entry(&mut self, name: &[u8], header: &tar::Header, link: Option<&[u8]>) {
        self.files += 1;
        let mode = header.mode().unwrap_or(0) & 0o7777;
        let (uid, gid) = (header.uid().unwrap_or(0), header.gid().unwrap_or(0));
        let size = header.entry_size().unwrap_or(0);
        self.hash.update(name);
        self.hash.update(
            format!(
                "\0{}\0{mode:o}\0{uid}\0{gid}\0{size}\0",
                header.entry_type().as_byte()
            )
            .as_bytes(),
        );
        self.hash.update(link.unwrap_or_default());
        self.hash.update(b"\0");
    }

    fn content(&mut self, chunk: &[u8]) {
        self.bytes += chunk.len() as u64;
        self.hash.update(chunk);
    }

    pub fn finish(self, path: &str) -> FilePart {
        FilePart {
            path: path.to_owned(),
            files: self.files,
            bytes: self.bytes,
            sha256: hex::encode(self.hash.finalize()),
        }
    }
}

/// How entries are named on the way through.
#[derive(Clone, Copy, Debug)]
pub enum Names {
    /// An engine tar of part `i`: prefixed with `i/`.
    Into(usize),
    /// bosun's tar, only part `i`: the prefix stripped (as the engine wants it back).
    Only(usize),
    /// bosun's tar, every part (for checking): the prefix stripped.
    All,
}

/// `0/media/a` → (0, `media/a`).
fn split_index(name: &[u8]) -> Option<(usize, &[u8])> {
    let slash = name.iter().position(|b| *b == b'/')?;
    let index = std::str::from_utf8(&name[..slash]).ok()?.parse().ok()?;
    Some((index, &name[slash + 1..]))
}

impl Names {
    /// (part, the engine's name for the entry, the name written); None: not this copy's.
    fn map(self, name: &[u8]) -> Option<(usize, Vec<u8>, Vec<u8>)> {
        match self {
            Names::Into(i) => {
                let mut out = format!("{i}/").into_bytes();
                out.extend_from_slice(name);
                Some((i, name.to_vec(), out))
            }
            Names::Only(_) | Names::All => {
                let (index, rest) = split_index(name)?;
                if rest.is_empty() || matches!(self, Names::Only(i) if i != index) {
                    return None;
                }
                Some((index, rest.to_vec(), rest.to_vec()))
            }
        }
    }
}

/// Reads through `inner`, tallying what passes.
struct Counted<'a, R> {
    inner: R,
    tally: &'a mut Tally,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.tally.content(&buf[..n]);
        Ok(n)
    }
}

fn os(bytes: &[u8]) -> &std::path::Path {
    std::path::Path::new(std::ffi::OsStr::from_bytes(bytes))
}

/// Copies the entries of the tar `input` that `names` takes into `out` (renamed; nothing is
/// written without `out`), tallying each into `tallies[part]`. Owners, permissions, times,
/// links and names that are not UTF-8 pass unchanged.
pub fn copy<R: Read, W: Write>(
    input: R,
    mut out: Option<&mut tar::Builder<W>>,
    names: Names,
    tallies: &mut [Tally],
) -> io::Result<()> {
    let mut archive = tar::Archive::new(input);
    for entry in archive.entries()? {
        let mut entry = entry?;
        let kind = entry.header().entry_type();
        if kind.is_pax_global_extensions() {
            continue;
        }
        let raw = entry.path_bytes().into_owned();
        let trimmed = raw.strip_suffix(b"/").unwrap_or(&raw);
        let Some((part, engine_name, written)) = names.map(trimmed) else {
            if matches!(names, Names::Into(_)) || trimmed == INDEX_ENTRY.as_bytes() {
                continue;
            }
            if matches!(names, Names::All) {
                return Err(io::Error::other(format!(
                    "the backup holds an entry outside every path: {}",
                    String::from_utf8_lossy(trimmed)
                )));
            }
            continue;
        };
        let tally = tallies.get_mut(part).ok_or_else(|| {
            io::Error::other(format!("the backup holds a path #{part} it does not list"))
        })?;
        let mut header = entry.header().clone();
        let link = entry.link_name_bytes().map(|l| l.into_owned());
        // A hard link names another entry of the archive: renamed the same way.
        let link_written = match (kind, &link) {
            (tar::EntryType::Link, Some(target)) => Some(
                names
                    .map(target.strip_suffix(b"/").unwrap_or(target))
                    .map(|(_, engine, written)| (engine, written))
                    .ok_or_else(|| io::Error::other("a hard link points outside its path"))?,
            ),
            (_, Some(target)) => Some((target.clone(), target.clone())),
            _ => None,
        };
        tally.entry(
            &engine_name,
            &header,
            link_written.as_ref().map(|(e, _)| e.as_slice()),
        );
        match (&mut out, link_written) {
            (Some(out), Some((_, target))) => {
                out.append_link(&mut header, os(&written), os(&target))?;
            }
            (Some(out), None) => {
                let counted = Counted {
                    inner: &mut entry,
                    tally,
                };
                out.append_data(&mut header, os(&written), counted)?;
            }
            (None, Some(_)) => {}
            (None, None) => {
                io::copy(
                    &mut Counted {
                        inner: &mut entry,
                        tally,
                    },
                    &mut io::sink(),
                )?;
            }
        }
    }
    Ok(())
}

/// Adds the index entry: `paths` in order, as JSON.
pub fn write_index<W: Write>(out: &mut tar::Builder<W>, paths: &[String]) -> io::Result<()> {
    let body = serde_json::to_vec_pretty(paths).map_err(io::Error::other)?;
    let mut header = tar::Header::new_gnu();
    header.set_size(body.len() as u64);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::Regular);
    out.append_data(&mut header, INDEX_ENTRY, &body[..])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tar as the engine gives it for `/srv/<root>`: a directory, an empty directory, a file
    /// owned by 1000 with mode 0640, a symlink, a hard link and a name that is not UTF-8.
    fn engine_tar(root: &str, content: &[u8]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        let dir = |name: &str, b: &mut tar::Builder<Vec<u8>>| {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(tar::EntryType::Directory);
            h.set_mode(0o755);
            h.set_size(0);
            b.append_data(&mut h, format!("{name}/"), &[][..]).unwrap();
        };
        dir(root, &mut b);
        dir(&format!("{root}/empty"), &mut b);
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o640);
        h.set_uid(1000);
        h.set_gid(1000);
        h.set_size(content.len() as u64);
        b.append_data(&mut h, format!("{root}/a.txt"), content)
            .unwrap();
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_size(0);
        b.append_link(&mut h, format!("{root}/link"), "a.txt")
            .unwrap();
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Link);
        h.set_size(0);
        b.append_link(&mut h, format!("{root}/hard"), format!("{root}/a.txt"))
            .unwrap();
        let mut name = format!("{root}/").into_bytes();
        name.extend_from_slice(b"caf\xe9");
        let mut h = tar::Header::new_gnu();
        h.set_size(1);
        b.append_data(&mut h, os(&name), &b"x"[..]).unwrap();
        b.into_inner().unwrap()
    }

    #[test]
    fn parts_rerooted_into_one_tar_come_back_as_the_engine_gave_them() {
        let (a, b) = (engine_tar("data", b"first"), engine_tar("data", b"second"));
        let mut into = [Tally::default(), Tally::default()];
        let mut out = tar::Builder::new(Vec::new());
        write_index(&mut out, &["/srv/data".into(), "/var/data".into()]).unwrap();
        copy(&a[..], Some(&mut out), Names::Into(0), &mut into).unwrap();
        copy(&b[..], Some(&mut out), Names::Into(1), &mut into).unwrap();
        let ours = out.into_inner().unwrap();
        let [first, second] = into.map(|t| t.finish("p"));
        assert_eq!((first.files, first.bytes), (6, 6));
        assert_eq!(second.bytes, 7);
        assert_ne!(
            first.sha256, second.sha256,
            "different content, different digest"
        );

        // Checking every part reads the same digests back.
        let mut all = [Tally::default(), Tally::default()];
        copy(
            &ours[..],
            None::<&mut tar::Builder<Vec<u8>>>,
            Names::All,
            &mut all,
        )
        .unwrap();
        assert_eq!(
            all.clone().map(|t| t.finish("p")),
            [first.clone(), second.clone()]
        );

        // Part 1 alone, as the engine takes it back: its own names, nothing of part 0.
        let mut back = tar::Builder::new(Vec::new());
        let mut only = [Tally::default(), Tally::default()];
        copy(&ours[..], Some(&mut back), Names::Only(1), &mut only).unwrap();
        let back = back.into_inner().unwrap();
        let mut again = [Tally::default()];
        copy(
            &back[..],
            None::<&mut tar::Builder<Vec<u8>>>,
            Names::Into(0),
            &mut again,
        )
        .unwrap();
        let [again] = again.map(|t| t.finish("p"));
        assert_eq!(again, second);
        let mut names = Vec::new();
        let mut archive = tar::Archive::new(&back[..]);
        for e in archive.entries().unwrap() {
            let e = e.unwrap();
            names.push(e.path_bytes().into_owned());
            if e.path_bytes().as_ref() == b"data/a.txt" {
                assert_eq!(e.header().uid().unwrap(), 1000);
                assert_eq!(e.header().mode().unwrap() & 0o7777, 0o640);
            }
            if e.path_bytes().as_ref() == b"data/hard" {
                assert_eq!(e.link_name_bytes().unwrap().as_ref(), b"data/a.txt");
            }
        }
        assert!(
            names.iter().any(|n| n.as_slice() == b"data/caf\xe9"),
            "{names:?}"
        );
        assert!(names.iter().all(|n| n.starts_with(b"data")), "{names:?}");
    }

    #[test]
    fn a_changed_file_or_owner_changes_the_digest() {
        let digest = |t: &[u8]| {
            let mut d = [Tally::default()];
            copy(
                t,
                None::<&mut tar::Builder<Vec<u8>>>,
                Names::Into(0),
                &mut d,
            )
            .unwrap();
            let [d] = d.map(|t| t.finish("p"));
            d.sha256
        };
        let base = engine_tar("m", b"hello");
        assert_eq!(digest(&base), digest(&engine_tar("m", b"hello")));
        assert_ne!(digest(&base), digest(&engine_tar("m", b"hellO")));
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o640);
        h.set_uid(1001);
        h.set_size(1);
        b.append_data(&mut h, "m/a", &b"x"[..]).unwrap();
        let other_owner = b.into_inner().unwrap();
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o640);
        h.set_uid(1000);
        h.set_size(1);
        b.append_data(&mut h, "m/a", &b"x"[..]).unwrap();
        assert_ne!(digest(&other_owner), digest(&b.into_inner().unwrap()));
    }

    #[test]
    fn a_part_the_backup_does_not_list_is_an_error() {
        let mut out = tar::Builder::new(Vec::new());
        let mut t = [Tally::default(), Tally::default(), Tally::default()];
        copy(
            &engine_tar("d", b"x")[..],
            Some(&mut out),
            Names::Into(2),
            &mut t,
        )
        .unwrap();
        let ours = out.into_inner().unwrap();
        let mut fewer = [Tally::default()];
        let err = copy(
            &ours[..],
            None::<&mut tar::Builder<Vec<u8>>>,
            Names::All,
            &mut fewer,
        )
        .unwrap_err();
        assert!(err.to_string().contains("does not list"), "{err}");
    }
}
