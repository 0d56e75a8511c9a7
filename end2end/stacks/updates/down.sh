#!/usr/bin/env bash
# Usage: down.sh PROJECT DIR — removes what up.sh made: the project, the registry, the images.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../../scripts/lib/docker.sh
source "$here/../../../scripts/lib/docker.sh"
project=${1:?usage: down.sh PROJECT DIR}
dir=${2:?usage: down.sh PROJECT DIR}
COMPOSE=$(bosun_ensure_compose)
[ -f "$dir/docker-compose.yaml" ] && $COMPOSE -f "$dir/docker-compose.yaml" -p "$project" down -t 1 >/dev/null 2>&1
[ -f "$dir/registry.pid" ] && kill "$(cat "$dir/registry.pid")" 2>/dev/null
docker images --format '{{.Repository}}:{{.Tag}}' | grep '/bosun-e2e-web:' | xargs -r docker rmi -f >/dev/null 2>&1
rm -rf "$dir"
