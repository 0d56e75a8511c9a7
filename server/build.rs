//! Links the `bosun` binary with packed relative relocations (`-z pack-relative-relocs`,
//! DT_RELR) where the C library can load them (glibc 2.36 and later).
//!
//! bosun is a position-independent executable, so every pointer in its read-only data (the
//! vtables and string tables of the generic code) is patched at start from a table of
//! relocations. That table was 2.1 MB of the binary (a ninth of it after `.text`), and the
//! loader reads all of it at every start, so it stayed resident too. DT_RELR stores the same
//! relocations as bitmaps, a few KB; the executable stays position-independent (ASLR).
//! Older C libraries cannot load such a binary, so the build links it the old way there.
//!
//! A release build also lays out the code that a start, a sign-in and the first pages run
//! side by side, at the front of `.text` (`--symbol-ordering-file`, with the list in
//! `link/hot-symbols.txt`, made by `scripts/hot-symbols.sh`). The kernel maps a binary's code
//! 64 KB around each page it runs, so code run once at start, spread over the whole binary,
//! kept most of it resident: 18.6 of 26 MB at idle. Packed, about 6 MB (BENCHMARKS.md).
//! A symbol the list names and the binary no longer has is skipped; one it misses is laid
//! out as before. Only a linker that takes the option gets it (rust-lld does; GNU ld does
//! not), which a one-line program linked with it tells.

use std::process::Command;

/// The first glibc whose loader applies DT_RELR (it also marks such binaries with the
/// `GLIBC_ABI_DT_RELR` version, so an older loader refuses them with a clear error).
const RELR_SINCE: (u32, u32) = (2, 36);

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target = |key: &str| std::env::var(key).unwrap_or_default();
    let host = target("HOST");
    // The C library that matters is the target's; it is only known here for a native build.
    if target("CARGO_CFG_TARGET_OS") != "linux"
        || target("CARGO_CFG_TARGET_ENV") != "gnu"
        || host != target("TARGET")
    {
        return;
    }
    if glibc().is_some_and(|version| version >= RELR_SINCE) {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
    println!("cargo:rerun-if-changed={HOT_SYMBOLS}");
    if target("PROFILE") == "release" {
        let list = std::path::Path::new(&target("CARGO_MANIFEST_DIR")).join(HOT_SYMBOLS);
        let args = [
            format!("-Wl,--symbol-ordering-file={}", list.display()),
            "-Wl,--no-warn-symbol-ordering".to_owned(),
        ];
        if list.is_file() && links_with(&args) {
            for arg in args {
                println!("cargo:rustc-link-arg-bins={arg}");
            }
        }
    }
}

/// The code a start, a sign-in and the first pages run, in the order to lay it out.
const HOT_SYMBOLS: &str = "link/hot-symbols.txt";

/// Whether this build's compiler and linker link an empty program with `args`: the
/// compiler cargo runs, for this target, with this build's flags and configured linker.
fn links_with(args: &[String]) -> bool {
    let var = |key: &str| std::env::var(key).unwrap_or_default();
    let out = std::path::PathBuf::from(var("OUT_DIR"));
    let source = out.join("link_probe.rs");
    if std::fs::write(&source, "fn main() {}\n").is_err() {
        return false;
    }
    let mut rustc = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()));
    rustc
        .arg("--target")
        .arg(var("TARGET"))
        .arg("-o")
        .arg(out.join("link_probe"))
        .args(
            var("CARGO_ENCODED_RUSTFLAGS")
                .split('\x1f')
                .filter(|f| !f.is_empty()),
        )
        .args(args.iter().map(|arg| format!("-Clink-arg={arg}")))
        .arg(&source);
    let linker = var("RUSTC_LINKER");
    if !linker.is_empty() {
        rustc.arg(format!("-Clinker={linker}"));
    }
    rustc
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// This machine's glibc version, from `getconf GNU_LIBC_VERSION` ("glibc 2.36").
fn glibc() -> Option<(u32, u32)> {
    let out = Command::new("getconf")
        .arg("GNU_LIBC_VERSION")
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let version = text.trim().strip_prefix("glibc ")?;
    let mut parts = version.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}
