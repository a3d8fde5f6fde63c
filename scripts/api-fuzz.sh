#!/usr/bin/env bash
# A longer API fuzz run than CI's: schemathesis against `/api/v1/openapi.json` of a `flowsense
# demo` on SQLite, signed in with an API token of the first demo organisation's owner, `{org}`
# set to its slug. Fails on any server error or any answer the document does not describe
# (status, content type, headers, body). The reports (JUnit, and a cassette of every request)
# land in the output directory.
#
#   scripts/api-fuzz.sh                          # 10 minutes, 100 examples an operation
#   MAX_TIME=3600 EXAMPLES=500 scripts/api-fuzz.sh
#   PROFILE=release OUT=/tmp/fuzz scripts/api-fuzz.sh
#   CHECKS=all scripts/api-fuzz.sh               # every check, the strict ones included
#   FLOWSENSE_BIN=target/debug/flowsense MAX_TIME=60 scripts/api-fuzz.sh   # no build
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
MAX_TIME="${MAX_TIME:-600}"
EXAMPLES="${EXAMPLES:-100}"
PROFILE="${PROFILE:-debug}"
CHECKS="${CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance}"
OUT="${OUT:-target/api-fuzz}"
TARGET="${CARGO_TARGET_DIR:-target}"

. .ci/schemathesis-env
if [ -n "${FLOWSENSE_BIN:-}" ]; then # a binary already built
    BIN="$FLOWSENSE_BIN"
else
    case "$PROFILE" in
        release) cargo build --release --locked --quiet -p flowsense --bin flowsense ;;
        debug) cargo build --locked --quiet -p flowsense --bin flowsense ;;
        *) echo "PROFILE is release or debug" >&2; exit 2 ;;
    esac
    BIN="$TARGET/$PROFILE/flowsense"
fi

work="$(mktemp -d)"
server=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
FLOWSENSE_DATABASE_URL="" FLOWSENSE_RATE_LIMIT_API=100000/1m FLOWSENSE_RATE_LIMIT_PUBLIC=100000/1m \
    "$BIN" demo --addr "127.0.0.1:$port" --data-dir "$work/data" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 120); do
    curl -fsS "$base/healthz" >/dev/null 2>&1 && [ -f "$work/data/demo-credentials.json" ] && break
    sleep 1
done

# The owner's session makes a one-day write token (token creation needs a recent sign-in).
read -r org email password < <(python3 - "$work/data/demo-credentials.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
org = c["orgs"][0]["slug"]
u = next(u for u in c["users"] if u["org"] == org and u["role"] == "admin")
print(org, u["email"], u["password"])
EOF
)
login="$(curl -fsS -c "$work/cookies" -H 'Content-Type: application/json' \
    -d "$(python3 -c 'import json,sys; print(json.dumps({"email": sys.argv[1], "password": sys.argv[2]}))' "$email" "$password")" \
    "$base/api/v1/auth/login")"
csrf="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["csrf_token"])' "$login")"
token="$(curl -fsS -b "$work/cookies" -H 'Content-Type: application/json' -H "X-CSRF-Token: $csrf" \
    -d '{"name": "api fuzz", "scope": "write", "expires_in_days": 1}' "$base/api/v1/me/tokens" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"

curl -fsS "$base/api/v1/openapi.json" >"$work/openapi.json"
"$FLOWSENSE_SCHEMATHESIS_VENV/bin/python" -m openapi_spec_validator "$work/openapi.json"

printf '[parameters]\n"path.org" = "%s"\n' "$org" >"$work/schemathesis.toml"
mkdir -p "$OUT"
echo "schemathesis on $base as the owner of $org: $EXAMPLES examples an operation, at most ${MAX_TIME}s"
"$FLOWSENSE_SCHEMATHESIS_VENV/bin/st" --config-file "$work/schemathesis.toml" run "$base/api/v1/openapi.json" \
    --header "Authorization: Bearer $token" \
    --checks "$CHECKS" \
    --phases examples,coverage,fuzzing \
    --max-examples "$EXAMPLES" --max-time "$MAX_TIME" --workers 1 --request-timeout 30 \
    --report junit,vcr --report-dir "$OUT" --no-color
