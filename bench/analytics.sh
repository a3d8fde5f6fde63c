#!/usr/bin/env bash
# Monthly cash flow: `flowsense report cashflow` against ledger and hledger on the same
# generated books (10k, 100k and 1M transactions), plus the other reports at 1M.
#
#   bench/analytics.sh                 # RUNS=3 runs per measurement, median reported
#   RUNS=5 HLEDGER_RUNS_1M=3 bench/analytics.sh
#   SIZES="10000 100000" bench/analytics.sh
#
# Needs hledger, ledger and GNU time (/usr/bin/time). Writes the books to bench/out/ and the
# table to stdout and bench/out/analytics.txt. See bench/README.md.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
RUNS="${RUNS:-3}"
# hledger needs about a minute and 8 GB for a million transactions: once is enough by default.
HLEDGER_RUNS_1M="${HLEDGER_RUNS_1M:-1}"
SIZES="${SIZES:-10000 100000 1000000}"
SEED="${SEED:-1}"
OUT=bench/out
TARGET="${CARGO_TARGET_DIR:-target}"
BIN="$TARGET/release/flowsense"

for tool in hledger ledger /usr/bin/time; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "missing $tool (apt-get install -y hledger ledger time)" >&2
        exit 1
    fi
done

cargo build --release --quiet -p flowsense
mkdir -p "$OUT"

# measure RUNS CMD...: runs CMD RUNS times (output discarded) and prints "SECONDS PEAK_KB",
# each the median over the runs. Peak RSS comes from GNU time (`%M`); wall time is taken
# around it with nanosecond resolution, since `%e` has only centiseconds.
measure() {
    local runs="$1"
    shift
    local stats walls start end
    stats="$(mktemp)"
    walls="$(mktemp)"
    for _ in $(seq "$runs"); do
        start="$(date +%s%N)"
        /usr/bin/time -f "%e %M" -o "$stats" -a "$@" >/dev/null
        end="$(date +%s%N)"
        awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f\n", (b - a) / 1e9 }' >>"$walls"
    done
    local seconds kb
    seconds="$(sort -g "$walls" | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')"
    kb="$(awk '{print $2}' "$stats" | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')"
    rm -f "$stats" "$walls"
    echo "$seconds $kb"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "inf" }'; }
mb() { awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }

{
    echo "FlowSense analytics benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "host: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GB", $2 / 1048576}' /proc/meminfo); $(hledger --version | head -1); $(ledger --version | head -1)"
    echo "median of $RUNS runs (hledger at 1M: $HLEDGER_RUNS_1M); seed $SEED"
    echo
} | tee "$OUT/analytics.txt"

table_header() {
    printf "%-9s %-10s %9s %9s %12s %12s\n" "$@"
}

{
    echo "Monthly cash flow"
    echo "  flowsense: flowsense report cashflow --input N.csv --format csv"
    echo "  ledger:    ledger -f N.journal register --monthly ^Income ^Expenses"
    echo "  hledger:   hledger -f N.journal balance --monthly"
    echo
    table_header "txns" "tool" "seconds" "peak MB" "time ×fs" "memory ×fs"
} | tee -a "$OUT/analytics.txt"

for n in $SIZES; do
    csv="$OUT/$n.csv"
    journal="$OUT/$n.journal"
    "$BIN" gen --transactions "$n" --out "$csv" --journal "$journal" --seed "$SEED" \
        >/dev/null 2>"$OUT/gen-$n.log"
    read -r fs_s fs_kb < <(measure "$RUNS" "$BIN" report cashflow --input "$csv" --format csv)
    read -r l_s l_kb < <(measure "$RUNS" ledger -f "$journal" register --monthly '^Income' '^Expenses')
    h_runs="$RUNS"
    if [ "$n" -ge 1000000 ]; then h_runs="$HLEDGER_RUNS_1M"; fi
    read -r h_s h_kb < <(measure "$h_runs" hledger -f "$journal" balance --monthly)
    {
        table_header "$n" "flowsense" "$fs_s" "$(mb "$fs_kb")" "1.0" "1.0"
        table_header "$n" "ledger" "$l_s" "$(mb "$l_kb")" "$(ratio "$l_s" "$fs_s")" "$(ratio "$l_kb" "$fs_kb")"
        table_header "$n" "hledger" "$h_s" "$(mb "$h_kb")" "$(ratio "$h_s" "$fs_s")" "$(ratio "$h_kb" "$fs_kb")"
    } | tee -a "$OUT/analytics.txt"
done

largest="${SIZES##* }"
{
    echo
    echo "Other reports at $largest transactions (flowsense report KIND --input N.csv --format csv)"
    echo
    printf "%-10s %9s %9s\n" "report" "seconds" "peak MB"
} | tee -a "$OUT/analytics.txt"
for kind in cashflow forecast anomalies recurring; do
    read -r s kb < <(measure "$RUNS" "$BIN" report "$kind" --input "$OUT/$largest.csv" --format csv)
    printf "%-10s %9s %9s\n" "$kind" "$s" "$(mb "$kb")" | tee -a "$OUT/analytics.txt"
done
