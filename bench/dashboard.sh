#!/usr/bin/env bash
# Dashboard latency after start-up: the release `flowsense demo` on a temporary directory, its
# Northwind organisation grown by ROWS generated transactions (default 100,000; the demo itself
# has no size option), then for each of STARTS server starts: sign in with curl as soon as
# /healthz answers, time the first dashboard GET and RUNS more (curl's %{time_total}), and print
# the medians. The server warms every organisation's analytics in the background after start;
# its log says how long that took. Needs: curl, python3, sqlite3.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${ROWS:-100000}"
STARTS="${STARTS:-3}"
RUNS="${RUNS:-7}"

cargo build --release -p flowsense >&2
B="${CARGO_TARGET_DIR:-$PWD/target}/release/flowsense"
DIR="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$DIR"
}
trap cleanup EXIT
DATA="$DIR/data"
unset FLOWSENSE_DATABASE_URL FLOWSENSE_MASTER_KEY FLOWSENSE_MASTER_KEY_FILE

"$B" demo --no-serve --data-dir "$DATA" >/dev/null
"$B" gen --transactions "$ROWS" --seed 1 --out "$DIR/books.csv" >&2
FLOWSENSE_DATABASE_URL="sqlite://$DATA/flowsense.db" "$B" import --quiet --org northwind "$DIR/books.csv" >&2

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }
users=($(json "' '.join(u['email']+':'+u['password'] for u in d['users'] if u['org']=='northwind')" <"$DATA/demo-credentials.json"))

firsts=()
laters=()
warmed=()
for start in $(seq 1 "$STARTS"); do
    : >"$DIR/server.log"
    "$B" demo --addr 127.0.0.1:0 --data-dir "$DATA" --log-format json >"$DIR/server.out" 2>"$DIR/server.log" &
    SERVER_PID=$!
    url=""
    for _ in $(seq 1 600); do
        url="$(sed -n 's/^FlowSense demo is running at \([^ ]*\).*/\1/p' "$DIR/server.out")"
        [ -n "$url" ] && curl -sf "$url/healthz" >/dev/null && break
        sleep 0.05
    done
    [ -n "$url" ] || { echo "the demo did not start" >&2; cat "$DIR/server.log" >&2; exit 1; }
    cred="${users[$(((start - 1) % ${#users[@]}))]}"
    jar="$DIR/cookies.$start"
    body="$(python3 -c 'import json,sys; e,p=sys.argv[1].split(":",1); print(json.dumps({"email":e,"password":p}))' "$cred")"
    curl -sf -c "$jar" -H 'Content-Type: application/json' -d "$body" "$url/api/v1/auth/login" >/dev/null
    org="$(curl -sf -b "$jar" "$url/api/v1/me" | json "d['organisations'][0]['id']")"
    slug="$(curl -sf -b "$jar" "$url/api/v1/me" | json "d['organisations'][0]['slug']")"
    get() { curl -s -o /dev/null -b "$jar" -w '%{http_code} %{time_total}\n' "$url/app/$slug"; }
    read -r code t <<<"$(get)"
    [ "$code" = 200 ] || { echo "dashboard answered $code" >&2; exit 1; }
    firsts+=("$t")
    for _ in $(seq 1 "$RUNS"); do
        read -r code t <<<"$(get)"
        laters+=("$t")
    done
    for _ in $(seq 1 200); do grep -q 'analytics warmed' "$DIR/server.log" && break; sleep 0.05; done
    warmed+=("$(grep 'analytics warmed' "$DIR/server.log" | sed -n 's/.*"elapsed_ms":"\?\([0-9]*\).*/\1/p' | head -1)")
    kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
done

txns="$(sqlite3 "$DATA/flowsense.db" 'SELECT count(*) FROM transactions' 2>/dev/null || echo '?')"
{
    echo "Dashboard after start-up: Northwind with the demo's books plus $ROWS generated transactions ($(nproc) cores, $(date -u +%F))"
    echo "server starts: $STARTS; later GETs per start: $RUNS"
    printf 'first dashboard GET after sign-in, median s: %s   (each: %s)\n' "$(printf '%s\n' "${firsts[@]}" | median)" "${firsts[*]}"
    printf 'later dashboard GETs, median s:             %s\n' "$(printf '%s\n' "${laters[@]}" | median)"
    printf 'background warm-up of every organisation, ms: %s\n' "${warmed[*]}"
    echo "transactions stored (both demo organisations): $txns"
} | tee "$DIR/dashboard.txt"
