//! Entries in the watched directories named like the files bosun keeps beside certificates
//! (`.NAME.bosun-…`) that bosun did not leave there: a link planted where bosun once wrote
//! temporary files, or a stray temporary file. The scan skips dot-files, so these are listed
//! as warnings on the Certificates page instead; bosun itself never opens or follows them.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use super::confine::{Watched, inside};
use super::scan::{MAX_DEPTH, MAX_FILES, limit};
use crate::fsx::{MARK, PREVIOUS, is_companion};

/// One warning per suspicious entry, sorted by path, at most `MAX_FILES`.
pub fn planted(watched: &[Watched]) -> Vec<String> {
    let mut found = Vec::new();
    for w in watched {
        if let Ok(root) = limit(w)
            && inside(root.as_deref(), &w.dir)
        {
            walk(&w.dir, 0, root.as_deref(), &mut found);
        }
    }
    found.sort();
    found.dedup();
    found.truncate(MAX_FILES);
    found
        .into_iter()
        .map(|(p, w)| format!("{}: {w}", p.display()))
        .collect()
}

fn walk(dir: &Path, depth: usize, root: Option<&Path>, out: &mut Vec<(PathBuf, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        if out.len() >= MAX_FILES {
            return;
        }
        let name = e.file_name();
        let path = e.path();
        if is_companion(&name) {
            if let Some(w) = judge(&path, &name, dir) {
                out.push((path, w));
            }
            continue;
        }
        // Subdirectories as the scan goes into them (hidden ones are skipped there too).
        if depth < MAX_DEPTH
            && !name.to_string_lossy().starts_with('.')
            && std::fs::metadata(&path).is_ok_and(|m| m.is_dir())
            && inside(root, &path)
        {
            walk(&path, depth + 1, root, out);
        }
    }
}

/// What is wrong with a companion-named entry, if anything: bosun leaves only plain
/// `.NAME.bosun-previous` copies.
fn judge(path: &Path, name: &OsStr, dir: &Path) -> Option<String> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    let remove = format!(
        "bosun never writes through it. Remove it, and check who else can write to {}",
        dir.display()
    );
    if meta.file_type().is_symlink() {
        let to = std::fs::read_link(path)
            .map(|t| format!(" (to {})", t.display()))
            .unwrap_or_default();
        return Some(format!(
            "a symbolic link{to} named like a file bosun keeps beside certificates; {remove}."
        ));
    }
    let previous = name
        .to_string_lossy()
        .ends_with(&format!("{MARK}{PREVIOUS}"));
    if previous && meta.is_file() {
        return None;
    }
    Some(if meta.is_file() {
        format!(
            "a file named like bosun's temporary files, which bosun never leaves behind or reuses (a crash, or someone else put it there); {remove}."
        )
    } else {
        format!(
            "named like a file bosun keeps beside certificates, but not a plain file; {remove}."
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn planted_links_and_stray_files_are_listed_and_previous_copies_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let outside = tempfile::tempdir().unwrap();
        let canary = outside.path().join("bosun.db");
        std::fs::write(&canary, "precious").unwrap();
        std::os::unix::fs::symlink(&canary, d.join(".tls.crt.bosun-new")).unwrap();
        std::fs::write(d.join(".tls.key.bosun-new"), "").unwrap();
        std::fs::write(d.join(".tls.crt.bosun-previous"), "old").unwrap();
        std::fs::create_dir(d.join("sub")).unwrap();
        std::os::unix::fs::symlink(&canary, d.join("sub/.a.key.bosun-previous")).unwrap();
        std::fs::write(d.join(".hidden"), "x").unwrap();
        let found = planted(&super::super::targets::watched(&[d.to_owned()], &[]));
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(found[0].contains(".tls.crt.bosun-new") && found[0].contains("symbolic link"));
        assert!(
            found[0].contains(&canary.display().to_string()),
            "{}",
            found[0]
        );
        assert!(found[1].contains(".tls.key.bosun-new") && found[1].contains("temporary"));
        assert!(
            found[2].contains("sub/.a.key.bosun-previous"),
            "{}",
            found[2]
        );
        assert_eq!(std::fs::read_to_string(&canary).unwrap(), "precious");
    }
}
