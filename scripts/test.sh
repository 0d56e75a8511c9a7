#!/usr/bin/env bash
# Every check and test tier, in order: formatting, lints, unit tests, integration tests
# against the real Docker engine, end-to-end tests in Chromium, API fuzzing, the container
# smoke test and a short benchmark run. Installs what is missing first. CI runs exactly this
# (.ci/run). Stops at the first failure, and prints a table of every tier's time either way.
#
# Each thing is compiled once per run: clippy (host, wasm), one debug build of every test,
# one release build (server + wasm bundle) that e2e, Schemathesis, the image and the benches
# all use. Compiled dependencies are kept between runs in a cache shared by every clone on
# this machine (scripts/lib/toolchain.sh: bosun_cargo_cache), so a warm run compiles only
# bosun's own crates; and a committed checkout runs from one fixed directory
# (scripts/lib/workdir.sh), so of those only the ones that changed, incrementally.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
source scripts/lib/toolchain.sh
source scripts/lib/workdir.sh
# A committed checkout is tested from one fixed directory, where the crates that did not
# change since the last run stay built (scripts/lib/workdir.sh); this returns when it is not.
bosun_stable_workdir "$@"
source scripts/lib/tiers.sh

# In place, CI builds each crate once: incremental caches only cost time and disk there.
if [[ "${CI:-}" == "true" && "$root" != "$BOSUN_WORKDIR" ]]; then export CARGO_INCREMENTAL=0; fi

setup() {
    bosun_ensure_rust
    bosun_ensure_node_deps
    bosun_ensure_chromium
    bosun_ensure_pebble
    bosun_ensure_registry
    bosun_ensure_moto
    bosun_ensure_age
    # A missing engine is a failure, never a skip: this installs and starts one, or fails.
    bosun_ensure_docker
    bosun_ensure_base_images
    bosun_ensure_test_images
}

format() {
    cargo fmt --all --check
    (cd xtask && cargo fmt --check)
}

lint_host() {
    cargo clippy --workspace --all-targets --locked -- -D warnings
    cargo clippy --manifest-path xtask/Cargo.toml --locked -- -D warnings
}

# No bollard outside server/src/docker/, no source file over 400 lines, no import loop.
structure() {
    scripts/check-structure.sh
}

lint_wasm() {
    cargo clippy -p bosun-frontend --features hydrate --target wasm32-unknown-unknown --locked -- -D warnings
}

# Libraries of every crate (the fuzz crate's replays every seed), and bosun's own binary. Not
# `--workspace --bins`: that would build the fuzz targets without libFuzzer's main.
unit() {
    cargo test --workspace --locked --lib
    cargo test --locked -p bosun --bins
}

# The path of a test executable from the build above (cargo prints them as JSON).
test_binary() {
    local name=$1
    cargo test --workspace --locked --no-run --message-format=json 2>/dev/null |
        python3 -c '
import json, sys
want = sys.argv[1]
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == want:
        print(m["executable"])
' "$name" | head -n1
}

# Runs the integration binary with per-test times, and prints the ten slowest afterwards.
# RUSTC_BOOTSTRAP only lets libtest print the times; nothing is compiled with it.
run_it() {
    local log status=0
    log=$(mktemp)
    (cd server && RUSTC_BOOTSTRAP=1 "$it" "$@" -Z unstable-options --report-time) 2>&1 | tee "$log" || status=$?
    printf '\n[bosun] slowest tests:\n' >&2
    sed -n 's/^test \(.*\) \.\.\. ok <\([0-9.]*\)s>$/\2 \1/p' "$log" | sort -rn | head -n 10 |
        awk '{ printf "  %7.1f s  %s\n", $1, $2 }' >&2
    rm -f "$log"
    return "$status"
}

brute=adversarial::ten_thousand_guesses_from_many_addresses_are_locked_out_and_bosun_stays_responsive

bosun_tier "setup" install setup
bosun_tier "format" run format
bosun_tier "lint: clippy, host (+ fuzz targets, xtask)" build lint_host
bosun_tier "lint: clippy, wasm" build lint_wasm
bosun_tier "lint: structure (rooms, file sizes, import loops)" run structure
bosun_tier "test build (debug: unit, integration, fuzz seeds)" build cargo test --workspace --locked --no-run
it=$(test_binary it)
[ -x "$it" ] || { bosun__log "ERROR: the integration test binary was not found"; exit 1; }
bosun_tier "unit tests (+ fuzz seed replays)" run unit
bosun_tier "integration tests (real Docker engine)" run run_it --skip "$brute"
bosun_tier "password guessing under load (/healthz p99)" run run_it --exact "$brute" --nocapture
bosun_tier "engine-wide tests: engine restarts, Swarm (run alone)" run run_it --ignored --test-threads=1
bosun_tier "release build (server + wasm bundle, once)" build bosun_build --release
bosun_tier "end-to-end tests (Chromium)" run scripts/e2e.sh
bosun_tier "API fuzzing (Schemathesis)" run scripts/api-fuzz.sh
bosun_tier "container image + smoke test" run scripts/container-smoke.sh
bosun_tier "benchmarks, short run (same release build)" run scripts/bench.sh --smoke
bosun__log "all tiers passed"
