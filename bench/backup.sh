#!/usr/bin/env bash
# A backup of a large SQLite database taken while another organisation's import runs and a
# signed-in viewer loads pages (dashboard, transactions, cash-flow and runway JSON, one after
# another), then verified, restored into a fresh file whose reports must equal the original's,
# and refused with another master key. Needs curl, bc and python3.
#   ROWS=1000000 bench/backup.sh                 # release build (default)
#   PROFILE=debug ROWS=100000 bench/backup.sh    # quicker, on a busy machine
#   SKIP_BUILD=1 …                               # use the binary already built
set -euo pipefail
ROWS=${ROWS:-1000000}
PROFILE=${PROFILE:-release}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
if [ -n "${SKIP_BUILD:-}" ]; then
  :
elif [ "$PROFILE" = release ]; then
  cargo build --release -p flowsense --bin flowsense --manifest-path "$ROOT/Cargo.toml" >&2
else
  cargo build -p flowsense --bin flowsense --manifest-path "$ROOT/Cargo.toml" >&2
fi
BIN="$TARGET/$PROFILE/flowsense"
WORK=$(mktemp -d)
SERVER_PID=""
LOADER_PID=""
cleanup() {
  for pid in "$LOADER_PID" "$SERVER_PID"; do
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
cd "$WORK"
unset FLOWSENSE_MASTER_KEY FLOWSENSE_MASTER_KEY_FILE
export FLOWSENSE_DATABASE_URL="sqlite://$WORK/data/flowsense.db"
# The demo's organisations and users (the master key is generated beside the database,
# data/master.key), Northwind grown by ROWS generated transactions, and a second organisation
# whose import runs while the backup is taken.
"$BIN" demo --no-serve --data-dir "$WORK/data" >/dev/null
"$BIN" org create --slug busy --name "Busy Books" >/dev/null
"$BIN" gen --transactions "$ROWS" --end 2026-11-30 --out big.csv >/dev/null
"$BIN" gen --transactions 50000 --end 2026-11-30 --seed 7 --out busy.csv >/dev/null
"$BIN" import --quiet --org northwind big.csv >/dev/null
rm -f big.csv
# Retention at ten years: the server's first nightly purge (which it runs on start when none
# has run yet) would otherwise fold older months into totals during the measurement.
sqlite3 data/flowsense.db "UPDATE organisations SET retention_days = 3650"
"$BIN" report cashflow --org northwind --format json > before.json
db_bytes=$(stat -c %s data/flowsense.db)

# The server, with a signed-in viewer loading pages while the backup is taken.
export FLOWSENSE_RATE_LIMIT_API="${FLOWSENSE_RATE_LIMIT_API:-100000000/1s}"
"$BIN" demo --addr 127.0.0.1:0 --data-dir "$WORK/data" --log-format json >server.out 2>server.log &
SERVER_PID=$!
url=""
for _ in $(seq 1 600); do
  url="$(sed -n 's/^FlowSense demo is running at \([^ ]*\).*/\1/p' server.out)"
  [ -n "$url" ] && curl -sf "$url/healthz" >/dev/null && break
  sleep 0.1
done
[ -n "$url" ] || { echo "the demo did not start" >&2; cat server.log >&2; exit 1; }
# The pages are loaded warm, as a running instance serves them.
for _ in $(seq 1 1200); do grep -q 'analytics warmed' server.log && break; sleep 0.1; done
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
cred="$(json "[u['email']+':'+u['password'] for u in d['users'] if u['org']=='northwind' and u['role']=='viewer'][0]" <data/demo-credentials.json)"
body="$(python3 -c 'import json,sys; e,p=sys.argv[1].split(":",1); print(json.dumps({"email":e,"password":p}))' "$cred")"
curl -sf -c jar -H 'Content-Type: application/json' -d "$body" "$url/api/v1/auth/login" >/dev/null
cookie="$(awk -F'\t' 'NF>=7 && $6!="" {printf "%s%s=%s", sep, $6, $7; sep="; "}' jar)"
org="$(curl -sf -H "Cookie: $cookie" "$url/api/v1/me" | json "d['organisations'][0]['id']")"
slug="$(curl -sf -H "Cookie: $cookie" "$url/api/v1/me" | json "d['organisations'][0]['slug']")"
pages=("$url/app/$slug" "$url/app/$slug/transactions" "$url/api/v1/orgs/$org/reports/cashflow" "$url/api/v1/orgs/$org/reports/runway")
load_pages() { # one page after another until told to stop: "code seconds" per load
  local i=0
  while [ ! -e stop-loading ]; do
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H "Cookie: $cookie" "${pages[$((i % 4))]}" >> loads.txt
    i=$((i + 1))
  done
}
load_pages &
LOADER_PID=$!

# Another organisation's import runs while the backup is taken.
"$BIN" import --quiet --org busy busy.csv >/dev/null &
importer=$!
start=$(date +%s.%N)
"$BIN" backup create --dir "$WORK/backups" > create.txt
create_s=$(echo "$(date +%s.%N) - $start" | bc)
wait "$importer"
touch stop-loading
wait "$LOADER_PID"; LOADER_PID=""
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
loads=$(wc -l < loads.txt)
load_errors=$(awk '$1 != 200' loads.txt | wc -l)
load_p50=$(awk '{print $2}' loads.txt | sort -n | awk '{a[NR]=$1} END {printf "%.0f", a[int((NR+1)/2)]*1000}')
load_max=$(awk '{print $2}' loads.txt | sort -n | tail -1 | awk '{printf "%.0f", $1*1000}')
backup=$(ls -d "$WORK"/backups/flowsense-* | tail -1)
sealed_bytes=$(stat -c %s "$backup/database.sqlite.sealed")

start=$(date +%s.%N)
"$BIN" backup verify "$backup" > verify.txt
verify_s=$(echo "$(date +%s.%N) - $start" | bc)

start=$(date +%s.%N)
"$BIN" backup restore "$backup" --to "$WORK/restored.db" > restore.txt
restore_s=$(echo "$(date +%s.%N) - $start" | bc)
# The same master key (a restored file elsewhere would otherwise get a new one beside it).
FLOWSENSE_MASTER_KEY_FILE="$WORK/data/master.key" FLOWSENSE_DATABASE_URL="sqlite://$WORK/restored.db" "$BIN" report cashflow --org northwind --format json > after.json
cmp -s before.json after.json && reports=equal || { reports=DIFFERENT; diff before.json after.json | head -c 2000 >&2; }

mkdir other
other_key=$(head -c 32 /dev/urandom | base64)
if FLOWSENSE_MASTER_KEY="$other_key" "$BIN" backup restore "$backup" --to "$WORK/other/x.db" 2> refused.txt; then
  refused=NOT-REFUSED
else
  grep -q "made with another master key" refused.txt && refused=refused || refused=UNCLEAR
fi
[ -e other/x.db ] && refused="$refused (file left!)"

cat create.txt verify.txt restore.txt refused.txt >&2
echo "| rows | database MB | sealed MB | create s | verify s | restore s | page loads during (errors, p50 ms, max ms) | reports | other key |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '| %s | %.1f | %.1f | %.2f | %.2f | %.2f | %s (%s, %s, %s) | %s | %s |\n' "$ROWS" \
  "$(echo "$db_bytes / 1048576" | bc -l)" "$(echo "$sealed_bytes / 1048576" | bc -l)" \
  "$create_s" "$verify_s" "$restore_s" "$loads" "$load_errors" "$load_p50" "$load_max" "$reports" "$refused"
[ "$reports" = equal ] && [ "$refused" = refused ] && [ "$load_errors" = 0 ]
