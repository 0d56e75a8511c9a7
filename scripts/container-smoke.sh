#!/usr/bin/env bash
# Builds the bosun image once from the host's release build, starts it with the repo's
# docker-compose.yaml, and checks HTTPS /healthz and a sign-in. Cleans up what it made.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
source scripts/lib/toolchain.sh
source scripts/lib/serve.sh
bosun_ensure_docker
COMPOSE=$(bosun_ensure_compose)
bosun_ensure_base_images

bosun_require_release

project=bosun-ci-smoke
image=bosun:latest
if grep -qE '[:.]8443$' <<<"$(ss -ltn 2>/dev/null | awk '{print $4}')"; then
    bosun__log "ERROR: port 8443 is in use; stop whatever listens there (a bosun from scripts/start.sh?) and run again"
    exit 1
fi

bosun__log "building $image (prebuilt artifacts)"
docker build --target prebuilt -t "$image" . >&2

compose() { $COMPOSE -f docker-compose.yaml -p "$project" "$@"; }
cleanup() { compose down -v --remove-orphans >/dev/null 2>&1 || true; }
trap cleanup EXIT
compose up -d --no-build >&2

url=https://127.0.0.1:8443
# Each check below stops the test when it fails; the ones that held are counted.
passed=0
for _ in $(seq 1 100); do
    curl -skf "$url/healthz" >/dev/null 2>&1 && break
    sleep 0.2
done
health=$(curl -sk "$url/healthz")
[ "$health" = ok ] || { compose logs >&2; bosun__log "ERROR: /healthz answered '$health'"; exit 1; }
passed=$((passed + 1))
# The image's binary and its site belong together: every file its pages ask for is there.
bosun_check_site_refs "$url/login" || { compose logs >&2; exit 1; }
passed=$((passed + 1))
# The image's HEALTHCHECK: bosun asks itself, without a shell or curl in the image.
compose exec -T bosun /usr/local/bin/bosun healthcheck ||
    { compose logs >&2; bosun__log "ERROR: 'bosun healthcheck' failed inside the container"; exit 1; }
passed=$((passed + 1))
# The wasm bundle goes over the wire brotli-compressed, from a directory named by its digest,
# kept by browsers for good (a new build is a new directory).
wasm=$(curl -sk "$url/login" | grep -o '/pkg/[0-9a-f]\{12\}/bosun_bg\.wasm' | head -n1)
[ -n "$wasm" ] || { bosun__log "ERROR: the sign-in page names no digest-stamped wasm bundle"; exit 1; }
headers=$(curl -sk -H 'Accept-Encoding: br' -D - -o /dev/null "$url$wasm" | tr -d '\r' | tr 'A-Z' 'a-z')
case "$headers" in
    *'content-encoding: br'*'immutable'* | *'immutable'*'content-encoding: br'*) ;;
    *) bosun__log "ERROR: $wasm is not served brotli-compressed and immutable: $headers"; exit 1 ;;
esac
passed=$((passed + 1))
# The image keeps the wasm compressed only; a client that takes no compression still gets the
# wasm itself (the gzip copy, decompressed), starting with its magic bytes.
plain=$(mktemp)
curl -sk -H 'Accept-Encoding: identity' -o "$plain" "$url$wasm"
magic=$(od -An -tx1 -N4 "$plain" | tr -d ' \n')
size=$(wc -c <"$plain")
rm -f "$plain"
[ "$magic" = 0061736d ] && [ "$size" -gt 100000 ] ||
    { bosun__log "ERROR: $wasm without compression is not the wasm (starts $magic, $size bytes)"; exit 1; }
passed=$((passed + 1))

# The image's bosun hands freed memory back as measured (BENCHMARKS.md): its allocator's
# settings are built into the binary, not left to the environment.
# (Read whole before the match: `grep -q` stops at the first match, and under pipefail the
# writer's broken pipe would fail the check.)
stats=$(docker run --rm -e _RJEM_MALLOC_CONF=stats_print:true "$image" --version 2>&1)
if ! grep -q 'opt.dirty_decay_ms: 1000' <<<"$stats"; then
    bosun__log "ERROR: the image's bosun does not have jemalloc's built-in settings (.cargo/config.toml)"
    exit 1
fi
passed=$((passed + 1))

# The image is `scratch` plus bosun: no shell, no cat. The generated password comes out
# through the engine's archive API instead.
if compose exec -T bosun /bin/sh -c true >/dev/null 2>&1; then
    bosun__log "ERROR: the image has a shell; it should hold bosun, its libraries and its site only"
    exit 1
fi
passed=$((passed + 1))
password=$(docker cp "$(compose ps -q bosun)":/data/initial-admin-password - | tar -xO | tr -d '\r\n')
[ -n "$password" ] || { bosun__log "ERROR: no generated admin password in the data volume"; exit 1; }
body=$(curl -sk -X POST "$url/api/v1/session" -H 'content-type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$password\"}")
case "$body" in
    *'"username":"admin"'*'"must_change_password":true'*) ;;
    *) compose logs >&2; bosun__log "ERROR: sign-in failed: $body"; exit 1 ;;
esac
passed=$((passed + 1))
# Through the mounted socket, the container must see the engine.
jar=$(mktemp)
trap 'rm -f "$jar"; cleanup' EXIT
curl -sk -c "$jar" -X POST "$url/api/v1/session" -H 'content-type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$password\"}" >/dev/null
new_password=$(bosun_password smoke)
code=$(curl -sk -b "$jar" -H "Origin: $url" -X POST "$url/api/v1/me/password" -H 'content-type: application/json' \
    -d "{\"current\":\"$password\",\"new\":\"$new_password\"}" -o /dev/null -w '%{http_code}')
[ "$code" = 204 ] || { bosun__log "ERROR: password change answered $code"; exit 1; }
passed=$((passed + 1))
curl -sk -c "$jar" -X POST "$url/api/v1/session" -H 'content-type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$new_password\"}" >/dev/null
engine=""
for _ in $(seq 1 50); do
    engine=$(curl -sk -b "$jar" "$url/api/v1/engine")
    case "$engine" in *'"connected":true'*) break ;; esac
    sleep 0.2
done
case "$engine" in
    *'"connected":true'*) ;;
    *) compose logs >&2; bosun__log "ERROR: the container can't reach the engine: $engine"; exit 1 ;;
esac
passed=$((passed + 1))
size=$(docker image inspect "$image" --format '{{.Size}}')
bosun__log "container smoke test passed (image $image: $((size / 1024 / 1024)) MB)"
echo "container smoke: $passed passed, 0 failed"
