# shellcheck shell=bash
#
# Docker helpers for bosun's scripts and tests. Source this file; it only
# defines functions. Everything is idempotent and safe under `set -euo pipefail`.
#
#   bosun_ensure_docker              engine installed, running, answering
#   COMPOSE=$(bosun_ensure_compose)  "docker compose" or "docker-compose"
#   COMPOSE=$(bosun_compose_cmd)     same (alias)
#   bosun_ensure_base_images         debian:bookworm-slim and busybox:latest exist
#   bosun_ensure_test_images         bosun-test/mariadb:10.11, bosun-demo/postgres:15, bosun-demo/nginx:1 exist
#   bosun_copy_ca_bundle DIR         host CA bundle -> DIR/ca-certificates.crt
#
# Why this exists: CI and dev machines may have no engine running and no
# container registry reachable, only Debian's apt. So we install the engine from
# apt and, when `docker pull` fails, build the two base images ourselves.
#
# Messages go to stderr so that functions whose stdout is captured stay clean.

BOSUN_DOCKERD_LOG=${BOSUN_DOCKERD_LOG:-/var/log/bosun-dockerd.log}
BOSUN_DEBIAN_IMAGE=${BOSUN_DEBIAN_IMAGE:-debian:bookworm-slim}
BOSUN_BUSYBOX_IMAGE=${BOSUN_BUSYBOX_IMAGE:-busybox:latest}
BOSUN_ROOT=${BOSUN_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

bosun__log() { printf '[bosun] %s\n' "$*" >&2; }
bosun__fail() { printf '[bosun] ERROR: %s\n' "$*" >&2; return 1; }

# sudo only when needed: root containers/CI images often have no sudo at all.
bosun__root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

bosun__apt_install() {
    # The lock timeout lets us queue behind an apt run that is already going
    # (e.g. a provisioning step) instead of failing on the lock.
    local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -y -q)
    bosun__log "apt-get install $*"
    if ! bosun__root "${apt[@]}" install --no-install-recommends "$@" >&2; then
        # Fresh images often ship without package lists.
        bosun__root "${apt[@]}" update >&2
        bosun__root "${apt[@]}" install --no-install-recommends "$@" >&2
    fi
}

bosun__docker_answers() { docker info >/dev/null 2>&1; }

bosun_ensure_docker() {
    bosun__docker_answers && return 0

    # A remote/custom DOCKER_HOST that does not answer is not ours to fix.
    case "${DOCKER_HOST:-unix:///var/run/docker.sock}" in
        unix:///var/run/docker.sock | unix:///run/docker.sock) ;;
        *) bosun__fail "DOCKER_HOST=$DOCKER_HOST does not answer 'docker info'"; return 1 ;;
    esac

    # dockerd lives in /usr/sbin, which is not on every user's PATH.
    local dockerd
    dockerd=$(PATH="$PATH:/usr/sbin:/sbin" command -v dockerd || true)
    if [ -z "$dockerd" ] || ! command -v docker >/dev/null 2>&1; then
        bosun__apt_install docker.io docker-compose
        dockerd=$(PATH="$PATH:/usr/sbin:/sbin" command -v dockerd) ||
            { bosun__fail "dockerd still missing after installing docker.io"; return 1; }
    fi

    if pgrep -x dockerd >/dev/null 2>&1; then
        bosun__log "dockerd is already running; waiting for it to answer"
    else
        bosun__log "starting dockerd (log: $BOSUN_DOCKERD_LOG)"
        # setsid+nohup: the daemon must outlive this script and its terminal.
        # The redirect runs inside the root shell so the log can be in /var/log.
        bosun__root sh -c 'setsid nohup "$1" >>"$2" 2>&1 </dev/null &' \
            sh "$dockerd" "$BOSUN_DOCKERD_LOG"
    fi

    local i
    for ((i = 0; i < 60; i++)); do
        if [ -S /var/run/docker.sock ] && bosun__docker_answers; then
            bosun__log "docker engine is up"
            return 0
        fi
        sleep 1
    done
    if [ -S /var/run/docker.sock ] && [ "$(id -u)" -ne 0 ] && [ ! -w /var/run/docker.sock ]; then
        bosun__fail "dockerd runs but $(id -un) may not use /var/run/docker.sock (add the user to the 'docker' group)"
        return 1
    fi
    bosun__fail "docker engine did not answer within 60 s; see $BOSUN_DOCKERD_LOG"
    return 1
}

# Prints the compose command. Compose v2 is preferred when present; Debian 12
# only packages v1 (docker-compose 1.29), which is fine for our files.
bosun_ensure_compose() {
    if docker compose version >/dev/null 2>&1; then
        echo "docker compose"
        return 0
    fi
    if ! command -v docker-compose >/dev/null 2>&1; then
        bosun__apt_install docker-compose
    fi
    docker-compose version >/dev/null 2>&1 ||
        { bosun__fail "no working compose: neither 'docker compose' nor 'docker-compose'"; return 1; }
    echo "docker-compose"
}

bosun_compose_cmd() { bosun_ensure_compose; }

bosun__have_image() { docker image inspect "$1" >/dev/null 2>&1; }

# A registry is tried first so normal machines get the real images; the pull is
# time-boxed because on an offline machine it can hang for a long time.
bosun__try_pull() {
    bosun__log "trying docker pull $1"
    timeout 20 docker pull -q "$1" >/dev/null 2>&1
}

# Mirror for debootstrap: whatever this machine's apt already uses, since that
# is known to be reachable (maybe the only thing that is).
bosun__debian_mirror() {
    local uri=""
    if [ -r /etc/apt/sources.list.d/debian.sources ]; then
        uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' \
            /etc/apt/sources.list.d/debian.sources)
    fi
    if [ -z "$uri" ] && [ -r /etc/apt/sources.list ]; then
        uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { if ($i !~ /security/) print $i; break } }' \
            /etc/apt/sources.list | head -n1)
    fi
    echo "${uri:-http://deb.debian.org/debian}"
}

bosun__build_debian_image() {
    local cache="${XDG_CACHE_HOME:-$HOME/.cache}/bosun"
    local arch tarball
    arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
    tarball="$cache/debian-bookworm-minbase-$arch.tar"
    mkdir -p "$cache"

    if [ ! -s "$tarball" ]; then
        command -v debootstrap >/dev/null 2>&1 || bosun__apt_install debootstrap
        local mirror rootfs
        mirror=$(bosun__debian_mirror)
        rootfs=$(mktemp -d "${TMPDIR:-/tmp}/bosun-rootfs.XXXXXX")
        bosun__log "debootstrap bookworm from $mirror (takes ~30-60 s)"
        if ! bosun__root debootstrap --variant=minbase --arch="$arch" bookworm "$rootfs" "$mirror" >&2; then
            bosun__root rm -rf "$rootfs"
            bosun__fail "debootstrap failed"
            return 1
        fi
        # Make it look like the official slim image: same apt sources layout,
        # no package lists or .debs baked in, no docs/man pages on install.
        bosun__root sh -c '
            set -e
            root=$1 mirror=$2
            rm -f "$root/etc/apt/sources.list"
            cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
            cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<EOF
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
EOF
            echo "APT::Install-Recommends \"false\";" >"$root/etc/apt/apt.conf.d/99bosun-norecommends"
            rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin \
                   "$root"/var/cache/apt/archives/*.deb "$root"/var/log/*.log \
                   "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
                   "$root"/usr/share/locale/*
            rm -rf "$root"/dev/* "$root"/proc/* "$root"/sys/* "$root"/tmp/* "$root"/run/*
        ' sh "$rootfs" "$mirror"
        # Write to a temp name first: an interrupted run must not leave a
        # truncated tarball that later runs would trust.
        bosun__root tar --numeric-owner -C "$rootfs" -c . >"$tarball.tmp"
        mv "$tarball.tmp" "$tarball"
        bosun__root rm -rf "$rootfs"
    else
        bosun__log "using cached rootfs $tarball"
    fi

    docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["bash"]' \
        "$tarball" "$BOSUN_DEBIAN_IMAGE" >/dev/null
    bosun__log "imported $BOSUN_DEBIAN_IMAGE"
}

# Only a static busybox works in a FROM scratch image (no libc there).
bosun__static_busybox() {
    local out=$1
    if [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; then
        cp /bin/busybox "$out"
        return 0
    fi
    # Extract the package rather than install it: busybox-static conflicts with
    # the dynamic `busybox` package the host may rely on.
    local tmp
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/bosun-busybox.XXXXXX")
    bosun__log "fetching busybox-static with apt-get download"
    if ! (cd "$tmp" && apt-get download busybox-static >&2); then
        bosun__root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -q update >&2
        (cd "$tmp" && apt-get download busybox-static >&2)
    fi
    dpkg-deb -x "$tmp"/busybox-static_*.deb "$tmp/x"
    cp "$tmp/x/bin/busybox" "$out"
    rm -rf "$tmp"
}

bosun__build_busybox_image() {
    local ctx
    ctx=$(mktemp -d "${TMPDIR:-/tmp}/bosun-busybox-ctx.XXXXXX")
    bosun__static_busybox "$ctx/busybox"
    # Layout follows the official busybox image: all applets in /bin, a
    # minimal passwd/group, a world-writable /tmp.
    cat >"$ctx/Dockerfile" <<'EOF'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN mkdir -p /etc /tmp /root /home /var/www /usr/bin /usr/sbin /sbin \
 && chmod 1777 /tmp \
 && printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' >/etc/passwd \
 && printf 'root:x:0:\nnogroup:x:65534:\n' >/etc/group
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CMD ["sh"]
EOF
    bosun__log "building $BOSUN_BUSYBOX_IMAGE from a static busybox"
    if ! DOCKER_BUILDKIT=0 docker build -q -t "$BOSUN_BUSYBOX_IMAGE" "$ctx" >/dev/null 2>"$ctx/build.err"; then
        cat "$ctx/build.err" >&2
        rm -rf "$ctx"
        bosun__fail "building $BOSUN_BUSYBOX_IMAGE failed"
        return 1
    fi
    rm -rf "$ctx"
}

bosun__ensure_base_images_unlocked() {
    if ! bosun__have_image "$BOSUN_DEBIAN_IMAGE"; then
        bosun__try_pull "$BOSUN_DEBIAN_IMAGE" || bosun__build_debian_image
    fi
    if ! bosun__have_image "$BOSUN_BUSYBOX_IMAGE"; then
        bosun__try_pull "$BOSUN_BUSYBOX_IMAGE" || bosun__build_busybox_image
    fi
}

bosun_ensure_base_images() {
    # Fast path without locking: the usual case is "both already there".
    if bosun__have_image "$BOSUN_DEBIAN_IMAGE" && bosun__have_image "$BOSUN_BUSYBOX_IMAGE"; then
        return 0
    fi
    # Tests start stacks in parallel; on a cold machine only one of them
    # should debootstrap while the others wait and then find the images.
    local cache="${XDG_CACHE_HOME:-$HOME/.cache}/bosun"
    mkdir -p "$cache"
    if command -v flock >/dev/null 2>&1; then
        (
            flock 9
            bosun__ensure_base_images_unlocked
        ) 9>"$cache/base-images.lock"
    else
        bosun__ensure_base_images_unlocked
    fi
}

bosun_copy_ca_bundle() {
    local dir=${1:?usage: bosun_copy_ca_bundle DIR}
    local bundle=/etc/ssl/certs/ca-certificates.crt
    [ -r "$bundle" ] || { bosun__fail "$bundle not found (install ca-certificates)"; return 1; }
    mkdir -p "$dir"
    cp "$bundle" "$dir/ca-certificates.crt"
}

# Database images the integration tests run, like the official mariadb:10.11
# and postgres:15 but built from this repository (they are ours, so no pull is
# tried). Only built when missing: after editing one of those Dockerfiles,
# `docker rmi` the tag (or build it yourself) to pick up the change.
bosun__test_images() {
    printf '%s %s\n' \
        bosun-test/mariadb:10.11 "$BOSUN_ROOT/end2end/stacks/mariadb" \
        bosun-demo/postgres:15 "$BOSUN_ROOT/end2end/stacks/demo/postgres" \
        bosun-demo/nginx:1 "$BOSUN_ROOT/end2end/stacks/demo/nginx"
}

bosun__build_stack_image() {
    local tag=$1 dir=$2 err
    [ -f "$dir/Dockerfile" ] || { bosun__fail "$dir/Dockerfile not found"; return 1; }
    bosun__log "building $tag from ${dir#"$BOSUN_ROOT"/} (only when missing; about a minute)"
    err=$(mktemp "${TMPDIR:-/tmp}/bosun-build.XXXXXX")
    # -q keeps stdout clean; on failure the legacy builder prints the whole
    # build log to stderr, which is what we show. --force-rm: a failed step
    # must not leave its container behind on a shared engine.
    if ! DOCKER_BUILDKIT=0 docker build -q --force-rm -t "$tag" "$dir" >/dev/null 2>"$err"; then
        cat "$err" >&2
        rm -f "$err"
        bosun__fail "building $tag failed"
        return 1
    fi
    rm -f "$err"
    bosun__log "built $tag"
}

bosun__ensure_test_images_unlocked() {
    local tag dir
    while read -r tag dir; do
        bosun__have_image "$tag" || bosun__build_stack_image "$tag" "$dir" || return 1
    done < <(bosun__test_images)
}

bosun_ensure_test_images() {
    local tag dir missing=0
    while read -r tag dir; do
        bosun__have_image "$tag" || missing=1
    done < <(bosun__test_images)
    # Fast path without locking: the usual case is "all already there".
    [ "$missing" = 1 ] || return 0

    # Both are FROM debian:bookworm-slim.
    bosun_ensure_base_images
    # Parallel test runs on a cold machine: one builds, the others wait for it
    # and then find the images.
    local cache="${XDG_CACHE_HOME:-$HOME/.cache}/bosun"
    mkdir -p "$cache"
    if command -v flock >/dev/null 2>&1; then
        (
            flock 9
            bosun__ensure_test_images_unlocked
        ) 9>"$cache/test-images.lock"
    else
        bosun__ensure_test_images_unlocked
    fi
}
