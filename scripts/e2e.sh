#!/usr/bin/env bash
# End-to-end tests: starts the release build of bosun on a free port with a fresh data dir,
# runs the Playwright specs in Debian's Chromium against it, and stops it again.
# Expects `cargo leptos build --release` to have run (scripts/test.sh does that once).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
source scripts/lib/toolchain.sh
bosun_ensure_node_deps
bosun_ensure_chromium
bosun_ensure_docker

[ -x target/release/bosun ] && [ -f target/site/pkg/bosun.wasm ] ||
    { bosun__log "ERROR: build first: cargo leptos build --release"; exit 1; }

data=$(mktemp -d)
pid=""
# The demo stack the specs look at, under a project name of its own.
demo_project="bosun-e2e-$$"

# The demo proxy's certificate directory, watched by bosun (BOSUN_CERT_DIRS).
export DEMO_CERT_DIR="$data/demo-certs"
mkdir -p "$DEMO_CERT_DIR"

port=$(bosun_free_port)
password="e2e-$(head -c 12 /dev/urandom | base64 | tr -dc 'a-zA-Z0-9')"
log="$data/bosun.log"
BOSUN_DATA_DIR="$data" BOSUN_LISTEN="127.0.0.1:$port" BOSUN_ADMIN_PASSWORD="$password" \
    BOSUN_CERT_DIRS="$DEMO_CERT_DIR" \
    LEPTOS_SITE_ROOT="$root/target/site" target/release/bosun >"$log" 2>&1 &
pid=$!
cleanup() {
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$data"
    end2end/stacks/demo/down.sh "$demo_project" >/dev/null 2>&1 || true
}
trap cleanup EXIT
end2end/stacks/demo/up.sh "$demo_project"

for _ in $(seq 1 100); do
    curl -skf "https://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; bosun__log "ERROR: bosun exited"; exit 1; }
    sleep 0.1
done

export E2E_BOSUN_URL="https://127.0.0.1:$port" E2E_ADMIN_PASSWORD="$password" E2E_DEMO_PROJECT="$demo_project" \
    E2E_CERT_DIR="$DEMO_CERT_DIR"
status=0
(cd end2end && npx playwright test "$@") || status=$?
if [ "$status" -ne 0 ]; then
    bosun__log "bosun's log:"
    tail -n 50 "$log" >&2
fi
exit "$status"
