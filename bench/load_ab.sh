#!/usr/bin/env bash
# Two builds of `flowsense` in turn on the same books, against the bare axum server in every
# round: for a change whose effect is smaller than the noise between two runs of `load.sh`
# (the bare server's own requests/s vary by a fifth from one run to the next on 2 cores).
#
#   BASE=dir-with-flowsense-and-bare_hello NEW=dir-with-flowsense bench/load_ab.sh
#   ROWS=1000000 ROUNDS=3 DURATION=5 ...
#
# Loads the demo and ROWS generated transactions (default 20,000) once with BASE's binary, then
# for each round starts each build on those books, signs in as Northwind's viewer and runs
# `wrk -t2 -c64` for DURATION seconds against the bare server, `/healthz`, the runway JSON and
# the cash-flow JSON (with Chromium's Accept-Encoding), printing each as requests/s and as a
# share of the bare server of its round, and the server's CPU time per runway request. Needs wrk, curl, sqlite3 and python3.
set -euo pipefail
BASE="${BASE:?a directory holding the base build's flowsense and bare_hello}"
NEW="${NEW:?a directory holding the new build's flowsense}"
ROWS="${ROWS:-20000}"
ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-5}"
W="$(mktemp -d)"
HELLO_PID=""
SERVER_PID=""
cleanup() {
    for pid in "$SERVER_PID" "$HELLO_PID"; do
        if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    done
    rm -rf "$W"
}
trap cleanup EXIT
DATA="$W/data"
unset FLOWSENSE_MASTER_KEY FLOWSENSE_MASTER_KEY_FILE
export FLOWSENSE_DATABASE_URL="sqlite://$DATA/flowsense.db"
# One user asks for the same report tens of thousands of times: the per-user limit is lifted.
export FLOWSENSE_RATE_LIMIT_API="100000000/1s"

"$BASE/flowsense" demo --no-serve --data-dir "$DATA" >/dev/null
"$BASE/flowsense" gen --transactions "$ROWS" --seed 1 --out "$W/books.csv" >&2
"$BASE/flowsense" import --quiet --org northwind "$W/books.csv" >&2
# Ten years kept: the first nightly purge would otherwise shrink the books while they are measured.
sqlite3 "$DATA/flowsense.db" "UPDATE organisations SET retention_days = 3650"

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
cred="$(json "[u['email']+':'+u['password'] for u in d['users'] if u['org']=='northwind' and u['role']=='viewer'][0]" <"$DATA/demo-credentials.json")"
login="$(python3 -c 'import json,sys; e,p=sys.argv[1].split(":",1); print(json.dumps({"email":e,"password":p}))' "$cred")"
"$BASE/bare_hello" 127.0.0.1:0 >"$W/hello.out" &
HELLO_PID=$!
for _ in $(seq 1 50); do grep -q '^listening on' "$W/hello.out" && break; sleep 0.1; done
hello="http://$(sed -n 's/^listening on //p' "$W/hello.out")"
rps() { # URL [wrk args]: requests/s; the requests answered are left in $W/answered
    wrk -t2 -c64 -d"${DURATION}s" -H "Accept-Encoding: gzip, deflate, br, zstd" "$@" >"$W/wrk.out"
    awk '/ requests in / {print $1}' "$W/wrk.out" >"$W/answered"
    awk '/^Requests\/sec:/ {printf "%.0f", $2} /Non-2xx/ {printf " (%s non-2xx)", $NF}' "$W/wrk.out"
}
# The server's CPU time (user and system) so far, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
share() { python3 -c "import sys; print(f'{int(sys.argv[1].split()[0]) / int(sys.argv[2]):.1%}')" "$1" "$2"; }
for round in $(seq 1 "$ROUNDS"); do
    for which in base new; do
        bin="$BASE"
        [ "$which" = new ] && bin="$NEW"
        "$bin/flowsense" demo --addr 127.0.0.1:0 --data-dir "$DATA" --log-format json >"$W/server.out" 2>"$W/server.log" &
        SERVER_PID=$!
        url=""
        for _ in $(seq 1 600); do
            url="$(sed -n 's/^FlowSense demo is running at \([^ ]*\).*/\1/p' "$W/server.out")"
            [ -n "$url" ] && curl -sf "$url/healthz" >/dev/null && break
            sleep 0.1
        done
        [ -n "$url" ] || { echo "the $which build did not start" >&2; cat "$W/server.log" >&2; exit 1; }
        for _ in $(seq 1 1200); do grep -q 'analytics warmed' "$W/server.log" && break; sleep 0.1; done
        rm -f "$W/jar"
        curl -sf -c "$W/jar" -H 'Content-Type: application/json' -d "$login" "$url/api/v1/auth/login" >/dev/null
        cookie="$(awk -F'\t' 'NF>=7 && $6!="" {printf "%s%s=%s", sep, $6, $7; sep="; "}' "$W/jar")"
        org="$(curl -sf -H "Cookie: $cookie" "$url/api/v1/me" | json "d['organisations'][0]['id']")"
        sleep 2
        bare="$(rps "$hello/")"; sleep 1
        health="$(rps "$url/healthz")"; sleep 1
        before="$(cpu_ticks)"
        runway="$(rps -H "Cookie: $cookie" "$url/api/v1/orgs/$org/reports/runway")"
        # The server's CPU per runway request: steadier than requests/s, though the kernel's
        # share of it still grows with contention.
        cpu_us="$(( ($(cpu_ticks) - before) * 1000000 / $(getconf CLK_TCK) / $(cat "$W/answered") ))"
        sleep 1
        cashflow="$(rps -H "Cookie: $cookie" "$url/api/v1/orgs/$org/reports/cashflow")"
        echo "round $round $which: bare $bare, /healthz $health ($(share "$health" "$bare")), runway JSON $runway ($(share "$runway" "$bare"); server CPU $cpu_us µs a request), cash-flow JSON $cashflow ($(share "$cashflow" "$bare"))"
        kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    done
done
