#!/usr/bin/env bash
# End-to-end tests: starts the release build of bosun (scripts/lib/serve.sh) with a fresh data
# dir and the demo stack, runs the Playwright specs in Debian's Chromium against it, and stops
# both again. Expects `scripts/build.sh --release` to have run (scripts/test.sh does that once).
# Arguments go to Playwright, e.g. `scripts/e2e.sh tests/logs.spec.ts`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
source scripts/lib/toolchain.sh
source scripts/lib/serve.sh
source scripts/lib/oidc.sh
bosun_ensure_node_deps
bosun_ensure_chromium
bosun_ensure_docker
bosun_require_release

data=$(mktemp -d)
# The demo stack the specs look at, under a project name of its own.
demo_project="bosun-e2e-$$"
# The demo proxy's certificate directory, watched by bosun (BOSUN_CERT_DIRS).
export DEMO_CERT_DIR="$data/demo-certs"
mkdir -p "$DEMO_CERT_DIR"
password=$(bosun_password e2e)

# A project on an image in a local registry that has a newer build waiting (the update specs).
update_project="bosun-e2e-upd-$$"

cleanup() {
    bosun_serve_stop
    bosun_oidc_stop
    end2end/stacks/demo/down.sh "$demo_project" >/dev/null 2>&1 || true
    end2end/stacks/updates/down.sh "$update_project" "$data/updates" >/dev/null 2>&1 || true
    rm -rf "$data"
}
trap cleanup EXIT
end2end/stacks/demo/up.sh "$demo_project"
end2end/stacks/updates/up.sh "$update_project" "$data/updates" >/dev/null
# The team's identity provider, with users in groups (the sign-in specs).
bosun_oidc_start "$data"
# The stats history samples every 2 s here, so a chart has samples from before a page opens.
BOSUN_ADMIN_PASSWORD="$password" BOSUN_CERT_DIRS="$DEMO_CERT_DIR" BOSUN_STATS_HISTORY=2s/30m \
    BOSUN_OIDC_ISSUER="$OIDC_TEST_ISSUER" BOSUN_OIDC_CLIENT_ID="$OIDC_TEST_CLIENT_ID" \
    BOSUN_OIDC_CLIENT_SECRET="$OIDC_TEST_SECRET" BOSUN_OIDC_BUTTON="Sign in with Team SSO" \
    BOSUN_OIDC_ROLES="admin:bosun-admins,operator:bosun-operators,viewer:bosun-viewers" BOSUN_PASSKEY_LOGIN=on \
    bosun_serve "$data"
bosun_oidc_register "$BOSUN_SERVE_URL"
bosun_check_site_refs "$BOSUN_SERVE_URL/login"

export E2E_BOSUN_URL="$BOSUN_SERVE_URL" E2E_ADMIN_PASSWORD="$password" E2E_DEMO_PROJECT="$demo_project" \
    E2E_CERT_DIR="$DEMO_CERT_DIR" E2E_UPDATE_PROJECT="$update_project" E2E_OIDC_URL="$OIDC_TEST_ISSUER"
status=0
(cd end2end && npx playwright test "$@") || status=$?
if [ "$status" -ne 0 ]; then
    bosun__log "bosun's log:"
    tail -n 50 "$BOSUN_SERVE_LOG" >&2
fi
exit "$status"
