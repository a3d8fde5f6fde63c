#!/usr/bin/env bash
# Regenerates the offline query data of the two check crates (sqlite/.sqlx and postgres/.sqlx)
# from fresh databases migrated with crates/storage/migrations/, so every build elsewhere checks
# the SQL files without a database (SQLX_OFFLINE=true in .cargo/config.toml).
#
#   crates/storage-check/prepare.sh           regenerate the committed .sqlx folders
#   crates/storage-check/prepare.sh --check   regenerate into a temporary folder and fail when it
#                                             differs from the committed data (CI)
#
# Needs sqlite3, psql, and a PostgreSQL server that the admin URL may create databases on:
# FLOWSENSE_CHECK_PG_ADMIN_URL, by default postgres://postgres@127.0.0.1:5432/postgres.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
migrations=$here/../storage/migrations
check=false
case "${1:-}" in
    --check) check=true ;;
    "") ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac
pg_admin=${FLOWSENSE_CHECK_PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
pg_db=flowsense_sql_check_$$
work=$(mktemp -d)
cleanup() {
    psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $pg_db" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

echo "==> fresh SQLite database, migrated"
sqlite_file=$work/check.db
for f in "$migrations"/sqlite/*.sql "$here/sqlite/sqlx_migrations.sql"; do
    sqlite3 -bail "$sqlite_file" <"$f" >/dev/null
done

echo "==> fresh PostgreSQL database $pg_db, migrated"
psql "$pg_admin" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $pg_db"
pg_url="${pg_admin%/*}/$pg_db"
for f in "$migrations"/postgres/*.sql "$here/postgres/sqlx_migrations.sql"; do
    psql "$pg_url" -v ON_ERROR_STOP=1 -q -1 -f "$f" >/dev/null
done

# Builds one check crate online: its query macros prepare every statement against the database
# and write their data into the given folder.
prepare() {
    local engine=$1 url_var=$2 url=$3 out=$4
    echo "==> $engine: preparing every statement"
    rm -rf "$out"
    mkdir -p "$out"
    env SQLX_OFFLINE=false SQLX_OFFLINE_DIR="$out" "$url_var=$url" \
        cargo check --locked --quiet -p "flowsense-storage-check-$engine"
}

status=0
for engine in sqlite postgres; do
    case $engine in
        sqlite) url_var=FLOWSENSE_CHECK_SQLITE_URL url="sqlite://$sqlite_file?mode=ro" ;;
        postgres) url_var=FLOWSENSE_CHECK_POSTGRES_URL url=$pg_url ;;
    esac
    committed=$here/$engine/.sqlx
    # Both engines run even when the first fails, so one run shows every error.
    if $check; then
        fresh=$work/$engine.sqlx
        if ! prepare "$engine" "$url_var" "$url" "$fresh"; then
            status=1
        elif ! diff -r "$committed" "$fresh" >"$work/$engine.diff" 2>&1; then
            echo "error: the committed $engine query data is stale; run crates/storage-check/prepare.sh and commit it" >&2
            head -n 40 "$work/$engine.diff" >&2
            status=1
        fi
    else
        prepare "$engine" "$url_var" "$url" "$committed" || status=1
    fi
done
if ((status == 0)); then
    echo "==> query data $($check && echo "up to date" || echo "written"): $(ls "$here"/sqlite/.sqlx | wc -l) SQLite, $(ls "$here"/postgres/.sqlx | wc -l) PostgreSQL statements"
fi
exit $status
