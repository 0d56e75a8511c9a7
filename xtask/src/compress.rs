//! Precompressed copies of the site's text and wasm files, made once per release build:
//! `NAME.br` (brotli, best) and `NAME.gz` (gzip, best) beside `NAME`. bosun serves whichever
//! the browser accepts, so a cold load moves the compressed bytes, not the 4 MB raw wasm.
//! The raw file is then removed: every browser takes brotli or gzip, and bosun decompresses
//! the gzip copy for a client that takes neither. The image is smaller for it: the raw wasm
//! was 2.7 MB, and xterm.js, the JS glue and the CSS another 0.6 MB.

use std::fs;
use std::io::Write;
use std::path::Path;

const EXTENSIONS: [&str; 4] = ["wasm", "js", "css", "json"];

/// Every matching file under `dir`, recursively. Returns (raw, brotli) byte totals.
pub fn precompress(dir: &Path) -> Result<(u64, u64), String> {
    let mut totals = (0u64, 0u64);
    let entries = fs::read_dir(dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry
            .map_err(|e| format!("reading {}: {e}", dir.display()))?
            .path();
        if path.is_dir() {
            let (raw, br) = precompress(&path)?;
            totals = (totals.0 + raw, totals.1 + br);
            continue;
        }
        let wanted = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| EXTENSIONS.contains(&e));
        // The split manifest is read by the server, as it is, never sent.
        if !wanted
            || path
                .file_name()
                .is_some_and(|n| n == crate::split::MANIFEST)
        {
            continue;
        }
        let raw = fs::read(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        let br = brotli_of(&raw)?;
        let gz = gzip_of(&raw)?;
        write(&path, "br", &br)?;
        write(&path, "gz", &gz)?;
        fs::remove_file(&path).map_err(|e| format!("removing {}: {e}", path.display()))?;
        totals = (totals.0 + raw.len() as u64, totals.1 + br.len() as u64);
    }
    Ok(totals)
}

fn write(path: &Path, ext: &str, bytes: &[u8]) -> Result<(), String> {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(ext);
    fs::write(&name, bytes).map_err(|e| format!("writing {}: {e}", Path::new(&name).display()))
}

fn brotli_of(raw: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(raw.len() / 3);
    {
        // Quality 11 (the best), a 4 MiB window: the site is built once, read many times.
        let mut w = brotli::CompressorWriter::new(&mut out, 64 * 1024, 11, 22);
        w.write_all(raw).map_err(|e| format!("brotli: {e}"))?;
        w.flush().map_err(|e| format!("brotli: {e}"))?;
    }
    Ok(out)
}

fn gzip_of(raw: &[u8]) -> Result<Vec<u8>, String> {
    let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    w.write_all(raw).map_err(|e| format!("gzip: {e}"))?;
    w.finish().map_err(|e| format!("gzip: {e}"))
}
