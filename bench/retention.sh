#!/usr/bin/env bash
# The nightly retention purge over ROWS transactions (default 1,000,000 spread over 2023–2025;
# 90 days kept, so about 92% go) on SQLite and on PostgreSQL, against a bare
# `DELETE FROM transactions WHERE posted_on < cutoff` on a copy of the same data (the peer: as
# fast as deleting gets, but it loses the totals the forecast and reports read afterwards).
#
#   bench/retention.sh
#   ROWS=200000 PG_ADMIN_URL= bench/retention.sh         # SQLite only, fewer rows
#
# For each engine it prints the seconds to insert the rows (the import path), the seconds and
# peak memory of the purge (GNU time -v around `retention_bench purge`, its own process), the
# rows purged and kept, the bare delete's seconds on the copy, and the ratio. It also checks the
# purge: exactly the rows dated before the cutoff went, and the monthly cash-flow report over
# 2023–2025 is the same before and after (a difference fails the script).
#
# Needs GNU time (/usr/bin/time), sqlite3 and, for the PostgreSQL half, psql and a server the
# admin URL may create databases on (skipped when PG_ADMIN_URL is empty).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROWS="${ROWS:-1000000}"
PG_ADMIN_URL="${PG_ADMIN_URL-postgres://postgres@127.0.0.1:5432/postgres}"
TARGET="${CARGO_TARGET_DIR:-target}"
BIN="$TARGET/release/examples/retention_bench"

cargo build --release --locked --quiet -p flowsense-service --example retention_bench
work="$(mktemp -d)"
pg_db="flowsense_retention_bench_$$"
cleanup() {
    rm -rf "$work"
    if [ -n "$PG_ADMIN_URL" ]; then
        for db in "$pg_db" "${pg_db}_peer"; do
            psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
        done
    fi
}
trap cleanup EXIT

# seconds COMMAND...: runs it under GNU time; its output goes to $work/out, the wall seconds
# to stdout; the full -v report stays in $work/time.
seconds() {
    /usr/bin/time -v -o "$work/time" "$@" >"$work/out"
    awk -F': ' '/Elapsed \(wall clock\)/ {
        n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' \
        "$work/time"
}
peak_mb() { awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$work/time"; }

echo "# $(uname -m), $(nproc) cores, $(rustc --version), $ROWS rows"
printf '%-9s %9s %9s %9s %10s %10s %11s %9s\n' engine insert_s purge_s peak_MB purged kept bare_del_s ratio
# run ENGINE URL: seeds, copies the data for the peer, checks and times the purge, then times
# the bare delete on the copy.
run() {
    local engine="$1" url="$2" org insert purge peak before after cutoff gone kept bare
    insert="$(seconds "$BIN" seed "$url" "$ROWS")"
    org="$(cat "$work/out")"
    case "$engine" in
        sqlite) sqlite3 "$work/retention.db" ".backup '$work/peer.db'" ;;
        postgres) psql "$PG_ADMIN_URL" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE ${pg_db}_peer TEMPLATE $pg_db" ;;
    esac
    "$BIN" report "$url" "$org" "$work/$engine.before.json" >"$work/$engine.before"
    purge="$(seconds "$BIN" purge "$url" "$org")"
    peak="$(peak_mb)"
    cutoff="$(sed -n 's/.*(cutoff \(.*\))$/\1/p' "$work/out")"
    gone="$(sed -n 's/^purged \([0-9]*\) .*/\1/p' "$work/out")"
    "$BIN" report "$url" "$org" "$work/$engine.after.json" >"$work/$engine.after"
    before="$(cat "$work/$engine.before")"
    after="$(cat "$work/$engine.after")"
    kept="${after%% transactions*}"
    # Exactly the rows before the cutoff went, and the monthly report did not change.
    [ "$before" = "$ROWS transactions, $gone dated before $cutoff" ] ||
        { echo "$engine: before the purge: $before (purged $gone)" >&2; exit 1; }
    [ "$after" = "$((ROWS - gone)) transactions, 0 dated before $cutoff" ] ||
        { echo "$engine: after the purge: $after" >&2; exit 1; }
    cmp -s "$work/$engine.before.json" "$work/$engine.after.json" ||
        { echo "$engine: the monthly cash-flow report changed" >&2; exit 1; }
    local bare_delete="DELETE FROM transactions WHERE posted_on < '$cutoff'"
    case "$engine" in
        sqlite) bare="$(seconds sqlite3 "$work/peer.db" "$bare_delete")" ;;
        postgres) bare="$(seconds psql "${PG_ADMIN_URL%/*}/${pg_db}_peer" -v ON_ERROR_STOP=1 -qc "$bare_delete")" ;;
    esac
    printf '%-9s %9s %9s %9s %10s %10s %11s %8.1fx\n' "$engine" "$insert" "$purge" "$peak" \
        "$gone" "$kept" "$bare" "$(echo "$purge / $bare" | bc -l)"
}

run sqlite "sqlite://$work/retention.db"
if [ -n "$PG_ADMIN_URL" ]; then
    psql "$PG_ADMIN_URL" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $pg_db"
    run postgres "${PG_ADMIN_URL%/*}/$pg_db"
else
    echo "postgres: skipped (PG_ADMIN_URL is empty)"
fi
echo "ratio: purge with rollups / bare DELETE (which keeps no totals) on a copy of the same rows"
