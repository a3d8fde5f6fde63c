#!/usr/bin/env bash
# A backup of a large SQLite database taken while another import runs, then verified, restored
# into a fresh file whose reports must equal the original's, and refused with another master key.
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
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
export FLOWSENSE_DATABASE_URL="sqlite://$WORK/data/flowsense.db"
# The master key is generated beside the database on first run (data/master.key).
mkdir -p data
"$BIN" migrate --create >/dev/null
"$BIN" org create --slug big --name "Big Books" >/dev/null
"$BIN" org create --slug busy --name "Busy Books" >/dev/null
"$BIN" gen --transactions "$ROWS" --end 2026-11-30 --out big.csv >/dev/null
"$BIN" gen --transactions 50000 --end 2026-11-30 --seed 7 --out busy.csv >/dev/null
"$BIN" import --org big big.csv >/dev/null
"$BIN" report cashflow --org big --format json > before.json
db_bytes=$(stat -c %s data/flowsense.db)

# Another organisation's import runs while the backup is taken.
"$BIN" import --org busy busy.csv >/dev/null &
importer=$!
start=$(date +%s.%N)
"$BIN" backup create --dir "$WORK/backups" > create.txt
create_s=$(echo "$(date +%s.%N) - $start" | bc)
wait "$importer"
backup=$(ls -d "$WORK"/backups/flowsense-* | tail -1)
sealed_bytes=$(stat -c %s "$backup/database.sqlite.sealed")

start=$(date +%s.%N)
"$BIN" backup verify "$backup" > verify.txt
verify_s=$(echo "$(date +%s.%N) - $start" | bc)

start=$(date +%s.%N)
"$BIN" backup restore "$backup" --to "$WORK/restored.db" > restore.txt
restore_s=$(echo "$(date +%s.%N) - $start" | bc)
# The same master key (a restored file elsewhere would otherwise get a new one beside it).
FLOWSENSE_MASTER_KEY_FILE="$WORK/data/master.key" FLOWSENSE_DATABASE_URL="sqlite://$WORK/restored.db" "$BIN" report cashflow --org big --format json > after.json
cmp -s before.json after.json && reports=equal || reports=DIFFERENT

mkdir other
other_key=$(head -c 32 /dev/urandom | base64)
if FLOWSENSE_MASTER_KEY="$other_key" "$BIN" backup restore "$backup" --to "$WORK/other/x.db" 2> refused.txt; then
  refused=NOT-REFUSED
else
  grep -q "made with another master key" refused.txt && refused=refused || refused=UNCLEAR
fi
[ -e other/x.db ] && refused="$refused (file left!)"

cat create.txt verify.txt restore.txt refused.txt >&2
echo "| rows | database MB | sealed MB | create s | verify s | restore s | reports | other key |"
echo "|---|---|---|---|---|---|---|---|"
printf '| %s | %.1f | %.1f | %.2f | %.2f | %.2f | %s | %s |\n' "$ROWS" \
  "$(echo "$db_bytes / 1048576" | bc -l)" "$(echo "$sealed_bytes / 1048576" | bc -l)" \
  "$create_s" "$verify_s" "$restore_s" "$reports" "$refused"
[ "$reports" = equal ] && [ "$refused" = refused ]
