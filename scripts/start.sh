#!/usr/bin/env bash
# Installs whatever is missing, builds bosun, and starts it against the local Docker engine
# on https://localhost:8443 with its data in ./data. Run from anywhere; as root or with sudo.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=lib/toolchain.sh
source scripts/lib/toolchain.sh

bosun_ensure_rust
bosun_ensure_node_deps
bosun_ensure_docker

bosun__log "building (release)"
bosun_build --release

mkdir -p data
export BOSUN_DATA_DIR=${BOSUN_DATA_DIR:-$root/data}
export LEPTOS_SITE_ROOT=${LEPTOS_SITE_ROOT:-$root/target/site}
bosun__log "starting bosun (Ctrl-C stops it)"
exec "$root/target/release/bosun" "$@"
