#!/usr/bin/env bash
# Word search latency (`q=` on the transactions page and API) over ROWS transactions of one
# organisation (default 1,000,000), beside a second organisation a tenth its size, on SQLite (FTS5)
# and, when PG_ADMIN_URL is set, on PostgreSQL (tsvector + GIN). For each query: the median and
# slowest of RUNS first pages of 50 rows, and the rows found.
#
#   bench/search.sh
#   ROWS=100000 PROFILE=dev bench/search.sh          # fewer rows, the debug build
#   PG_ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres bench/search.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROWS="${ROWS:-1000000}"
RUNS="${RUNS:-21}"
PROFILE="${PROFILE:-release}"
PG_ADMIN_URL="${PG_ADMIN_URL-}"
TARGET="${CARGO_TARGET_DIR:-target}"
case "$PROFILE" in
    release) cargo build --release --locked --quiet -p flowsense-storage --example search_bench
             BIN="$TARGET/release/examples/search_bench" ;;
    dev) cargo build --locked --quiet -p flowsense-storage --example search_bench
         BIN="$TARGET/debug/examples/search_bench" ;;
    *) echo "PROFILE must be release or dev" >&2; exit 2 ;;
esac
work="$(mktemp -d)"
pg_db="flowsense_search_bench_$$"
cleanup() {
    rm -rf "$work"
    if [ -n "$PG_ADMIN_URL" ]; then
        psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $pg_db" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT

echo "== SQLite, $ROWS rows ($PROFILE build)"
"$BIN" "sqlite://$work/search.db" "$ROWS" "$RUNS"
if [ -n "$PG_ADMIN_URL" ]; then
    echo "== PostgreSQL, $ROWS rows ($PROFILE build)"
    psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $pg_db"
    "$BIN" "${PG_ADMIN_URL%/*}/$pg_db" "$ROWS" "$RUNS"
fi
