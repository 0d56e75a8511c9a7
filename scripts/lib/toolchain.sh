# shellcheck shell=bash
#
# Build-tool helpers for bosun's scripts. Source this file; it only defines functions.
# Each function installs what is missing and does nothing when it is already there.
#
#   bosun_ensure_rust          cargo + rustup, the wasm32 target, rustfmt, clippy; and the
#                              shared build cache (bosun_cargo_cache)
#   bosun_ensure_node_deps     node, npm, and end2end/node_modules (Playwright, wasm-opt)
#   bosun_ensure_chromium      a Chromium for the end-to-end tests
#   bosun_ensure_pebble        Debian's pebble (ACME test server) and curl, for the ACME tests
#   bosun_ensure_registry      Debian's docker-registry, for the image update tests
#   bosun_ensure_moto          moto's S3 server (PyPI, in a venv), for the off-site copy tests
#   bosun_ensure_age           Debian's age and age-keygen, for the backup encryption tests
#   bosun_build [--release]    the site (wasm bundle, CSS, assets) into target/site and the
#                              server into target/<profile>/bosun, with xtask (plain cargo and
#                              the wasm-bindgen library: no cargo-leptos, no wasm-bindgen-cli)
#
# Only package registries are reachable on CI machines: nothing here downloads a binary.

BOSUN_ROOT=${BOSUN_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

# Shares logging, sudo and apt helpers with the Docker helpers.
# shellcheck source=docker.sh
source "$BOSUN_ROOT/scripts/lib/docker.sh"

bosun_ensure_rust() {
    export PATH="$HOME/.cargo/bin:$PATH"
    # The pinned compiler (rust-toolchain.toml: the release link's code order names functions
    # as this version mangles them).
    local channel
    channel=$(sed -n 's/^channel = "\(.*\)"$/\1/p' "$BOSUN_ROOT/rust-toolchain.toml")
    if ! command -v cargo >/dev/null 2>&1; then
        command -v curl >/dev/null 2>&1 || bosun__apt_install curl ca-certificates
        command -v cc >/dev/null 2>&1 || bosun__apt_install build-essential
        bosun__log "installing Rust $channel with rustup"
        curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs |
            sh -s -- -y --profile minimal --default-toolchain "${channel:-stable}" >&2 ||
            { bosun__log "ERROR: could not install Rust; install it from https://rustup.rs and run this again"; return 1; }
        export PATH="$HOME/.cargo/bin:$PATH"
    fi
    command -v cc >/dev/null 2>&1 || bosun__apt_install build-essential
    if command -v rustup >/dev/null 2>&1; then
        # rustup installs a pinned toolchain on first use only where RUSTUP_AUTO_INSTALL allows.
        if [ -n "$channel" ] && ! rustup toolchain list 2>/dev/null | grep -q "^$channel-"; then
            bosun__log "installing Rust $channel (rust-toolchain.toml) with rustup"
            rustup toolchain install "$channel" --profile minimal >&2 || return 1
        fi
        # From the checkout, so that they apply to the pinned toolchain wherever this is run.
        (
            cd "$BOSUN_ROOT" || exit 1
            rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown ||
                rustup target add wasm32-unknown-unknown >&2
            cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt >&2
            cargo clippy --version >/dev/null 2>&1 || rustup component add clippy >&2
        ) || return 1
    fi
    bosun_cargo_cache
}

# Compiled dependencies outlive a clone: every checkout on this machine (and every CI run, which
# starts from a fresh clone) shares one cargo target directory, so dependencies compile once per
# machine and only bosun's own crates per run. Cargo's fingerprints decide what is stale; an
# empty cache only makes the run slower. Set CARGO_TARGET_DIR to build elsewhere.
BOSUN_CACHE_MAX_GB=${BOSUN_CACHE_MAX_GB:-40}
bosun_cargo_cache() {
    if [ -z "${CARGO_TARGET_DIR:-}" ]; then
        export CARGO_TARGET_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/bosun/target"
    fi
    mkdir -p "$CARGO_TARGET_DIR"
    # Each clone adds its own build of bosun's crates; start over when that has piled up.
    local kb
    kb=$(du -sk "$CARGO_TARGET_DIR" 2>/dev/null | cut -f1)
    if [ "${kb:-0}" -gt $((BOSUN_CACHE_MAX_GB * 1024 * 1024)) ]; then
        bosun__log "the build cache $CARGO_TARGET_DIR is over ${BOSUN_CACHE_MAX_GB} GB: emptying it (this run builds everything)"
        rm -rf "$CARGO_TARGET_DIR"
        mkdir -p "$CARGO_TARGET_DIR"
    fi
}

bosun_build() {
    # wasm-opt (release) comes from end2end/node_modules.
    bosun_ensure_node_deps
    cargo run --quiet --locked --manifest-path "$BOSUN_ROOT/xtask/Cargo.toml" -- build "$@" >&2
}

bosun_ensure_node_deps() {
    if ! command -v npm >/dev/null 2>&1; then
        bosun__apt_install nodejs npm
    fi
    local dir="$BOSUN_ROOT/end2end"
    if [ ! -x "$dir/node_modules/.bin/playwright" ] || [ ! -x "$dir/node_modules/.bin/wasm-opt" ] ||
        [ ! -d "$dir/node_modules/oidc-provider" ] ||
        [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
        bosun__log "installing end2end npm packages"
        (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund >&2)
    fi
    # wasm-opt 132 from npm: Debian's binaryen 108 makes a bundle that fails to hydrate.
    case ":$PATH:" in *":$dir/node_modules/.bin:"*) ;; *) export PATH="$dir/node_modules/.bin:$PATH" ;; esac
}

bosun_ensure_chromium() {
    E2E_CHROMIUM=${E2E_CHROMIUM:-/usr/bin/chromium}
    if [ ! -x "$E2E_CHROMIUM" ]; then
        bosun__apt_install chromium
    fi
    [ -x "$E2E_CHROMIUM" ] || { bosun__log "ERROR: no Chromium at $E2E_CHROMIUM (set E2E_CHROMIUM)"; return 1; }
    export E2E_CHROMIUM
}

bosun_ensure_pebble() {
    local missing=()
    command -v pebble >/dev/null 2>&1 && command -v pebble-challtestsrv >/dev/null 2>&1 || missing+=(pebble)
    command -v curl >/dev/null 2>&1 || missing+=(curl)
    [ "${#missing[@]}" -eq 0 ] || bosun__apt_install "${missing[@]}"
    command -v pebble >/dev/null 2>&1 ||
        { bosun__log "ERROR: pebble is still missing (apt-get install pebble)"; return 1; }
}

# The CNCF distribution registry (Debian's docker-registry): the update tests push their
# builds to one on a loopback port, which the engine treats as an insecure registry.
bosun_ensure_registry() {
    command -v docker-registry >/dev/null 2>&1 || bosun__apt_install docker-registry
    command -v docker-registry >/dev/null 2>&1 ||
        { bosun__log "ERROR: docker-registry is still missing (apt-get install docker-registry)"; return 1; }
}

# The reference age tools, to check that bosun's encrypted backups open with them.
bosun_ensure_age() {
    command -v age >/dev/null 2>&1 && command -v age-keygen >/dev/null 2>&1 && return 0
    bosun__apt_install age
}

# moto's S3 server from PyPI, in a venv in the shared cache, for the off-site copy tests.
# Puts its moto_server on PATH.
bosun_ensure_moto() {
    local venv="${XDG_CACHE_HOME:-$HOME/.cache}/bosun/moto" version="5.1.18"
    if [ ! -x "$venv/bin/moto_server" ] || ! "$venv/bin/python" -c "import moto, sys; sys.exit(moto.__version__ != '$version')" 2>/dev/null; then
        command -v python3 >/dev/null 2>&1 || bosun__apt_install python3
        python3 -m venv --help >/dev/null 2>&1 || bosun__apt_install python3-venv
        bosun__log "installing moto[server] $version (an S3-compatible store) from PyPI"
        rm -rf "$venv"
        python3 -m venv "$venv" >&2
        "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$version" >&2 ||
            { bosun__log "ERROR: could not install moto[server] from PyPI"; return 1; }
    fi
    case ":$PATH:" in *":$venv/bin:"*) ;; *) export PATH="$PATH:$venv/bin" ;; esac
}

bosun_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
