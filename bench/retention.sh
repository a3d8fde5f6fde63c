#!/usr/bin/env bash
# The nightly retention purge over ROWS transactions (default 1,000,000 spread over 2023–2025;
# 90 days kept, so about 92% go) on SQLite and on PostgreSQL: seconds and peak memory of the
# purge alone (GNU time -v around `retention_bench purge`; seeding is a separate process).
#
#   bench/retention.sh
#   ROWS=200000 PG_ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres bench/retention.sh
#
# Needs GNU time (/usr/bin/time) and, for the PostgreSQL half, psql and a server the admin URL
# may create databases on (skipped when PG_ADMIN_URL is empty).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROWS="${ROWS:-1000000}"
PG_ADMIN_URL="${PG_ADMIN_URL-postgres://postgres@127.0.0.1:5432/postgres}"
TARGET="${CARGO_TARGET_DIR:-target}"
BIN="$TARGET/release/examples/retention_bench"

cargo build --release --quiet -p flowsense-service --example retention_bench
work="$(mktemp -d)"
pg_db="flowsense_retention_bench_$$"
cleanup() {
    rm -rf "$work"
    if [ -n "$PG_ADMIN_URL" ]; then
        psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $pg_db" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT

echo "# $(uname -m), $(nproc) cores, $(rustc --version), $ROWS rows"
# run ENGINE URL: seeds, then times the purge alone.
run() {
    local engine="$1" url="$2" org
    org="$("$BIN" seed "$url" "$ROWS")"
    /usr/bin/time -v -o "$work/$engine.time" "$BIN" purge "$url" "$org" | sed "s/^/$engine: /"
    awk -v engine="$engine" -F': ' '
        /Elapsed \(wall clock\)/ { wall = $2 }
        /Maximum resident set size/ { kb = $2 }
        END { printf "%s: wall %s, peak memory %.1f MB\n", engine, wall, kb / 1024 }
    ' "$work/$engine.time"
}

run sqlite "sqlite://$work/retention.db"
if [ -n "$PG_ADMIN_URL" ]; then
    psql "$PG_ADMIN_URL" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $pg_db"
    run postgres "${PG_ADMIN_URL%/*}/$pg_db"
else
    echo "postgres: skipped (PG_ADMIN_URL is empty)"
fi
