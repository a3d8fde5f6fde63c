#!/usr/bin/env bash
# The sync of a QuickBooks Online company and of a Xero organisation of about N generated
# transactions each (default 100,000), from the faithful fakes on loopback into a fresh database,
# on SQLite and on PostgreSQL: the function the `connection.sync` job runs, after a connection
# made through the consent flow. First the backfill, then, after 100 transactions are edited at
# the fake, an incremental run.
#
#   bench/sync.sh
#   N=20000 PG_ADMIN_URL= bench/sync.sh             # fewer rows, SQLite only
#   PROVIDERS=xero bench/sync.sh                    # one provider
#   PROFILE=debug N=5000 bench/sync.sh              # a debug build (slow; checks the script)
#
# For each provider, engine and phase it prints the rows applied, the provider requests made
# against the least the paging allows, the wall seconds, rows a second and the peak resident
# memory of the process during the phase (fake, client and store together). A run that makes
# more requests than the minimum fails the script.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
N="${N:-100000}"
PG_ADMIN_URL="${PG_ADMIN_URL-postgres://postgres@127.0.0.1:5432/postgres}"
PROVIDERS="${PROVIDERS:-quickbooks xero}"
PROFILE="${PROFILE:-release}"
TARGET="${CARGO_TARGET_DIR:-target}"
BIN="$TARGET/$PROFILE/examples/sync_bench"

case "$PROFILE" in
    release) cargo build --release --locked --quiet -p flowsense-service --example sync_bench ;;
    debug) cargo build --locked --quiet -p flowsense-service --example sync_bench ;;
    *) echo "PROFILE is release or debug" >&2; exit 2 ;;
esac
work="$(mktemp -d)"
pg_dbs=()
cleanup() {
    rm -rf "$work"
    for db in "${pg_dbs[@]}"; do
        psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
    done
}
trap cleanup EXIT

run() { # run PROVIDER ENGINE URL
    local line requests minimum phases=0
    while IFS= read -r line; do
        phases=$((phases + 1))
        echo "$2: $line"
        requests="$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<<"$line")"
        minimum="$(sed -n 's/.*minimum=\([0-9]*\).*/\1/p' <<<"$line")"
        if [ "$requests" -gt "$minimum" ]; then
            echo "$1 on $2: $requests requests where the paging allows $minimum" >&2
            exit 1
        fi
    done < <("$BIN" "$1" "$3" "$N")
    if [ "$phases" -ne 2 ]; then # the bench stopped before printing both phases
        echo "$1 on $2: the bench failed" >&2
        exit 1
    fi
}

echo "sync of ~$N generated transactions from the fakes ($PROFILE build)"
for provider in $PROVIDERS; do
    run "$provider" sqlite "sqlite://$work/$provider.db"
    if [ -n "$PG_ADMIN_URL" ]; then
        db="flowsense_sync_bench_${provider}_$$"
        pg_dbs+=("$db")
        psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $db" >/dev/null
        run "$provider" postgresql "${PG_ADMIN_URL%/*}/$db"
    fi
done
