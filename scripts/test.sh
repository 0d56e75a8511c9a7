#!/usr/bin/env bash
# Every check and test tier, in order: formatting, lints, unit tests, integration tests
# against the real Docker engine, end-to-end tests in Chromium, API and parser fuzzing, the
# container smoke test and a short benchmark run.
# Installs what is missing first. CI runs exactly this (.ci/run). Stops at the first failure.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
source scripts/lib/toolchain.sh

# CI builds from scratch once: incremental caches only cost disk there.
if [[ "${CI:-}" == "true" ]]; then export CARGO_INCREMENTAL=0; fi

step() { printf '\n[bosun] ==== %s ====\n' "$*" >&2; }

step "setup"
bosun_ensure_rust
bosun_ensure_cargo_leptos
bosun_ensure_wasm_bindgen
bosun_ensure_node_deps
bosun_ensure_chromium
bosun_ensure_pebble
# A missing engine is a failure, never a skip: this installs and starts one, or fails.
bosun_ensure_docker
bosun_ensure_base_images
bosun_ensure_test_images

step "format"
cargo fmt --all --check
(cd fuzz && cargo fmt --check)

step "lint"
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy -p bosun-frontend --features hydrate --target wasm32-unknown-unknown --locked -- -D warnings

step "unit tests"
cargo test --workspace --lib --bins --locked

step "integration tests (real Docker engine)"
brute=adversarial::ten_thousand_guesses_from_many_addresses_are_locked_out_and_bosun_stays_responsive
cargo test -p bosun --test it --locked -- --skip "$brute"

step "password guessing under load (prints the /healthz p99 it measured)"
cargo test -p bosun --test it --locked -- --exact "$brute" --nocapture

step "integration tests that restart the Docker engine (run alone)"
cargo test -p bosun --test it --locked -- --ignored --test-threads=1

step "release build (server + wasm bundle, once)"
cargo leptos build --release

step "end-to-end tests (Chromium)"
scripts/e2e.sh

step "API fuzzing (Schemathesis against the OpenAPI document)"
scripts/api-fuzz.sh

step "fuzzing, short run (scripts/fuzz.sh: 15 s per target)"
scripts/fuzz.sh 15

step "container image + smoke test"
scripts/container-smoke.sh

step "benchmarks, short run (scripts/bench.sh --smoke)"
scripts/bench.sh --smoke

step "all tiers passed"
