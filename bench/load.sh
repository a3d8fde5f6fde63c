#!/usr/bin/env bash
# Pages and reports under load: the release `flowsense demo` with its Northwind organisation
# grown by ROWS generated transactions (default 1,000,000), signed in once, then `wrk` at CONNS
# concurrent connections (default 64) for DURATION seconds (default 10) against each of
#   /            a bare axum "hello" (crates/web/examples/bare_hello.rs), the ceiling
#   /healthz     FlowSense's health check (no session, no database)
#   dashboard    GET /app/{slug}
#   transactions GET /app/{slug}/transactions
#   cash flow    GET /api/v1/orgs/{org}/reports/cashflow, as a browser asks (gzip taken), then
#                again with `Accept-Encoding: identity` (the whole document, a few hundred kB)
#   runway       GET /api/v1/orgs/{org}/reports/runway
# in the same run (once the server has warmed its analytics and indexed the imported rows for
# word search), and a table of requests/s, p50/p99, errors (socket errors, time-outs, non-2xx
# answers) and the server's peak resident memory (VmHWM) and resident memory after the load.
# Every page is checked to answer 200 to the signed-in session before and after its run, so that
# a redirect to the sign-in page is never counted as a fast answer.
#
# DATABASE=postgres runs the same on PostgreSQL (PG_URL, default
# postgres://postgres@127.0.0.1:5432/postgres; the script creates and drops a database
# flowsense_load there). Needs: wrk (`apt-get install -y wrk`), curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${ROWS:-1000000}"
CONNS="${CONNS:-64}"
DURATION="${DURATION:-10}"
THREADS="${THREADS:-2}"
DATABASE="${DATABASE:-sqlite}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

command -v wrk >/dev/null || { echo "needs wrk: apt-get install -y wrk" >&2; exit 1; }
if [ -n "${BIN_DIR:-}" ]; then
    # Binaries built beforehand (BIN_DIR holds `flowsense` and `bare_hello`): no build.
    B="$BIN_DIR/flowsense"
    HELLO="$BIN_DIR/bare_hello"
else
    # The whole workspace's feature set (as `cargo build --release --workspace`), so the build
    # is shared with it rather than redone with one package's features.
    cargo build --release --workspace --bin flowsense --example bare_hello >&2
    T="${CARGO_TARGET_DIR:-$PWD/target}/release"
    B="$T/flowsense"
    HELLO="$T/examples/bare_hello"
fi

DIR="$(mktemp -d)"
SERVER_PID=""
HELLO_PID=""
cleanup() {
    for pid in "$SERVER_PID" "$HELLO_PID"; do
        if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    done
    if [ "$DATABASE" = postgres ]; then
        psql -q "$PG_URL" -c 'DROP DATABASE IF EXISTS flowsense_load' >/dev/null 2>&1 || true
    fi
    rm -rf "$DIR"
}
trap cleanup EXIT
DATA="$DIR/data"
unset FLOWSENSE_DATABASE_URL FLOWSENSE_MASTER_KEY FLOWSENSE_MASTER_KEY_FILE
case "$DATABASE" in
    sqlite) export FLOWSENSE_DATABASE_URL="sqlite://$DATA/flowsense.db" ;;
    postgres)
        psql -q "$PG_URL" -c 'DROP DATABASE IF EXISTS flowsense_load' >/dev/null
        psql -q "$PG_URL" -c 'CREATE DATABASE flowsense_load' >/dev/null
        export FLOWSENSE_DATABASE_URL="${PG_URL%/*}/flowsense_load" ;;
    *) echo "DATABASE is sqlite or postgres" >&2; exit 1 ;;
esac
# One user signs in once and asks for the same pages over and over: lift the per-user and
# per-address limits for the run (they are measured by the rate-limit tests, not here).
export FLOWSENSE_RATE_LIMIT_API="${FLOWSENSE_RATE_LIMIT_API:-100000000/1s}"

"$B" demo --no-serve --data-dir "$DATA" >/dev/null
"$B" gen --transactions "$ROWS" --seed 1 --out "$DIR/books.csv" >&2
"$B" import --quiet --org northwind "$DIR/books.csv" >&2
rm -f "$DIR/books.csv"
# Retention at ten years: the server's first nightly purge (which it runs on start when none
# has run yet) would otherwise fold all but the last 90 days into monthly totals while the
# pages are measured, and the books would no longer hold ROWS transactions.
case "$DATABASE" in
    sqlite) sqlite3 "$DATA/flowsense.db" "UPDATE organisations SET retention_days = 3650" ;;
    postgres) psql -q "$FLOWSENSE_DATABASE_URL" -c "UPDATE organisations SET retention_days = 3650" >/dev/null ;;
esac

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
cred="$(json "[u['email']+':'+u['password'] for u in d['users'] if u['org']=='northwind' and u['role']=='viewer'][0]" <"$DATA/demo-credentials.json")"

"$HELLO" 127.0.0.1:0 >"$DIR/hello.out" &
HELLO_PID=$!
"$B" demo --addr 127.0.0.1:0 --data-dir "$DATA" --log-format json >"$DIR/server.out" 2>"$DIR/server.log" &
SERVER_PID=$!
url=""
for _ in $(seq 1 600); do
    url="$(sed -n 's/^FlowSense demo is running at \([^ ]*\).*/\1/p' "$DIR/server.out")"
    [ -n "$url" ] && curl -sf "$url/healthz" >/dev/null && break
    sleep 0.1
done
[ -n "$url" ] || { echo "the demo did not start" >&2; cat "$DIR/server.log" >&2; exit 1; }
hello="http://$(sed -n 's/^listening on //p' "$DIR/hello.out")"
for _ in $(seq 1 1200); do grep -q 'analytics warmed' "$DIR/server.log" && break; sleep 0.1; done
# The search.index job takes the imported rows into word search in the background (about a
# minute for a million rows on PostgreSQL); measuring while it runs would measure it too.
backlog() {
    case "$DATABASE" in
        sqlite) sqlite3 "$DATA/flowsense.db" "SELECT COUNT(*) FROM search_backlog" ;;
        postgres) psql -qtA "$FLOWSENSE_DATABASE_URL" -c "SELECT COUNT(*) FROM search_backlog" ;;
    esac
}
for _ in $(seq 1 1200); do [ "$(backlog)" = 0 ] && break; sleep 0.5; done
[ "$(backlog)" = 0 ] || { echo "the search backlog was not indexed within 10 minutes" >&2; exit 1; }
# PostgreSQL's autovacuum visits the million freshly written rows of `transactions` and
# `transaction_search` soon after: done here, before the clock starts, so that no run measures
# it (a server in service is long past it).
if [ "$DATABASE" = postgres ]; then
    psql -q "$FLOWSENSE_DATABASE_URL" -c 'VACUUM (ANALYZE)' >/dev/null
fi

jar="$DIR/cookies"
body="$(python3 -c 'import json,sys; e,p=sys.argv[1].split(":",1); print(json.dumps({"email":e,"password":p}))' "$cred")"
curl -sf -c "$jar" -H 'Content-Type: application/json' -d "$body" "$url/api/v1/auth/login" >/dev/null
cookie="$(awk -F'\t' 'NF>=7 && $6!="" {printf "%s%s=%s", sep, $6, $7; sep="; "}' "$jar")"
org="$(curl -sf -H "Cookie: $cookie" "$url/api/v1/me" | json "d['organisations'][0]['id']")"
slug="$(curl -sf -H "Cookie: $cookie" "$url/api/v1/me" | json "d['organisations'][0]['slug']")"

rss_kb() { awk -v k="$1:" '$1==k {print $2}' "/proc/$SERVER_PID/status"; }
ok() { # URL -> fails unless the signed-in session gets a 200
    local code
    code="$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$1")"
    [ "$code" = 200 ] || { echo "$1 answered $code" >&2; exit 1; }
}
# wrk's latency to milliseconds (it prints us, ms or s).
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.2f", v}'; }
run() { # NAME URL [COOKIE [ACCEPT-ENCODING]]
    local name="$1" target="$2" out
    out="$DIR/wrk.$(printf %s "$1" | tr -c "A-Za-z0-9" _)"
    local args=(-t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency --timeout 5s)
    # What Chromium sends: the server compresses the large report documents for such a client.
    args+=(-H "Accept-Encoding: ${4-gzip, deflate, br, zstd}")
    if [ -n "${3:-}" ]; then ok "$target"; args+=(-H "Cookie: $3"); fi
    wrk "${args[@]}" "$target" >"$out"
    if [ -n "${3:-}" ]; then ok "$target"; fi
    # The server finishes the requests wrk left in flight (on PostgreSQL, a transactions page's
    # queries queue for the pool) before the next target's clock starts: without this pause
    # the first requests of the next run waited for them, and its p99 was theirs.
    sleep "${SETTLE:-3}"
    local rps p50 p99 sock non2xx
    rps="$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$out")"
    p50="$(awk '$1=="50%" {print $2}' "$out" | to_ms)"
    p99="$(awk '$1=="99%" {print $2}' "$out" | to_ms)"
    sock="$(awk -F'[ ,]+' '/Socket errors:/ {print $4+$6+$8+$10}' "$out")"
    non2xx="$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")"
    printf '| %s | %s | %s | %s | %s |\n' "$name" "$rps" "$p50" "$p99" "$((${sock:-0} + ${non2xx:-0}))"
}

rss_before="$(rss_kb VmRSS)"
hwm_before="$(rss_kb VmHWM)"
{
    echo "Load: $CONNS connections, $DURATION s each, wrk -t$THREADS, $DATABASE, Northwind with the demo's books plus $ROWS generated transactions ($(nproc) cores, $(date -u +%F))"
    echo
    echo '| target | requests/s | p50 ms | p99 ms | errors |'
    echo '|---|---|---|---|---|'
    run 'bare axum hello' "$hello/"
    run '/healthz' "$url/healthz"
    run 'dashboard HTML' "$url/app/$slug" "$cookie"
    run 'transactions page' "$url/app/$slug/transactions" "$cookie"
    run 'cash-flow JSON' "$url/api/v1/orgs/$org/reports/cashflow" "$cookie"
    run 'cash-flow JSON, uncompressed' "$url/api/v1/orgs/$org/reports/cashflow" "$cookie" identity
    run 'runway JSON' "$url/api/v1/orgs/$org/reports/runway" "$cookie"
    echo
    printf 'server resident memory: %s MB before the load, %s MB after, peak %s MB (VmHWM, since start; %s MB at the end of the warm-up)\n' \
        "$((rss_before / 1024))" "$(($(rss_kb VmRSS) / 1024))" "$(($(rss_kb VmHWM) / 1024))" "$((hwm_before / 1024))"
} | tee "$DIR/load.txt"
