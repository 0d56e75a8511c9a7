# shellcheck shell=bash
#
# Build-tool helpers for bosun's scripts. Source this file; it only defines functions.
# Each function installs what is missing and does nothing when it is already there.
#
#   bosun_ensure_rust          cargo + rustup, the wasm32 target, rustfmt, clippy
#   bosun_ensure_cargo_leptos  cargo-leptos 0.3.10 (newer ones need a newer rustc)
#   bosun_ensure_wasm_bindgen  wasm-bindgen-cli matching the wasm-bindgen in Cargo.lock
#   bosun_ensure_node_deps     node, npm, and end2end/node_modules (Playwright, wasm-opt)
#   bosun_ensure_chromium      a Chromium for the end-to-end tests
#   bosun_ensure_pebble        Debian's pebble (ACME test server) and curl, for the ACME tests
#
# cargo-leptos downloads any tool it can't find on PATH; these functions make sure it
# finds them instead, because only package registries are reachable on CI machines.

BOSUN_ROOT=${BOSUN_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BOSUN_CARGO_LEPTOS_VERSION=0.3.10

# Shares logging, sudo and apt helpers with the Docker helpers.
# shellcheck source=docker.sh
source "$BOSUN_ROOT/scripts/lib/docker.sh"

bosun_ensure_rust() {
    export PATH="$HOME/.cargo/bin:$PATH"
    if ! command -v cargo >/dev/null 2>&1; then
        command -v curl >/dev/null 2>&1 || bosun__apt_install curl ca-certificates
        command -v cc >/dev/null 2>&1 || bosun__apt_install build-essential
        bosun__log "installing Rust with rustup"
        curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal >&2 ||
            { bosun__log "ERROR: could not install Rust; install it from https://rustup.rs and run this again"; return 1; }
        export PATH="$HOME/.cargo/bin:$PATH"
    fi
    command -v cc >/dev/null 2>&1 || bosun__apt_install build-essential
    if command -v rustup >/dev/null 2>&1; then
        rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown ||
            rustup target add wasm32-unknown-unknown >&2
        cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt >&2
        cargo clippy --version >/dev/null 2>&1 || rustup component add clippy >&2
    fi
}

bosun_ensure_cargo_leptos() {
    if cargo leptos --version 2>/dev/null | grep -q "$BOSUN_CARGO_LEPTOS_VERSION"; then
        return 0
    fi
    bosun__log "installing cargo-leptos $BOSUN_CARGO_LEPTOS_VERSION (about 15 minutes on 2 cores, once)"
    cargo install cargo-leptos --locked --version "$BOSUN_CARGO_LEPTOS_VERSION" >&2
}

bosun_ensure_wasm_bindgen() {
    local want
    want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' "$BOSUN_ROOT/Cargo.lock")
    [ -n "$want" ] || { bosun__log "ERROR: no wasm-bindgen in Cargo.lock"; return 1; }
    if wasm-bindgen --version 2>/dev/null | grep -q " $want\$"; then
        return 0
    fi
    bosun__log "installing wasm-bindgen-cli $want"
    # Not --locked: one of its locked dependencies is missing from the crates mirror.
    cargo install wasm-bindgen-cli --version "$want" --force >&2
}

bosun_ensure_node_deps() {
    if ! command -v npm >/dev/null 2>&1; then
        bosun__apt_install nodejs npm
    fi
    local dir="$BOSUN_ROOT/end2end"
    if [ ! -x "$dir/node_modules/.bin/playwright" ] || [ ! -x "$dir/node_modules/.bin/wasm-opt" ] ||
        [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
        bosun__log "installing end2end npm packages"
        (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund >&2)
    fi
    # wasm-opt 132 from npm: Debian's binaryen 108 makes a bundle that fails to hydrate.
    export PATH="$dir/node_modules/.bin:$PATH"
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

bosun_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
