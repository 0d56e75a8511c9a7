//! Links the `bosun` binary with packed relative relocations (`-z pack-relative-relocs`,
//! DT_RELR) where the C library can load them (glibc 2.36 and later).
//!
//! bosun is a position-independent executable, so every pointer in its read-only data (the
//! vtables and string tables of the generic code) is patched at start from a table of
//! relocations. That table was 2.1 MB of the binary (a ninth of it after `.text`), and the
//! loader reads all of it at every start, so it stayed resident too. DT_RELR stores the same
//! relocations as bitmaps, a few KB; the executable stays position-independent (ASLR).
//! Older C libraries cannot load such a binary, so the build links it the old way there.

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
