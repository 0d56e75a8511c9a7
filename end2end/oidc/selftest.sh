#!/usr/bin/env bash
# Self-test of end2end/oidc/provider.mjs: starts it on a free port and walks the
# authorization-code flow with PKCE using curl, then exercises the /__test/ endpoints.
# Needs node, curl and openssl. Usage: end2end/oidc/selftest.sh
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
client_id=bosun
secret='selftest-secret'
redirect='https://127.0.0.1:9/cb' # nothing listens there; the flow stops at the redirect
pid=

cleanup() {
    if [[ -n $pid ]]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    echo "--- provider stderr:" >&2
    cat "$work/err" >&2
    exit 1
}
ok() { echo "ok - $*"; }

# Prints the value at a dotted path of the JSON on stdin (strings raw, the rest as JSON).
json() {
    node -e '
        let v = JSON.parse(require("fs").readFileSync(0, "utf8"));
        for (const k of process.argv[1].split(".")) v = v?.[k];
        if (v === undefined) process.exit(1);
        console.log(typeof v === "string" ? v : JSON.stringify(v));' "$1"
}
# Prints the decoded JSON of part N (0 = header, 1 = payload) of a JWT.
jwt_part() { node -e 'console.log(Buffer.from(process.argv[1].split(".")[process.argv[2]], "base64url").toString())' "$1" "$2"; }
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
post_json() { curl -sS -f -H 'content-type: application/json' --data "$2" "$issuer$1"; }

# ---- start ------------------------------------------------------------------------------------

node "$here/provider.mjs" --port 0 --client-id "$client_id" --client-secret "$secret" \
    >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 100); do
    [[ $(wc -l <"$work/out") -ge 1 ]] && break
    kill -0 "$pid" 2>/dev/null || fail "provider exited early"
    sleep 0.1
done
line=$(head -n1 "$work/out")
[[ $line =~ ^oidc-provider:\ ready\ (http://127\.0\.0\.1:[0-9]+)$ ]] || fail "bad ready line: '$line'"
issuer=${BASH_REMATCH[1]}
ok "ready line: $line"

curl -sS -f "$issuer/__test/health" >/dev/null || fail "health"
post_json /__test/client "{\"redirect_uris\":[\"$redirect\"]}" >/dev/null || fail "register redirect uri"
ok "registered $redirect"

curl -sS -f "$issuer/.well-known/openid-configuration" >"$work/discovery"
[[ $(json issuer <"$work/discovery") == "$issuer" ]] || fail "discovery issuer"
auth_ep=$(json authorization_endpoint <"$work/discovery")
token_ep=$(json token_endpoint <"$work/discovery")
userinfo_ep=$(json userinfo_endpoint <"$work/discovery")
jwks_uri=$(json jwks_uri <"$work/discovery")
json end_session_endpoint <"$work/discovery" >/dev/null || fail "no end_session_endpoint"
ok "discovery: $auth_ep $token_ep $userinfo_ep $jwks_uri"

# ---- authorization-code flow ------------------------------------------------------------------

# One request without following redirects; sets $status, $location (absolute) and $work/body.
hop() {
    local url=$1; shift
    curl -sS -o "$work/body" -D "$work/headers" -b "$jar" -c "$jar" "$@" "$url"
    status=$(awk 'NR==1 {print $2}' "$work/headers")
    location=$(awk 'tolower($1) == "location:" {print $2}' "$work/headers" | tr -d '\r')
    [[ -z $location || $location == http* ]] || location="$issuer$location"
}

# authorize USER JAR: runs the flow (signing in if asked) and sets $code, $nonce, $verifier,
# and $signed_in (1 if the sign-in form was shown, 0 if the session cookie sufficed).
authorize() {
    local user=$1 state action
    jar=$2
    signed_in=0
    verifier=$(openssl rand 48 | b64url)
    challenge=$(printf %s "$verifier" | openssl dgst -sha256 -binary | b64url)
    state=$(openssl rand -hex 8)
    nonce=$(openssl rand -hex 8)
    hop "$auth_ep" --get --data-urlencode "client_id=$client_id" --data-urlencode response_type=code \
        --data-urlencode 'scope=openid profile email groups' --data-urlencode "redirect_uri=$redirect" \
        --data-urlencode "state=$state" --data-urlencode "nonce=$nonce" \
        --data-urlencode "code_challenge=$challenge" --data-urlencode code_challenge_method=S256
    while [[ $location != "$redirect"* ]]; do
        [[ -n $location ]] || fail "flow stuck at HTTP $status: $(head -c 400 "$work/body")"
        hop "$location"
        if grep -q 'name=password' "$work/body"; then
            signed_in=1
            action=$issuer$(sed -n 's/.*<form method="post" action="\([^"]*\)".*/\1/p' "$work/body")
            hop "$action" --data-urlencode "username=$user" --data-urlencode "password=wrong"
            grep -q '<p role=alert>Wrong username or password</p>' "$work/body" || fail "no error on wrong password"
            hop "$action" --data-urlencode "username=$user" --data-urlencode "password=$user-pw"
        fi
    done
    [[ $location == *"state=$state"* ]] || fail "state missing in $location"
    code=$(sed -n 's/.*[?&]code=\([^&]*\).*/\1/p' <<<"$location")
    [[ -n $code ]] || fail "no code in $location"
}

# exchange: redeems $code with client_secret_basic; sets $http and $work/token.
exchange() {
    http=$(curl -sS -o "$work/token" -w '%{http_code}' -u "$client_id:$secret" \
        --data-urlencode grant_type=authorization_code --data-urlencode "code=$code" \
        --data-urlencode "redirect_uri=$redirect" --data-urlencode "code_verifier=$verifier" "$token_ep")
}

# expect_claims JSON PATTERN...: every fixed-string pattern occurs in JSON.
expect_claims() {
    local haystack=$1; shift
    for pattern in "$@"; do grep -qF -- "$pattern" <<<"$haystack" || fail "missing $pattern in $haystack"; done
}

authorize alice "$work/jar-alice"
ok "alice signed in (a wrong password was refused first); code received at $redirect"
exchange
[[ $http == 200 ]] || fail "token exchange HTTP $http: $(cat "$work/token")"
id_token=$(json id_token <"$work/token")
claims=$(jwt_part "$id_token" 1)
expect_claims "$claims" '"sub":"sub-alice"' '"preferred_username":"alice"' '"groups":["bosun-admins"]' \
    '"realm_access":{"roles":["bosun-admins"]}' '"email":"alice@example.test"' '"amr":["pwd"]' \
    "\"nonce\":\"$nonce\"" "\"aud\":\"$client_id\"" "\"iss\":\"$issuer\""
ok "id_token claims: $claims"
header=$(jwt_part "$id_token" 0)
expect_claims "$header" '"alg":"RS256"' '"kid":'
ok "id_token header: $header"

userinfo=$(curl -sS -f -H "Authorization: Bearer $(json access_token <"$work/token")" "$userinfo_ep")
expect_claims "$userinfo" '"preferred_username":"alice"' '"groups":["bosun-admins"]' '"email_verified":true'
ok "userinfo: $userinfo"

exchange
[[ $http == 400 ]] && grep -q '"error":"invalid_grant"' "$work/token" || fail "replayed code: HTTP $http $(cat "$work/token")"
ok "replayed code refused: $(cat "$work/token")"

authorize alice "$work/jar-alice"
verifier=$(openssl rand 48 | b64url) # not the one the challenge was computed from
exchange
[[ $http == 400 ]] || fail "wrong PKCE verifier accepted"
ok "wrong PKCE verifier refused: $(cat "$work/token")"

# ---- /__test/tamper ---------------------------------------------------------------------------

post_json /__test/tamper '{"kind":"none"}' >/dev/null
authorize alice "$work/jar-alice"
[[ $signed_in == 0 ]] || fail "session cookie was not reused"
exchange
id_token=$(json id_token <"$work/token")
[[ $id_token == *. ]] || fail "tamper none: $id_token"
expect_claims "$(jwt_part "$id_token" 0)" '"alg":"none"'
expect_claims "$(jwt_part "$id_token" 1)" '"preferred_username":"alice"'
ok "tamper none (session reused, no sign-in): id_token ends with '.': ${id_token:0:40}...${id_token: -20}"

authorize alice "$work/jar-alice"
exchange
id_token=$(json id_token <"$work/token")
[[ $id_token != *. ]] || fail "tampering was not one-shot"
ok "next id_token is signed again (one-shot)"

kid=$(jwt_part "$id_token" 0 | json kid)
for kind in aud expired nonce unknown-key; do
    post_json /__test/tamper "{\"kind\":\"$kind\"}" >/dev/null
    authorize alice "$work/jar-alice"
    exchange
    id_token=$(json id_token <"$work/token")
    header=$(jwt_part "$id_token" 0)
    claims=$(jwt_part "$id_token" 1)
    case $kind in
        aud) expect_claims "$claims" '"aud":"someone-else"'; expect_claims "$header" "\"kid\":\"$kid\"" ;;
        expired) (($(json exp <<<"$claims") < $(date +%s))) || fail "not expired: $claims" ;;
        nonce) [[ $claims != *"\"nonce\":\"$nonce\""* ]] || fail "nonce unchanged" ;;
        unknown-key) [[ $header != *"\"kid\":\"$kid\""* ]] || fail "kid unchanged: $header" ;;
    esac
    ok "tamper $kind: header $header"
done

# ---- /__test/groups, amr ----------------------------------------------------------------------

post_json /__test/groups '{"user":"oscar","groups":["bosun-admins"]}' >/dev/null
authorize oscar "$work/jar-oscar"
exchange
expect_claims "$(jwt_part "$(json id_token <"$work/token")" 1)" '"groups":["bosun-admins"]'
ok "oscar's groups replaced"

authorize mia "$work/jar-mia"
exchange
expect_claims "$(jwt_part "$(json id_token <"$work/token")" 1)" '"amr":["pwd","otp"]'
ok "mia's amr is pwd+otp"

# ---- /__test/rotate ---------------------------------------------------------------------------

kid_before=$(curl -sS -f "$jwks_uri" | json keys.0.kid)
post_json /__test/rotate '{}' >/dev/null
kid_after=$(curl -sS -f "$jwks_uri" | json keys.0.kid)
[[ $kid_before != "$kid_after" ]] || fail "rotate kept kid $kid_before"
[[ $(curl -sS -f "$issuer/.well-known/openid-configuration" | json issuer) == "$issuer" ]] || fail "issuer changed"
authorize alice "$work/jar-alice"
[[ $signed_in == 0 ]] || fail "rotate lost the session"
exchange
[[ $(jwt_part "$(json id_token <"$work/token")" 0 | json kid) == "$kid_after" ]] || fail "not signed with the new key"
ok "rotate: JWKS kid $kid_before -> $kid_after; new ID tokens use it; the session survived"

# ---- shutdown ---------------------------------------------------------------------------------

kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[[ $rc == 0 ]] || fail "exit status $rc after SIGTERM"
[[ $(wc -l <"$work/out") == 1 ]] || fail "extra stdout: $(cat "$work/out")"
ok "exits 0 on SIGTERM; stdout held only the ready line"
echo "PASS"
