#!/usr/bin/env bash
# Usage: scripts/browser-bench.sh [--smoke]
#
# What a browser does with bosun under load, measured in Chromium (end2end/bench/): the Logs
# page following a container that writes about 10,000 lines a second, for 60 s (8 s with
# --smoke). Prints `BENCH key value` lines on stdout (scripts/bench.sh reads them), including
# the rate the container really wrote. Starts the release build of bosun (scripts/lib/serve.sh)
# with a fresh data dir; removes the container it made (label bosun.bench=flood).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
source scripts/lib/toolchain.sh
source scripts/lib/serve.sh
bosun_ensure_node_deps
bosun_ensure_chromium
bosun_ensure_docker
bosun_ensure_base_images
bosun_require_release

seconds=60
case "${1:-}" in
    --smoke) seconds=8 ;;
    "") ;;
    *) echo "usage: scripts/browser-bench.sh [--smoke]" >&2; exit 2 ;;
esac

data=$(mktemp -d)
name="bosun-bench-flood-$$"
cleanup() {
    bosun_serve_stop
    docker rm -f "$name" >/dev/null 2>&1 || true
    rm -rf "$data"
}
trap cleanup EXIT
password=$(bosun_password bench)
BOSUN_ADMIN_PASSWORD="$password" bosun_serve "$data" >&2

# 100 numbered lines, then 10 ms asleep: about 10,000 lines a second where the shell keeps up.
docker run -d --name "$name" --label bosun.bench=flood "$BOSUN_BUSYBOX_IMAGE" sh -c \
    'i=0; while :; do i=$((i+1)); echo "flood line $i"; [ $((i % 100)) = 0 ] && usleep 10000; done' >/dev/null
first=$(docker logs --tail 1 "$name" 2>/dev/null | awk '{ print $3 }')
start=$SECONDS

status=0
(cd end2end && E2E_BOSUN_URL="$BOSUN_SERVE_URL" E2E_ADMIN_PASSWORD="$password" E2E_FLOOD_CONTAINER="$name" \
    E2E_FLOOD_SECONDS="$seconds" npx playwright test --config playwright.bench.config.ts) | tee /dev/stderr |
    grep '^BENCH ' || status=$?
last=$(docker logs --tail 1 "$name" 2>/dev/null | awk '{ print $3 }')
elapsed=$((SECONDS - start))
echo "BENCH flood_rate $(awk -v a="${first:-0}" -v b="${last:-0}" -v s="$elapsed" 'BEGIN { print (b - a) / (s > 0 ? s : 1) }')"
exit "$status"
