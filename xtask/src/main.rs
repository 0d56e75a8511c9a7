//! bosun's build: `cargo run --manifest-path xtask/Cargo.toml -- <command> [--release]`
//!
//!   site     the hydration bundle (the wasm split into its core and the lazy routes'
//!            chunks, the JS glue), wasm-opt'd in release, the CSS and the public assets,
//!            into `target/site` (the bundle in `pkg/<digest>/`, see split.rs)
//!   server   the server binary, copied to `target/<profile>/bosun` when cargo builds elsewhere
//!            (a shared `CARGO_TARGET_DIR`), so the image, e2e and the benches run one file
//!   build    both
//!
//! This is the pipeline cargo-leptos runs with `--split`, minus its download of tools. No
//! `LEPTOS_*` build variable is set, so a binary built by a plain `cargo build` asks for the
//! very same files (`bosun.js`, `bosun_bg.wasm` in the bundle directory it finds at start)
//! as one built here.

mod compress;
mod split;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::{env, fs};

/// What the site's files are called; the server asks for `{OUTPUT_NAME}.js` and
/// `{OUTPUT_NAME}_bg.wasm` (`server/src/lib.rs` sets the same name in `LeptosOptions`).
const OUTPUT_NAME: &str = "bosun";
const FRONTEND: &str = "bosun-frontend";
const FRONTEND_LIB: &str = "bosun_frontend";
const WASM_TARGET: &str = "wasm32-unknown-unknown";

fn main() -> ExitCode {
    match run(env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("[xtask] error: {message}");
            ExitCode::FAILURE
        }
    }
}

#[derive(Clone, Copy)]
enum Task {
    Site,
    Server,
    Build,
}

fn run(args: Vec<String>) -> Result<(), String> {
    let mut task = None;
    let mut release = false;
    for arg in &args {
        match arg.as_str() {
            "site" => task = Some(Task::Site),
            "server" => task = Some(Task::Server),
            "build" => task = Some(Task::Build),
            "--release" => release = true,
            other => return Err(format!("unknown argument {other:?}\n{}", usage())),
        }
    }
    let task = task.ok_or_else(usage)?;
    let ws = Workspace::find()?;
    if matches!(task, Task::Site | Task::Build) {
        site(&ws, release)?;
    }
    if matches!(task, Task::Server | Task::Build) {
        server(&ws, release)?;
    }
    Ok(())
}

fn usage() -> String {
    "usage: xtask site|server|build [--release]".to_owned()
}

struct Workspace {
    root: PathBuf,
    target: PathBuf,
    cargo: String,
}

impl Workspace {
    fn find() -> Result<Self, String> {
        // `cargo run` says where this checkout's xtask is; the path compiled in may be another
        // clone's, since clones share one build cache and a path package builds the same in each.
        let manifest = env::var_os("CARGO_MANIFEST_DIR")
            .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
        let root = manifest
            .parent()
            .ok_or("xtask is not inside the workspace")?
            .to_path_buf();
        let target = match env::var_os("CARGO_TARGET_DIR") {
            Some(dir) => {
                let dir = PathBuf::from(dir);
                if dir.is_absolute() {
                    dir
                } else {
                    env::current_dir().map_err(|e| e.to_string())?.join(dir)
                }
            }
            None => root.join("target"),
        };
        let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        Ok(Self {
            root,
            target,
            cargo,
        })
    }

    fn cargo(&self, args: &[&str]) -> Result<(), String> {
        eprintln!("[xtask] cargo {}", args.join(" "));
        let mut command = Command::new(&self.cargo);
        command
            .args(args)
            .current_dir(&self.root)
            // A LEPTOS_OUTPUT_NAME at compile time would change the file names pages ask for.
            .env_remove("LEPTOS_OUTPUT_NAME");
        // `cargo run` hands xtask its own package's variables (CARGO_MANIFEST_DIR,
        // CARGO_PKG_NAME…). Build scripts such as ring's rerun when those change, so passing
        // them on made every build from here recompile ring and all above it, and `cargo
        // bench` from the shell then recompile them again: minutes per CI run.
        for (name, _) in env::vars_os() {
            if name.to_str().is_some_and(is_package_variable) {
                command.env_remove(&name);
            }
        }
        let status = command
            .status()
            .map_err(|e| format!("could not run {}: {e}", self.cargo))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("cargo {} failed ({status})", args.join(" ")))
        }
    }
}

/// The variables cargo sets for the package it runs, as opposed to the user's own.
fn is_package_variable(name: &str) -> bool {
    name.starts_with("CARGO_PKG_")
        || name.starts_with("CARGO_MANIFEST_")
        || matches!(
            name,
            "CARGO_CRATE_NAME" | "CARGO_BIN_NAME" | "CARGO_PRIMARY_PACKAGE" | "OUT_DIR"
        )
}

fn site(ws: &Workspace, release: bool) -> Result<(), String> {
    check_bindgen_version(&ws.root)?;
    let profile = if release { "wasm-release" } else { "dev" };
    // `cargo rustc` makes the cdylib only here; the crate is a plain rlib everywhere else,
    // so host builds don't link a second, unused copy of it.
    ws.cargo(&[
        "rustc",
        "--locked",
        "-p",
        FRONTEND,
        "--lib",
        "--target",
        WASM_TARGET,
        "--profile",
        profile,
        "--no-default-features",
        "--features",
        "hydrate",
        "--crate-type",
        "cdylib",
        // For the final link only: wasm-split reads the relocations to find what each
        // lazy route's code calls (the dependencies are not rebuilt for it).
        "--",
        "-C",
        "link-arg=--emit-relocs",
    ])?;
    let dir = if release { "wasm-release" } else { "debug" };
    let wasm = ws
        .target
        .join(WASM_TARGET)
        .join(dir)
        .join(format!("{FRONTEND_LIB}.wasm"));

    let site = ws.root.join("target").join("site");
    let pkg = site.join("pkg");
    // A fresh pkg directory: no stale file from another build can be served.
    if pkg.exists() {
        fs::remove_dir_all(&pkg).map_err(|e| format!("removing {}: {e}", pkg.display()))?;
    }
    fs::create_dir_all(&pkg).map_err(|e| format!("creating {}: {e}", pkg.display()))?;

    let core = wasm.with_file_name(format!("{FRONTEND_LIB}_core.wasm"));
    eprintln!("[xtask] wasm-split {} -> {}", wasm.display(), pkg.display());
    let chunks = split::split(&wasm, &core, &pkg, &format!("{OUTPUT_NAME}.js"))?;
    eprintln!(
        "[xtask] wasm-bindgen {} -> {}",
        core.display(),
        pkg.display()
    );
    let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
    bindgen
        .input_path(&core)
        .out_name(OUTPUT_NAME)
        .web(true)
        .map_err(|e| format!("wasm-bindgen: {e:#}"))?
        .typescript(false)
        // The chunks link to the core by its exports' own names.
        .keep_lld_exports(true)
        .demangle(false)
        .debug(!release)
        .keep_debug(!release)
        .generate(&pkg)
        .map_err(|e| format!("wasm-bindgen: {e:#}"))?;

    let bundle = pkg.join(format!("{OUTPUT_NAME}_bg.wasm"));
    if release {
        wasm_opt(&bundle)?;
        for chunk in &chunks {
            wasm_opt(chunk)?;
        }
    }
    copy(
        &ws.root.join("style").join("main.css"),
        &pkg.join(format!("{OUTPUT_NAME}.css")),
    )?;
    let digest = split::seal(&pkg)?;
    for part in split::parts(&pkg.join(&digest))? {
        eprintln!("[xtask] site: pkg/{digest}/{} {} KB", part.0, part.1 / 1024);
    }
    copy_dir(&ws.root.join("frontend").join("public"), &site)?;
    xterm(&ws.root, &pkg)?;
    if release {
        let (raw, br) = compress::precompress(&pkg)?;
        eprintln!(
            "[xtask] site: precompressed pkg/ ({} KB raw, {} KB brotli)",
            raw / 1024,
            br / 1024
        );
    }
    Ok(())
}

/// xterm.js (and its fit add-on) for the terminal page, from npm (end2end/node_modules, the
/// same `npm ci` that brings wasm-opt), into `pkg/xterm/`: bosun serves it itself, never a CDN.
fn xterm(root: &Path, pkg: &Path) -> Result<(), String> {
    let modules = root.join("end2end").join("node_modules").join("@xterm");
    let dir = pkg.join("xterm");
    fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    for (from, to) in [
        ("xterm/lib/xterm.js", "xterm.js"),
        ("xterm/css/xterm.css", "xterm.css"),
        ("addon-fit/lib/addon-fit.js", "addon-fit.js"),
    ] {
        let source = modules.join(from);
        if !source.is_file() {
            return Err(format!(
                "{} is missing: run `npm ci` in end2end (scripts/build.sh does)",
                source.display()
            ));
        }
        copy(&source, &dir.join(to))?;
    }
    Ok(())
}

/// Release bundles go through binaryen's wasm-opt (from npm: Debian's 108 makes a bundle that
/// fails to hydrate). The features are the ones rustc's wasm32 target emits by default.
fn wasm_opt(bundle: &Path) -> Result<(), String> {
    let out = bundle.with_extension("opt.wasm");
    eprintln!("[xtask] wasm-opt -Oz {}", bundle.display());
    let status = Command::new("wasm-opt")
        .args([
            "-Oz",
            "--enable-bulk-memory",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
            "--enable-mutable-globals",
            "--enable-reference-types",
            "--enable-multivalue",
        ])
        .arg(bundle)
        .arg("-o")
        .arg(&out)
        .status()
        .map_err(|e| {
            format!(
                "could not run wasm-opt ({e}); put end2end/node_modules/.bin on PATH (npm ci there)"
            )
        })?;
    if !status.success() {
        return Err(format!("wasm-opt failed ({status})"));
    }
    fs::rename(&out, bundle).map_err(|e| format!("renaming {}: {e}", out.display()))
}

fn server(ws: &Workspace, release: bool) -> Result<(), String> {
    let mut args = vec!["build", "--locked", "-p", "bosun", "--bin", "bosun"];
    if release {
        args.push("--release");
    }
    ws.cargo(&args)?;
    let dir = if release { "release" } else { "debug" };
    let built = ws.target.join(dir).join("bosun");
    let local = ws.root.join("target").join(dir).join("bosun");
    if built != local {
        if let Some(parent) = local.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| format!("creating {}: {e}", parent.display()))?;
        }
        copy(&built, &local)?;
    }
    eprintln!("[xtask] server: {}", local.display());
    Ok(())
}

/// The JS glue and the wasm's custom sections must come from one wasm-bindgen version: the
/// crate bosun links (../Cargo.lock) and the library that writes the glue (xtask/Cargo.lock).
fn check_bindgen_version(root: &Path) -> Result<(), String> {
    let app = locked_version(&root.join("Cargo.lock"), "wasm-bindgen")?;
    let tool = locked_version(
        &root.join("xtask").join("Cargo.lock"),
        "wasm-bindgen-cli-support",
    )?;
    if app == tool {
        Ok(())
    } else {
        Err(format!(
            "Cargo.lock has wasm-bindgen {app} but xtask has wasm-bindgen-cli-support {tool}: \
             pin `wasm-bindgen-cli-support = \"={app}\"` in xtask/Cargo.toml"
        ))
    }
}

fn locked_version(lock: &Path, name: &str) -> Result<String, String> {
    let text = fs::read_to_string(lock).map_err(|e| format!("reading {}: {e}", lock.display()))?;
    let wanted = format!("name = \"{name}\"");
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line == wanted {
            return lines
                .next()
                .and_then(|v| v.strip_prefix("version = \""))
                .and_then(|v| v.strip_suffix('"'))
                .map(str::to_owned)
                .ok_or_else(|| format!("{}: no version after {wanted}", lock.display()));
        }
    }
    Err(format!("{}: {name} is not locked", lock.display()))
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    fs::copy(from, to)
        .map(drop)
        .map_err(|e| format!("copying {} to {}: {e}", from.display(), to.display()))
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    let entries = fs::read_dir(from).map_err(|e| format!("reading {}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("reading {}: {e}", from.display()))?;
        let kind = entry.file_type().map_err(|e| e.to_string())?;
        let dest = to.join(entry.file_name());
        if kind.is_dir() {
            fs::create_dir_all(&dest).map_err(|e| format!("creating {}: {e}", dest.display()))?;
            copy_dir(&entry.path(), &dest)?;
        } else if kind.is_file() {
            copy(&entry.path(), &dest)?;
        }
    }
    Ok(())
}
