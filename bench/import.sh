#!/usr/bin/env bash
# Import speed: ROWS generated transactions (default 1,000,000) through `flowsense import` into
# SQLite and into PostgreSQL, next to each database's own bulk loader on the same file as the peer
# (sqlite3 `.import`, psql `\copy` into a table with the same unique key). Prints rows/s and the
# ratio to the peer; RUNS (3) runs each, median. BIN_DIR=dir takes
# `flowsense` from dir instead of building it. Needs: sqlite3, psql, a PostgreSQL server at PG_URL, /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${ROWS:-1000000}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432/test}"
OUT=bench/out/import
mkdir -p "$OUT"

if [ -n "${BIN_DIR:-}" ]; then
    B="$BIN_DIR/flowsense" # a binary built beforehand: no build
else
    # The whole workspace's feature set (as `cargo build --release --workspace`), so the build
    # is shared with it rather than redone with one package's features.
    cargo build --release --workspace --bin flowsense >&2
    B="${CARGO_TARGET_DIR:-$PWD/target}/release/flowsense"
fi
"$B" gen --transactions "$ROWS" --seed 1 --out "$OUT/books.csv" >&2
rm -f "$OUT/books.documents.csv" # transactions only: the peers load one table
rows=$(($(wc -l <"$OUT/books.csv") - 1))

RUNS="${RUNS:-3}"
# median over RUNS runs of "seconds peak_kb"; SETUP (a function name) runs before each run, untimed,
# so every run starts from an empty database.
measure() {
    local setup="$1"
    shift
    : >"$OUT/times"
    for _ in $(seq "$RUNS"); do
        "$setup"
        /usr/bin/time -f "%e %M" -o "$OUT/time" "$@" >/dev/null
        cat "$OUT/time" >>"$OUT/times"
    done
    local s m
    s=$(awk '{print $1}' "$OUT/times" | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
    m=$(awk '{print $2}' "$OUT/times" | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
    echo "$s $m"
}

# Seconds until `flowsense worker` has run the search.index job that the last import queued
# (its rows are searchable from then on), worker start-up included. DATABASE_URL is the one the
# import wrote to: `measure` ran its setup in a subshell, so its exports are not seen here.
index_seconds() {
    local t0 w
    export FLOWSENSE_DATABASE_URL="$1"
    t0=$(date +%s.%N)
    "$B" worker >/dev/null 2>&1 &
    w=$!
    # The listing is read whole before it is searched: `grep -q` stopping early would break the
    # pipe, and with pipefail the loop would never end.
    local listing
    until listing=$("$B" jobs list --state succeeded --kind search.index 2>/dev/null) &&
        grep -Eq '^succeeded +search\.index' <<<"$listing"; do
        kill -0 "$w" 2>/dev/null || { echo "the worker stopped before the search.index job ran" >&2; return 1; }
        sleep 0.1
    done
    echo "$(date +%s.%N) - $t0" | bc -l
    kill "$w" && wait "$w" 2>/dev/null || true
}

results=()
indexing=()
row() { # backend tool seconds peak_kb
    results+=("$(printf '%-10s %-28s %8.2f %10.0f %9.0f' "$1" "$2" "$3" "$(echo "$rows / $3" | bc -l)" "$(echo "$4 / 1024" | bc -l)")")
}

# --- SQLite
rm -rf "$OUT/sqlite" && mkdir -p "$OUT/sqlite"
sqlite_fresh() {
    rm -f "$OUT"/sqlite/flowsense.db*
    export FLOWSENSE_DATABASE_URL="sqlite://$OUT/sqlite/flowsense.db"
    "$B" migrate --create >/dev/null
    "$B" org create --slug bench --name Bench >/dev/null
}
read -r s_ours m_ours < <(measure sqlite_fresh "$B" import --quiet --org bench "$OUT/books.csv")
row sqlite "flowsense import" "$s_ours" "$m_ours"
indexing+=("$(printf 'sqlite:   the last run'"'"'s rows searchable %.2f s after its import (search.index job)' "$(index_seconds "sqlite://$OUT/sqlite/flowsense.db")")")
cat >"$OUT/sqlite/peer.sql" <<SQL
PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
CREATE TABLE t (date TEXT, account TEXT, amount TEXT, currency TEXT, counterparty TEXT, category TEXT, description TEXT, reference TEXT UNIQUE);
.import --csv --skip 1 $OUT/books.csv t
SQL
sqlite_peer_fresh() { rm -f "$OUT"/sqlite/peer.db*; }
read -r s_peer m_peer < <(measure sqlite_peer_fresh sqlite3 "$OUT/sqlite/peer.db" ".read $OUT/sqlite/peer.sql")
row sqlite "sqlite3 .import (peer)" "$s_peer" "$m_peer"
sqlite_ratio=$(echo "$s_ours / $s_peer" | bc -l)

# --- PostgreSQL
db="fs_bench_import"
admin="$PG_URL"
pg_url="${PG_URL%/*}/$db"
pg_fresh() {
    psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
    export FLOWSENSE_DATABASE_URL="$pg_url"
    export FLOWSENSE_MASTER_KEY_FILE="$OUT/sqlite/master.key" # made by the SQLite runs
}
pg_ours_fresh() {
    pg_fresh
    "$B" migrate >/dev/null
    "$B" org create --slug bench --name Bench >/dev/null
}
read -r p_ours pm_ours < <(measure pg_ours_fresh "$B" import --quiet --org bench "$OUT/books.csv")
row postgres "flowsense import" "$p_ours" "$pm_ours"
indexing+=("$(printf 'postgres: the last run'"'"'s rows searchable %.2f s after its import (search.index job)' "$(FLOWSENSE_MASTER_KEY_FILE="$OUT/sqlite/master.key" index_seconds "$pg_url")")")
pg_peer_fresh() {
    pg_fresh
    psql -q "$pg_url" -c "CREATE TABLE peer (date TEXT, account TEXT, amount TEXT, currency TEXT, counterparty TEXT, category TEXT, description TEXT, reference TEXT UNIQUE)" >/dev/null
}
read -r p_peer pm_peer < <(measure pg_peer_fresh psql -q "$pg_url" -c "\\copy peer FROM '$OUT/books.csv' CSV HEADER")
row postgres "psql \\copy (peer)" "$p_peer" "$pm_peer"
pg_ratio=$(echo "$p_ours / $p_peer" | bc -l)
psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null

{
    echo "Import of $rows rows ($(nproc) cores, $(date -u +%F)), median of $RUNS runs, each into an empty database"
    printf '%-10s %-28s %8s %10s %9s\n' backend tool seconds rows/s "peak MB"
    printf '%s\n' "${results[@]}"
    printf '%s\n' "${indexing[@]}"
    printf 'flowsense / sqlite3 .import time: %.2f×   flowsense / psql \\copy time: %.2f×\n' "$sqlite_ratio" "$pg_ratio"
    echo "targets: 250,000 rows/s into SQLite, 100,000 rows/s into PostgreSQL"
} | tee "$OUT/import.txt"
