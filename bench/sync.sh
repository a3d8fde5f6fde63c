#!/usr/bin/env bash
# The initial sync of a QuickBooks Online company of about N transactions (default 100,000) from
# the faithful fake on loopback into a fresh database, on SQLite and on PostgreSQL: the same
# function the `connection.sync` job runs, after a connection made through the consent flow.
#
#   bench/sync.sh
#   N=20000 PG_ADMIN_URL= bench/sync.sh          # fewer rows, SQLite only
#
# For each engine it prints the rows applied, the provider requests made against the least the
# paging allows (⌊n / 1000⌋ + 1 per entity type: 1,000 rows a page), the wall seconds and the
# peak resident memory of the process (fake, client and store together). A run that makes more
# requests than the minimum fails the script.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
N="${N:-100000}"
PG_ADMIN_URL="${PG_ADMIN_URL-postgres://postgres@127.0.0.1:5432/postgres}"
TARGET="${CARGO_TARGET_DIR:-target}"
BIN="$TARGET/release/examples/sync_bench"

cargo build --release --locked --quiet -p flowsense-service --example sync_bench
work="$(mktemp -d)"
pg_db="flowsense_sync_bench_$$"
cleanup() {
    rm -rf "$work"
    if [ -n "$PG_ADMIN_URL" ]; then
        psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $pg_db" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT

run() { # run ENGINE URL
    local line
    line="$("$BIN" "$2" "$N")"
    echo "$1: $line"
    local requests minimum
    requests="$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<<"$line")"
    minimum="$(sed -n 's/.*minimum=\([0-9]*\).*/\1/p' <<<"$line")"
    if [ "$requests" -gt "$minimum" ]; then
        echo "$1: $requests requests where the paging allows $minimum" >&2
        exit 1
    fi
}

echo "initial sync of ~$N generated transactions from the QuickBooks fake"
run sqlite "sqlite://$work/sync.db"
if [ -n "$PG_ADMIN_URL" ]; then
    psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $pg_db" >/dev/null
    run postgresql "${PG_ADMIN_URL%/*}/$pg_db"
fi
