#!/usr/bin/env bash
# Usage: up.sh [--build] [PROJECT]     (PROJECT defaults to bosun-demo)
# Starts the demo stack under its own compose project name and waits until
# every service that has a health check is healthy. Images are built only when
# missing, or always with --build. Safe to run again.
# The proxy's certificate directory is $DEMO_CERT_DIR, by default one per project
# under ${TMPDIR:-/tmp} (down.sh removes that one).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../../scripts/lib/docker.sh
source "$here/../../../scripts/lib/docker.sh"

build=0
project=bosun-demo
for arg in "$@"; do
    case "$arg" in
        --build) build=1 ;;
        -h | --help) sed -n '2,5p' "${BASH_SOURCE[0]}"; exit 0 ;;
        -*) echo "up.sh: unknown option $arg" >&2; exit 2 ;;
        *) project=$arg ;;
    esac
done

bosun_ensure_docker
COMPOSE=$(bosun_ensure_compose)
bosun_ensure_base_images

export DEMO_CERT_DIR=${DEMO_CERT_DIR:-${TMPDIR:-/tmp}/bosun-demo-certs-$project}
mkdir -p "$DEMO_CERT_DIR"

compose() { $COMPOSE -f "$here/docker-compose.yaml" -p "$project" "$@"; }

if [ "$build" = 0 ]; then
    for image in bosun-demo/postgres:15 bosun-demo/web:1 bosun-demo/worker:2 bosun-demo/nginx:1; do
        docker image inspect "$image" >/dev/null 2>&1 || build=1
    done
fi
if [ "$build" = 1 ]; then
    compose build
fi

compose up -d --no-build

# Wait for health, not just "running": tests expect a usable database.
deadline=$((SECONDS + 90))
while :; do
    pending=()
    for id in $(compose ps -q); do
        read -r name state health < <(docker inspect -f \
            '{{.Name}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$id")
        if [ "$state" != running ] || [ "$health" = unhealthy ]; then
            echo "up.sh: ${name#/} is $state/$health" >&2
            docker logs --tail 50 "$id" >&2 || true
            exit 1
        fi
        [ "$health" = healthy ] || [ "$health" = none ] || pending+=("${name#/}")
    done
    [ "${#pending[@]}" -eq 0 ] && break
    if [ "$SECONDS" -ge "$deadline" ]; then
        echo "up.sh: not healthy after 90 s: ${pending[*]}" >&2
        exit 1
    fi
    sleep 1
done

echo "up.sh: project $project is up; web on $(compose port web 8080), proxy on $(compose port proxy 443) (certificates in $DEMO_CERT_DIR)" >&2
