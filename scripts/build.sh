#!/usr/bin/env bash
# Builds bosun: the site (wasm bundle, CSS, assets) into target/site and the server binary into
# target/release/bosun (with --release; target/debug/bosun without). Installs the Rust targets
# and wasm-opt (npm) when missing. This is what scripts/start.sh, scripts/test.sh and the
# image's `prebuilt` stage use; the pipeline itself is xtask/src/main.rs.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
source scripts/lib/toolchain.sh
bosun_ensure_rust
bosun_build "$@"
