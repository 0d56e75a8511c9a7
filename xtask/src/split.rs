//! Lazy routes in the browser: the wasm is split into the app's core and the code behind
//! each `#[lazy]` split point (`frontend/src/routes.rs`), plus a chunk for each set of split
//! points that share code; the core fetches them the first time a page needs them. This is
//! what `cargo leptos --split` runs, through the same library.
//!
//! The bundle (JS glue, core wasm, chunks, their loader, the CSS) then moves into a directory
//! named after a digest of its files, `pkg/<12 hex digits>/`. Its files import each other by
//! relative names, so a page that loads `/pkg/<digest>/bosun.js` gets every other file of the
//! same build, and the browser may keep them all for good (bosun serves that directory
//! `immutable`); a new build is a new directory.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The module the core imports the chunks' loaders from. Leptos's `HydrationScripts`
/// preloads the loader by this very name (what cargo-leptos calls it when it does not rename
/// files by their hashes), so it is not ours to choose.
pub const LOADER: &str = "__wasm_split.______________________.js";

/// Which chunks each lazy function needs; Leptos reads it on the server to preload the
/// chunks of the page it renders. Kept uncompressed: the server reads it, no browser does.
pub const MANIFEST: &str = "__wasm_split_manifest.json";

/// Splits `wasm` (linked with `--emit-relocs`) into `pkg`: the chunks, their loader and the
/// manifest. Returns the core module, written to `core`, which wasm-bindgen still has to
/// process, and the chunks.
pub fn split(wasm: &Path, core: &Path, pkg: &Path, glue: &str) -> Result<Vec<PathBuf>, String> {
    let input = fs::read(wasm).map_err(|e| format!("reading {}: {e}", wasm.display()))?;
    let link = format!("./{LOADER}");
    let main_module = format!("./{glue}");
    let mut options = wasm_split_cli_support::Options::new(&input);
    options.output_dir = pkg;
    options.main_out_path = core;
    options.link_name = &link;
    options.main_module = &main_module;
    let split =
        wasm_split_cli_support::transform(options).map_err(|e| format!("wasm-split: {e:#}"))?;
    // Sorted, so the same build writes the same bytes (the directory's digest covers it).
    let manifest: BTreeMap<_, _> = split.prefetch_map.into_iter().collect();
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
    let path = pkg.join(MANIFEST);
    fs::write(&path, text).map_err(|e| format!("writing {}: {e}", path.display()))?;
    Ok(split.split_modules)
}

/// Moves every file directly in `pkg` into `pkg/<digest>/`, the digest taken over their
/// names and contents. Returns the directory's name.
pub fn seal(pkg: &Path) -> Result<String, String> {
    let mut files = Vec::new();
    for entry in fs::read_dir(pkg).map_err(|e| format!("reading {}: {e}", pkg.display()))? {
        let entry = entry.map_err(|e| format!("reading {}: {e}", pkg.display()))?;
        if entry.file_type().map_err(|e| e.to_string())?.is_file() {
            files.push(entry.file_name());
        }
    }
    files.sort();
    let mut hash = Sha256::new();
    for name in &files {
        let bytes = fs::read(pkg.join(name)).map_err(|e| format!("reading {name:?}: {e}"))?;
        for part in [name.as_encoded_bytes(), &bytes] {
            hash.update(u64::try_from(part.len()).unwrap_or(u64::MAX).to_le_bytes());
            hash.update(part);
        }
    }
    let digest = hex::encode(&hash.finalize()[..6]);
    let dir = pkg.join(&digest);
    fs::create_dir(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    for name in &files {
        fs::rename(pkg.join(name), dir.join(name))
            .map_err(|e| format!("moving {name:?} into {}: {e}", dir.display()))?;
    }
    Ok(digest)
}

/// The sealed bundle's files with their sizes, by name: what the build prints.
pub fn parts(dir: &Path) -> Result<Vec<(String, u64)>, String> {
    let mut parts = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| format!("reading {}: {e}", dir.display()))? {
        let entry = entry.map_err(|e| format!("reading {}: {e}", dir.display()))?;
        let len = entry.metadata().map_err(|e| e.to_string())?.len();
        parts.push((entry.file_name().to_string_lossy().into_owned(), len));
    }
    parts.sort();
    Ok(parts)
}
