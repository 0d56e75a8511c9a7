# shellcheck shell=bash
#
# Timed tiers for scripts/test.sh: `bosun_tier NAME KIND COMMAND...` runs COMMAND under a
# header and records its wall time; KIND says what the time went to (install, build, run).
# The table is printed when the script exits, on success and on failure alike, with the total
# and a warning when it is over the CI budget (BOSUN_CI_BUDGET_MIN, 30 minutes).

BOSUN_CI_BUDGET_MIN=${BOSUN_CI_BUDGET_MIN:-30}
BOSUN_TIER_ROWS=()
BOSUN_TIERS_START=$SECONDS

bosun__duration() {
    local s=$1
    if [ "$s" -ge 60 ]; then printf '%dm %02ds' $((s / 60)) $((s % 60)); else printf '%ds' "$s"; fi
}

bosun_tier() {
    local name=$1 kind=$2 start status=0
    shift 2
    printf '\n[bosun] ==== %s ====\n' "$name" >&2
    start=$SECONDS
    "$@" || status=$?
    local took=$((SECONDS - start)) outcome=passed
    [ "$status" -eq 0 ] || outcome="FAILED ($status)"
    BOSUN_TIER_ROWS+=("$name|$kind|$took|$outcome")
    if [ "$status" -ne 0 ]; then
        printf '[bosun] tier "%s" failed after %s\n' "$name" "$(bosun__duration "$took")" >&2
        exit "$status"
    fi
}

bosun_tier_table() {
    local total=$((SECONDS - BOSUN_TIERS_START)) row name kind took outcome
    {
        printf '\n| tier | kind | time | outcome |\n|---|---|---|---|\n'
        for row in "${BOSUN_TIER_ROWS[@]}"; do
            IFS='|' read -r name kind took outcome <<<"$row"
            printf '| %s | %s | %s | %s |\n' "$name" "$kind" "$(bosun__duration "$took")" "$outcome"
        done
        printf '| **total** | | **%s** | |\n' "$(bosun__duration "$total")"
        if [ "$total" -gt $((BOSUN_CI_BUDGET_MIN * 60)) ]; then
            printf '\n[bosun] WARNING: this run took %s, over the CI budget of %d minutes. Find the slow tier above before it lands.\n' \
                "$(bosun__duration "$total")" "$BOSUN_CI_BUDGET_MIN"
        fi
    } >&2
}
trap bosun_tier_table EXIT
