#!/usr/bin/env bash
# Usage: up.sh PROJECT DIR
# A registry for the update specs: Debian's docker-registry on a free loopback port (data and
# its pid in DIR), two builds of a tiny web server pushed to it, and a compose project PROJECT
# running the first build as `stable`. Then the second build is pushed as `stable`, so the
# project has an update waiting. Prints the image reference. down.sh removes it all.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../../scripts/lib/docker.sh
source "$here/../../../scripts/lib/docker.sh"
# shellcheck source=../../../scripts/lib/toolchain.sh
source "$here/../../../scripts/lib/toolchain.sh"
project=${1:?usage: up.sh PROJECT DIR}
dir=${2:?usage: up.sh PROJECT DIR}
bosun_ensure_registry >&2
COMPOSE=$(bosun_ensure_compose)
port=$(bosun_free_port)
mkdir -p "$dir/registry"
cat >"$dir/registry.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/registry
http:
  addr: 127.0.0.1:$port
YAML
docker-registry serve "$dir/registry.yml" >"$dir/registry.log" 2>&1 &
echo $! >"$dir/registry.pid"
for _ in $(seq 50); do
    curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && break
    sleep 0.1
done
repo="127.0.0.1:$port/bosun-e2e-web"
for version in v1 v2; do
    mkdir -p "$dir/$version"
    echo "$version" >"$dir/$version/version"
    printf 'FROM busybox:latest\nCOPY version /www/version\nCMD ["httpd", "-f", "-p", "80", "-h", "/www"]\n' >"$dir/$version/Dockerfile"
    DOCKER_BUILDKIT=0 docker build -q --force-rm -t "$repo:$version" "$dir/$version" >/dev/null
done
docker tag "$repo:v1" "$repo:stable"
docker push -q "$repo:stable" >/dev/null
cat >"$dir/docker-compose.yaml" <<YAML
services:
  web:
    image: $repo:stable
    labels:
      bosun.update.wait: 4s
YAML
$COMPOSE -f "$dir/docker-compose.yaml" -p "$project" up -d >&2
docker tag "$repo:v2" "$repo:stable"
docker push -q "$repo:stable" >/dev/null
# The host keeps v1 as `stable`, as a host that has not pulled yet would.
docker tag "$repo:v1" "$repo:stable"
echo "$repo:stable"
