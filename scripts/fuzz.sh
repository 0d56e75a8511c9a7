#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo fuzz, libFuzzer) of bosun's parsers of untrusted input:
#   log_filter  log search patterns (text and regular expressions) against any line
#   cron        cron expressions from labels and the schedule form, and their next runs
#   labels      container labels and environment read for backups, reloads and links
#   config      start-up flags and their values
#   pem         uploaded certificates and keys, and cert files found on disk
# Each target asserts what must hold for any input (no panic; matches inside the line; the
# next run after now; an accepted upload is valid now), not only "does not crash".
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
#   A short run of every target, 20 s each: scripts/fuzz.sh
#   Longer runs, e.g. an hour per target:   scripts/fuzz.sh 3600
#   One target until stopped:               cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run --features libfuzzer --sanitizer none pem
# CI does not fuzz (an instrumented build of the whole server costs more than the run): it
# checks the targets compile (clippy --all-targets) and replays every seed through the same
# properties (fuzz/src/lib.rs, in the unit tests).
# A crash leaves its input in fuzz/artifacts/TARGET/; replay it with
#   cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run --features libfuzzer --sanitizer none TARGET artifacts/TARGET/crash-…
# and keep it as a seed (fuzz/seeds/TARGET/) once fixed, so every CI run replays it.
# The corpus grows in fuzz/corpus/TARGET/ (git-ignored) and is reused by later runs.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
source scripts/lib/toolchain.sh
bosun_ensure_rust

seconds=${1:-20}
shift || true
[[ "$seconds" =~ ^[0-9]+$ ]] || { bosun__log "ERROR: SECONDS must be a whole number, not '$seconds'"; exit 2; }
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(log_filter cron labels config pem)

if ! cargo fuzz --version >/dev/null 2>&1; then
    bosun__log "installing cargo-fuzz (about 2 minutes, once)"
    cargo install cargo-fuzz --locked --version 0.13.2 >&2
fi

cd fuzz
# cargo fuzz passes a few flags that rustc only takes on nightly; the machine has one stable
# toolchain, whose rustc takes them with RUSTC_BOOTSTRAP. No sanitizer: the code has no
# unsafe (forbidden in the workspace), so libFuzzer's coverage and assertions are what count.
export RUSTC_BOOTSTRAP=1
# The dev profile keeps the instrumented build short; `libfuzzer` links libFuzzer itself.
cargo fuzz build --dev --sanitizer none --features libfuzzer >&2
mkdir -p corpus/pem
# A matching certificate and key, NUL-separated as the pem target reads them; made here
# rather than committed, so the repository holds no private key.
if [ ! -f corpus/pem/seed-pair ] && command -v openssl >/dev/null 2>&1; then
    tmp=$(mktemp -d)
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 400 \
        -keyout "$tmp/k.pem" -out "$tmp/c.pem" -subj /CN=fuzz.test \
        -addext subjectAltName=DNS:fuzz.test 2>/dev/null &&
        { cat "$tmp/c.pem"; printf '\0'; cat "$tmp/k.pem"; } >corpus/pem/seed-pair
    rm -rf "$tmp"
fi
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    log="artifacts/fuzz-$t.log"
    mkdir -p artifacts
    bosun__log "fuzzing $t for ${seconds}s"
    status=0
    cargo fuzz run --dev --sanitizer none --features libfuzzer "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$seconds" -print_final_stats=1 -max_len=4096 >"$log" 2>&1 || status=$?
    grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::new_units_added)' "$log" >&2 || true
    if [ "$status" -ne 0 ]; then
        tail -n 40 "$log" >&2
        bosun__log "ERROR: fuzz target $t failed (exit $status); the input is in fuzz/artifacts/$t/, replay it with: cd fuzz && cargo fuzz run $t artifacts/$t/<file>"
        exit 1
    fi
done
bosun__log "fuzzing passed: ${targets[*]} (${seconds}s each)"
