# shellcheck shell=bash
#
# One way to start the built bosun for a test tier (e2e, API fuzzing, benches use the same
# binary): `bosun_serve DATA_DIR [FLAGS...]` starts target/release/bosun on a loopback port it
# picks itself (--listen 127.0.0.1:0), reads the address it prints, waits for /healthz and sets
#   BOSUN_SERVE_URL   https://127.0.0.1:PORT
#   BOSUN_SERVE_PID   its process id (bosun_serve_stop ends it)
#   BOSUN_SERVE_LOG   DATA_DIR/bosun.log (stderr; stdout is in DATA_DIR/bosun.out)
# Environment such as BOSUN_ADMIN_PASSWORD is passed through. Source after toolchain.sh.

# A throwaway password for a test tier's admin: PREFIX-<16 random letters and digits>.
bosun_password() {
    printf '%s-%s' "${1:?usage: bosun_password PREFIX}" "$(head -c 12 /dev/urandom | base64 | tr -dc 'a-zA-Z0-9')"
}

bosun_require_release() {
    local bin="$BOSUN_ROOT/target/release/bosun" site="$BOSUN_ROOT/target/site"
    # The release bundle: its directory is named by its digest (xtask/src/split.rs).
    compgen -G "$site/pkg/????????????/bosun_bg.wasm.br" >/dev/null &&
        compgen -G "$site/pkg/????????????/bosun.js.br" >/dev/null && [ -x "$bin" ] ||
        { bosun__log "ERROR: build first: scripts/build.sh --release"; return 1; }
}

bosun_serve() {
    local data=${1:?usage: bosun_serve DATA_DIR [FLAGS...]}
    shift
    bosun_require_release || return 1
    BOSUN_SERVE_LOG="$data/bosun.log"
    local out="$data/bosun.out"
    : >"$out"
    BOSUN_DATA_DIR="$data" LEPTOS_SITE_ROOT="$BOSUN_ROOT/target/site" \
        "$BOSUN_ROOT/target/release/bosun" --listen 127.0.0.1:0 "$@" >"$out" 2>"$BOSUN_SERVE_LOG" &
    BOSUN_SERVE_PID=$!
    local addr="" i
    for ((i = 0; i < 300; i++)); do
        addr=$(sed -n 's/^bosun: listening on \([^ ]*\).*/\1/p' "$out" | head -n1)
        [ -n "$addr" ] && break
        kill -0 "$BOSUN_SERVE_PID" 2>/dev/null ||
            { cat "$BOSUN_SERVE_LOG" >&2; bosun__log "ERROR: bosun exited before listening"; return 1; }
        sleep 0.1
    done
    [ -n "$addr" ] || { cat "$BOSUN_SERVE_LOG" >&2; bosun__log "ERROR: bosun printed no address in 30 s"; return 1; }
    BOSUN_SERVE_URL="https://$addr"
    case " $* " in *" --tls off "*) BOSUN_SERVE_URL="http://$addr" ;; esac
    for ((i = 0; i < 100; i++)); do
        curl -skf "$BOSUN_SERVE_URL/healthz" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    cat "$BOSUN_SERVE_LOG" >&2
    bosun__log "ERROR: $BOSUN_SERVE_URL/healthz did not answer"
    return 1
}

bosun_serve_stop() {
    if [ -n "${BOSUN_SERVE_PID:-}" ]; then
        kill "$BOSUN_SERVE_PID" 2>/dev/null || true
        wait "$BOSUN_SERVE_PID" 2>/dev/null || true
        BOSUN_SERVE_PID=""
    fi
}

# Every file a page served at $1 (a URL) asks for under /pkg/ must be served (200):
# a binary and a site from different builds render pages that never hydrate.
bosun_check_site_refs() {
    local page=$1 html refs missing=0 ref origin code
    html=$(curl -sk "$page") || { bosun__log "ERROR: could not fetch $page"; return 1; }
    refs=$(printf '%s' "$html" | grep -o '/pkg/[A-Za-z0-9._/-]*' | sort -u)
    [ -n "$refs" ] || { bosun__log "ERROR: $page references no /pkg/ file (no hydration script?)"; return 1; }
    origin=$(printf '%s' "$page" | grep -o '^https\{0,1\}://[^/]*')
    for ref in $refs; do
        code=$(curl -sk -o /dev/null -w '%{http_code}' "$origin$ref")
        if [ "$code" != 200 ]; then
            bosun__log "ERROR: $page asks for $ref, which bosun answers with $code"
            missing=1
        fi
    done
    [ "$missing" = 0 ] && bosun__log "the page's files all exist: $(echo $refs | tr '\n' ' ')"
}
