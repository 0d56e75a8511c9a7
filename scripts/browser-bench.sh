#!/usr/bin/env bash
# Usage: scripts/browser-bench.sh [--smoke]
#
# What a browser does with bosun under load, measured in Chromium (end2end/bench/), in two
# rounds against the release build of bosun (scripts/lib/serve.sh, a fresh data dir):
#  1. the Services page on a host with 10,000 containers (400 with --smoke; BOSUN_BENCH_MANY=N
#     for another count), created but never started, in 20 compose projects × 10 services
#     (services.spec.ts). They are made before bosun starts, and the spec waits until bosun's
#     overview lists them all; they are removed again before round 2, whose Logs page would
#     otherwise list them in its picker.
#  2. the Logs page following a container that writes about 10,000 lines a second, for 60 s
#     (8 s with --smoke; flood.spec.ts).
# Prints `BENCH key value` lines on stdout (scripts/bench.sh reads them), including how many
# containers round 1 had and the rate the flood container really wrote; progress on stderr.
# Removes every container it made (labels bosun.bench=many-browser-PID, bosun.bench=flood),
# also when it fails.
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

seconds=60 many=10000
case "${1:-}" in
    --smoke) seconds=8 many=400 ;;
    "") ;;
    *) echo "usage: scripts/browser-bench.sh [--smoke]" >&2; exit 2 ;;
esac
# Read, then unset: bosun refuses BOSUN_* settings it does not know.
many=${BOSUN_BENCH_MANY:-$many}
unset BOSUN_BENCH_MANY
[[ "$many" =~ ^[1-9][0-9]*$ ]] || { echo "BOSUN_BENCH_MANY must be a count of containers" >&2; exit 2; }

data=$(mktemp -d)
name="bosun-bench-flood-$$"
label="bosun.bench=many-browser-$$"
project="bosun-bench-many-$$-p"
# This run's many containers, removed 100 to a docker rm, four of those at once.
remove_many() {
    local ids t=$SECONDS
    ids=$(docker ps -aq --filter "label=$label")
    [ -n "$ids" ] || return 0
    printf '%s\n' "$ids" | xargs -r -n 100 -P 4 docker rm -f >/dev/null
    bosun__log "removed $(printf '%s\n' "$ids" | wc -l) containers in $((SECONDS - t)) s"
}
workers=()
cleanup() {
    # Workers still making containers (interrupted): stopped first, then their containers go.
    for pid in "${workers[@]}"; do kill "$pid" 2>/dev/null || true; done
    bosun_serve_stop
    docker rm -f "$name" >/dev/null 2>&1 || true
    remove_many || true
    rm -rf "$data"
}
trap cleanup EXIT

# Container i: project i % 20, service (i / 20) % 10, number i / 200 + 1, as compose names
# them (server/benches/many.rs makes the same host). Worker $1 of $2 makes every $2-th one.
create_share() {
    local i p s k
    for ((i = $1; i < many; i += $2)); do
        p="$project$((i % 20))" s="svc$((i / 20 % 10))" k=$((i / 200 + 1))
        docker create --name "${p}_${s}_$k" --label "$label" --label "com.docker.compose.project=$p" \
            --label "com.docker.compose.service=$s" --label "com.docker.compose.container-number=$k" \
            --label com.docker.compose.oneoff=False "$BOSUN_BUSYBOX_IMAGE" sleep 3600 >/dev/null
        if (($1 == 0 && i > 0 && i % 1000 == 0)); then
            bosun__log "created about $i of $many containers ($((SECONDS - made)) s)"
        fi
    done
}
bosun__log "creating $many containers (not started) in 20 projects × 10 services, 8 at once"
made=$SECONDS failed=0
for ((w = 0; w < 8; w++)); do
    create_share "$w" 8 &
    workers+=($!)
done
for pid in "${workers[@]}"; do wait "$pid" || failed=1; done
workers=()
[ "$failed" = 0 ] || { bosun__log "ERROR: docker create failed"; exit 1; }
bosun__log "created $many containers in $((SECONDS - made)) s"
echo "BENCH many_browser_containers $many"

password=$(bosun_password bench)
BOSUN_ADMIN_PASSWORD="$password" bosun_serve "$data" >&2
export E2E_BOSUN_URL="$BOSUN_SERVE_URL" E2E_ADMIN_PASSWORD="$password"
# One spec of end2end/bench/ in Chromium: its BENCH lines on stdout (none is a failure), all
# its output on stderr (awk writes to fd 2; `tee /dev/stderr` would truncate a 2>file).
spec() {
    (cd end2end && npx playwright test --config playwright.bench.config.ts "$1") |
        awk '{ print > "/dev/stderr" } /^BENCH / { print; n++ } END { exit n == 0 }'
}

status=0
E2E_MANY_PREFIX="$project" E2E_MANY_CONTAINERS="$many" spec services.spec.ts || status=$?
remove_many

# 100 numbered lines, then 10 ms asleep: about 10,000 lines a second where the shell keeps up.
docker run -d --name "$name" --label bosun.bench=flood "$BOSUN_BUSYBOX_IMAGE" sh -c \
    'i=0; while :; do i=$((i+1)); echo "flood line $i"; [ $((i % 100)) = 0 ] && usleep 10000; done' >/dev/null
first=$(docker logs --tail 1 "$name" 2>/dev/null | awk '{ print $3 }')
start=$SECONDS
E2E_FLOOD_CONTAINER="$name" E2E_FLOOD_SECONDS="$seconds" spec flood.spec.ts || status=$?
last=$(docker logs --tail 1 "$name" 2>/dev/null | awk '{ print $3 }')
elapsed=$((SECONDS - start))
echo "BENCH flood_rate $(awk -v a="${first:-0}" -v b="${last:-0}" -v s="$elapsed" 'BEGIN { print (b - a) / (s > 0 ? s : 1) }')"
exit "$status"
