# shellcheck shell=bash
# A real OpenID provider for the browser tests: end2end/oidc/provider.mjs (the `oidc-provider`
# npm package) on a loopback port, with test users in groups. Sourced by scripts/e2e.sh.
#   bosun_oidc_start DIR        starts it; sets OIDC_TEST_ISSUER (its issuer) and OIDC_TEST_PID (not BOSUN_*: bosun refuses settings it does not know)
#   bosun_oidc_register URL     lets bosun at URL (its origin) sign in there
#   bosun_oidc_stop

OIDC_TEST_CLIENT_ID=bosun-e2e

bosun_oidc_start() {
    local dir=${1:?usage: bosun_oidc_start DIR} i
    OIDC_TEST_SECRET=$(bosun_password oidc)
    local out="$dir/oidc.out"
    : >"$out"
    node "$BOSUN_ROOT/end2end/oidc/provider.mjs" --port 0 --client-id "$OIDC_TEST_CLIENT_ID" \
        --client-secret "$OIDC_TEST_SECRET" >"$out" 2>"$dir/oidc.log" &
    OIDC_TEST_PID=$!
    OIDC_TEST_ISSUER=""
    for ((i = 0; i < 300; i++)); do
        OIDC_TEST_ISSUER=$(sed -n 's/^oidc-provider: ready \(.*\)$/\1/p' "$out" | head -n1)
        [ -n "$OIDC_TEST_ISSUER" ] && return 0
        kill -0 "$OIDC_TEST_PID" 2>/dev/null || break
        sleep 0.1
    done
    cat "$dir/oidc.log" >&2
    bosun__log "ERROR: the OpenID provider did not start"
    return 1
}

bosun_oidc_register() {
    local origin=${1:?usage: bosun_oidc_register URL}
    curl -sf -X POST -H 'content-type: application/json' \
        -d "{\"redirect_uris\":[\"$origin/auth/oidc/callback\"],\"post_logout_redirect_uris\":[\"$origin/login\"]}" \
        "$OIDC_TEST_ISSUER/__test/client" >/dev/null ||
        { bosun__log "ERROR: the OpenID provider refused bosun's callback $origin/auth/oidc/callback"; return 1; }
}

bosun_oidc_stop() {
    if [ -n "${OIDC_TEST_PID:-}" ]; then
        kill "$OIDC_TEST_PID" 2>/dev/null || true
        wait "$OIDC_TEST_PID" 2>/dev/null || true
        OIDC_TEST_PID=""
    fi
}
