#!/usr/bin/env bash
# Usage: down.sh [PROJECT]     (PROJECT defaults to bosun-demo)
# Removes the project's containers, networks and volumes; keeps the images.
# Safe to run on a project that is not (or no longer) up.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../../scripts/lib/docker.sh
source "$here/../../../scripts/lib/docker.sh"

project=${1:-bosun-demo}
bosun_ensure_docker
COMPOSE=$(bosun_ensure_compose)
export DEMO_CERT_DIR=${DEMO_CERT_DIR:-${TMPDIR:-/tmp}/bosun-demo-certs-$project}
$COMPOSE -f "$here/docker-compose.yaml" -p "$project" down -v --remove-orphans
# The default certificate directory is the project's own; one given by the caller is theirs.
case "$DEMO_CERT_DIR" in
    "${TMPDIR:-/tmp}/bosun-demo-certs-$project") rm -rf "$DEMO_CERT_DIR" ;;
esac
