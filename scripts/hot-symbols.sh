#!/usr/bin/env bash
# Makes server/link/hot-symbols.txt, the order the release link lays bosun's code out in
# (server/build.rs): the functions a start, a sign-in and the first pages run, recorded with
# valgrind's callgrind on an unstripped release build. Run it again after a dependency
# update (the symbols' names change with it); until then, what it no longer names is laid
# out as before, and the idle RSS row of scripts/bench.sh creeps back up.
#
# Needs the Docker engine and a built site (`xtask build --release`); installs valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/toolchain.sh
source scripts/lib/docker.sh
bosun_cargo_cache
bosun_ensure_docker
command -v valgrind >/dev/null 2>&1 || bosun__apt_install valgrind
command -v nm >/dev/null 2>&1 || bosun__apt_install binutils
[ -d target/site/pkg ] || bosun__fail "no site in target/site: run the release build first (README)"

work=$(mktemp -d)
pid=
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
# The shipped binary's code, linked once more with its symbol table. Only the last link is
# asked not to strip: the symbols' names carry a hash of their crate's build settings
# (`strip` among them), so changing the profile instead would name every function of
# bosun's crates differently from the shipped build's.
cargo rustc --locked --release -p bosun --bin bosun -- -C strip=none >&2
cp "$CARGO_TARGET_DIR/release/bosun" "$work/bosun"

# One run under callgrind: a new data dir, a sign-in, and the pages if asked.
record() {
    local out=$1 pages=$2 port=$((20000 + RANDOM % 20000)) i jar="$work/jar"
    mkdir -p "$work/data-$out"
    env -u BOSUN_ROOT BOSUN_DATA_DIR="$work/data-$out" BOSUN_TLS=off BOSUN_LOG=warn \
        BOSUN_ADMIN_PASSWORD=hot-symbols-password BOSUN_BACKUP_VERIFY=off LEPTOS_SITE_ROOT="$PWD/target/site" \
        valgrind --tool=callgrind --demangle=no --dump-instr=no --compress-strings=no --compress-pos=no \
        --callgrind-out-file="$work/$out" "$work/bosun" --listen "127.0.0.1:$port" >"$work/$out.log" 2>&1 &
    pid=$!
    for i in $(seq 1 600); do
        curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
        sleep 0.1
    done
    curl -fs -o /dev/null -c "$jar" -X POST -H 'content-type: application/json' \
        -H "origin: http://127.0.0.1:$port" \
        -d '{"username":"admin","password":"hot-symbols-password"}' \
        "http://127.0.0.1:$port/api/v1/session" || bosun__fail "sign-in failed (log: $work/$out.log)"
    # Idle for as long as the bench waits before it reads the idle RSS: what bosun runs on
    # its own meanwhile (the engine's events, timers) is hot too.
    sleep 12
    if [ "$pages" = pages ]; then
        for path in / /logs /tasks /backups /certificates /account /login; do
            curl -fs -o /dev/null -b "$jar" "http://127.0.0.1:$port$path"
        done
        # The live streams a page opens once it runs (each cut after 3 s).
        for path in /api/v1/overview/events /api/v1/stats/events; do
            curl -s -o /dev/null -m 3 -b "$jar" "http://127.0.0.1:$port$path" || true
        done
        sleep 2
    fi
    kill -INT "$pid"
    wait "$pid" || true
    pid=
}
record start none
record pages pages
python3 scripts/lib/hot_symbols.py "$work/bosun" server/link/hot-symbols.txt "$work/start" "$work/pages"
# Link the shipped binary again, stripped (the crates are not rebuilt).
cargo build --locked --release -p bosun --bin bosun >&2
bosun__log "done; the release build (scripts/build.sh --release) links with it"
