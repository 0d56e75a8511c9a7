#!/usr/bin/env bash
# Usage: scripts/bench.sh [--smoke]
#
# Measures bosun against the raw Docker engine and the compose CLI, side by side in one run,
# and prints one table with the goals: status page, log follow throughput, backup of a
# ≥ 1 GB PostgreSQL database, scaling 1 → 10 → 1, RSS idle and with 50/100 log followers,
# 1,000 viewers of one busy container (engine streams, RSS, lost lines), in Chromium
# (scripts/browser-bench.sh) the Services page at 10,000 containers (first screen, DOM, long
# tasks while scrolling) and the Logs page following a log flood (lag, long tasks, heap, DOM),
# container image size, hydration bundle size, start time; and what the always-on stats
# history costs (engine calls, CPU, RSS) at 1 s sampling. Release artifacts are built once.
# --smoke runs every measurement small and fast (scripts/test.sh does); its figures only
# show that the machinery works. Every container and volume made is removed again.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
source scripts/lib/toolchain.sh

smoke=""
case "${1:-}" in
    --smoke) smoke="--smoke" ;;
    "") ;;
    *) echo "usage: scripts/bench.sh [--smoke]" >&2; exit 2 ;;
esac

bosun_ensure_rust
bosun_ensure_node_deps
bosun_ensure_docker
bosun_ensure_base_images
bosun_ensure_test_images
bosun_ensure_compose >/dev/null

bosun__log "release build (server, wasm bundle, benches), once"
# The benches link the very dependencies and server library of the release build (same
# profile, same features): after `scripts/build.sh --release` only the bench targets compile.
if [ ! -x target/release/bosun ] || ! compgen -G "target/site/pkg/????????????/bosun_bg.wasm.br" >/dev/null || [ -z "$smoke" ]; then
    bosun_build --release
fi
cargo bench -p bosun --locked --no-run >&2

# Many viewers hold many sockets (bosun and the bench client): raise the soft limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
figures=$(mktemp)
trap 'rm -f "$figures"' EXIT
for bench in status many logs fanout backup scale startup history; do
    bosun__log "bench: $bench ${smoke}"
    cargo bench -p bosun --locked --bench "$bench" -- $smoke | tee -a /dev/stderr | { grep '^BENCH ' || true; } >>"$figures"
done

# What Chromium does with the Services page at many containers and the Logs page following a
# log flood (end2end/bench/services.spec.ts, flood.spec.ts).
bosun__log "bench: browser: Services page at many containers, log flood ${smoke}"
scripts/browser-bench.sh $smoke >>"$figures"

# Sizes users download or pull. Every page is a lazy route: a cold load of a page moves the
# core (JS glue, core wasm, the chunks' loader) and the chunks that page needs, which it
# preloads (scripts/lib/bundle_size.py reads them from the release build's split manifest).
# The Services page is the largest, and where a signed-in user lands.
size() { python3 scripts/lib/bundle_size.py target/site/pkg "$@"; }
# The gzip copies the release build made (best compression); the wasm is kept only compressed.
# What bosun serves a browser that accepts br: the brotli copies, the CSS too. (Assigned
# first, so that a build without its split manifest stops the bench instead of a blank row.)
bundle=$(size services gz)
bundle_login=$(size login gz)
wire=$(size services br --css)
wire_login=$(size login br --css)
wire_all=$(size all br --css)
printf 'BENCH %s %s\n' bundle_kb "$bundle" bundle_login_kb "$bundle_login" wire_kb "$wire" \
    wire_login_kb "$wire_login" wire_all_kb "$wire_all" >>"$figures"
bosun__log "building the image (prebuilt artifacts) for its size"
docker build -q --target prebuilt -t bosun:bench . >/dev/null
echo "BENCH image_mb $(docker image inspect -f '{{.Size}}' bosun:bench | awk '{ print $1 / 1e6 }')" >>"$figures"
docker rmi bosun:bench >/dev/null 2>&1 || true

value() { awk -v k="$1" '$1 == "BENCH" && $2 == k { v = $3 } END { if (v == "") exit 1; print v }' "$figures"; }
# row LABEL VALUE UNIT GOAL-OP GOAL
row() {
    local label=$1 v=$2 unit=$3 op=$4 goal=$5 met
    # A figure a bench did not print is a miss, never a blank that compares as met.
    if [ -z "$v" ]; then
        printf '| %s | not measured | %s %s %s | **no** |\n' "$label" "$op" "$goal" "$unit"
        return
    fi
    met=$(awk -v v="$v" -v g="$goal" -v op="$op" 'BEGIN { ok = (op == "<=") ? v <= g : (op == "=") ? v == g : v >= g; print ok ? "yes" : "**no**" }')
    printf '| %s | %s %s | %s %s %s | %s |\n' "$label" "$(printf '%.2f' "$v")" "$unit" "$op" "$goal" "$unit" "$met"
}
# info LABEL VALUE UNIT [DECIMALS]: a figure without a goal of its own.
info() { printf '| %s | %s %s | – | – |\n' "$1" "$(printf "%.${4:-0}f" "$2")" "$3"; }

few=$(value followers_few); many=$(value followers_many)
echo
echo "bosun benchmarks${smoke:+ (smoke: small sizes, figures not meaningful)} — $(date -u +%F), $(nproc) cores"
echo
echo "| Measure | bosun | Goal | Met |"
echo "|---|---|---|---|"
row "Status page at $(value status_containers | cut -d. -f1) containers, time vs raw list + inspect (ratio)" "$(value status_ratio)" "×" "<=" 1.2
mn=$(value many_containers | cut -d. -f1)
row "$mn containers (created): overview vs the engine's own list (ratio)" "$(value many_overview_ratio)" "×" "<=" 1.2
row "$mn containers: bosun's first full read after start vs list + inspect (ratio)" "$(value many_first_read_ratio)" "×" "<=" 1.5
info "$mn containers: RSS after bosun's first read (settled: 2 s idle)" "$(value many_rss_read_mb)" "MB" 1
info "$mn containers: RSS right after serving the overview and the Services page 5 times each" "$(value many_rss_busy_mb)" "MB" 1
row "$mn containers: RSS after serving them, settled (2 s later)" "$(value many_rss_mb)" "MB" "<=" 100
info "$mn containers: Services page rendered on the server (s, MB of HTML)" "$(value many_page_s)" "s / $(printf '%.1f' "$(value many_page_mb)") MB" 2
info "$mn containers: Logs page rendered on the server (MB of HTML; its picker names every container)" "$(value many_logs_page_mb)" "MB" 2
row "Log follow throughput vs raw logs API (ratio)" "$(value logs_ratio)" "×" ">=" 0.9
info "Log follow throughput" "$(value logs_lines_per_s)" "lines/s"
row "Backup of a $(printf "%.2f" "$(value backup_db_gb)") GB PostgreSQL, speed vs docker exec pg_dump \\| gzip (ratio)" "$(value backup_ratio)" "×" ">=" 1.0
row "Scale 1 → $(value scale_to | cut -d. -f1), time vs as many parallel docker run (the engine's floor; ratio)" "$(value scale_floor_ratio)" "×" "<=" 1.2
info "Scale 1 → $(value scale_to | cut -d. -f1) → 1, time vs docker-compose --scale (ratio, for reference)" "$(value scale_ratio)" "×" 2
info "RSS 0.5 s after a sign-in (its argon2 memory not yet handed back)" "$(value rss_signed_in_mb)" "MB" 2
row "RSS idle (10 s after a sign-in)" "$(value rss_idle_mb)" "MB" "<=" 15
row "RSS with ${few%.*} log followers" "$(value rss_followers_few_mb)" "MB" "<=" 100
row "RSS with ${many%.*} log followers" "$(value rss_followers_many_mb)" "MB" "<=" 100
fv=$(value fanout_viewers | cut -d. -f1)
row "Log fan-out: engine log streams open, $fv viewers of one container" "$(value fanout_engine_streams)" "" "=" 1
row "Log fan-out: RSS with $fv viewers ($(value fanout_rate | cut -d. -f1) lines/s written)" "$(value fanout_rss_mb)" "MB" "<=" 150
info "Log fan-out: lines/s delivered to each viewer (mean; viewers and bosun share the machine)" "$(value fanout_delivered)" "lines/s"
row "Log fan-out: lines lost by viewers never told they skipped ($(value fanout_kept_up | cut -d. -f1) of $fv)" "$(value fanout_lost)" "" "=" 0
row "Log fan-out: lines the others missed and were not told of (counted in lines)" "$(value fanout_untold)" "" "=" 0
fs=$(value flood_seconds | cut -d. -f1); fr=$(value flood_rate | cut -d. -f1)
row "Log flood in Chromium ($fr lines/s for $fs s): newest line on screen, behind the container (worst 2 s sample)" "$(value flood_lag_ms)" "ms" "<=" 1000
info "Log flood in Chromium: longest the page took to answer a probe" "$(value flood_probe_ms)" "ms"
row "Log flood in Chromium: longest main-thread task (longtask entries)" "$(value flood_longest_task_ms)" "ms" "<=" 200
info "Log flood in Chromium: main thread busy while following (share of the time; script within it)" "$(value flood_busy_pct)" "% ($(printf '%.0f' "$(value flood_script_pct)") % script)" 0
info "Log flood in Chromium: server-sent events the page was handed a second (each a call into its code)" "$(value flood_events_per_s)" "events/s" 0
row "Log flood in Chromium: JS heap at the end" "$(value flood_heap_mb)" "MB" "<=" 150
row "Log flood in Chromium: log rows in the page (the rows in sight plus a margin)" "$(value flood_rows_drawn)" "" "<=" 150
info "Log flood in Chromium: DOM nodes in the whole page at the end" "$(value flood_dom_nodes)" "nodes"
info "Log flood in Chromium: lines kept in the page (bounded at 50,000)" "$(value flood_lines_kept)" "lines"
bn=$(value many_browser_containers | cut -d. -f1)
row "Services page in Chromium, $bn containers: first screen (navigation to the frame that draws the first project)" "$(value many_first_screen_ms)" "ms" "<=" 2000
row "Services page in Chromium, $bn containers: nodes in the DOM, text and comments too (the more of: once live, 2 s later)" "$(value many_dom_nodes)" "nodes" "<=" 5000
info "Services page in Chromium, $bn containers: elements among them" "$(value many_dom_elements)" "elements"
row "Services page in Chromium, $bn containers: longest main-thread task while scrolling it and one opened project through" "$(value many_scroll_longest_ms)" "ms" "<=" 200
info "Services page in Chromium, $bn containers: hydrated (from navigation start)" "$(value many_hydrated_ms)" "ms"
info "Services page in Chromium, $bn containers: HTML (decoded)" "$(value many_html_kb)" "KB"
info "Services page in Chromium, $bn containers: longest main-thread task while loading (before scrolling)" "$(value many_load_longest_ms)" "ms"
info "Services page in Chromium, $bn containers: JS heap at the end" "$(value many_heap_mb)" "MB" 1
row "Container image (uncompressed)" "$(value image_mb)" "MB" "<=" 20
row "Hydration bundle, cold load of the Services page (wasm + js, gzipped)" "$(value bundle_kb)" "KB" "<=" 400
info "Hydration bundle, cold load of the sign-in page (wasm + js, gzipped)" "$(value bundle_login_kb)" "KB" 2
row "Site files over the wire, cold load of the Services page (brotli: wasm + js + css)" "$(value wire_kb)" "KB" "<=" 500
info "Site files over the wire, cold load of the sign-in page (brotli)" "$(value wire_login_kb)" "KB" 2
info "Site files over the wire, every page once (brotli)" "$(value wire_all_kb)" "KB" 2
row "Start to first HTTPS response (restart)" "$(value start_ms)" "ms" "<=" 200
info "Start to first HTTPS response (new data dir: certificate, first admin's hash)" "$(value start_cold_ms)" "ms"
# The always-on stats history sampling every second (60× its default rate), against the
# history off, side by side for the same window. A round is one engine call per running
# container; it may take longer than the second it is set to.
hn=$(value history_containers | cut -d. -f1); hw=$(value history_window_s | cut -d. -f1)
info "Stats history at 1 s: engine calls per round ($hn containers)" "$(value history_engine_calls_per_round)" "calls" 1
info "Stats history at 1 s: time per round ($hn containers)" "$(value history_round_s)" "s" 2
info "Stats history at 1 s: extra bosun CPU per minute, scaled to 100 containers" "$(value history_cpu_ms_per_min_per_100)" "ms"
info "Stats history: extra bosun CPU per engine call" "$(value history_cpu_ms_per_call)" "ms" 2
info "Stats history: extra engine CPU per engine call (dockerd, containerd)" "$(value history_engine_cpu_ms_per_call)" "ms" 2
info "Stats history at 1 s: extra RSS ($hn containers, after $hw s)" "$(value history_rss_extra_mb)" "MB" 1
lost=$(value fanout_lost | cut -d. -f1)
[ "$lost" = 0 ] || { bosun__log "ERROR: log fan-out viewers that kept up lost $lost lines"; exit 1; }
gaps=$(value follower_gaps | cut -d. -f1)
[ "$gaps" = 0 ] || { bosun__log "ERROR: log followers missed lines ($gaps gaps)"; exit 1; }
