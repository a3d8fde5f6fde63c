#!/usr/bin/env sh
# What counting a request for GET /metrics costs (crates/web/src/request_metrics.rs): wall time
# per request of the lookup and counting alone and of the whole layer around a do-nothing
# service, then, when valgrind is installed, instructions per request from callgrind (which a
# busy machine does not disturb). Builds a small standalone crate (bench/request_metrics/)
# optimised, into its own target directory unless CARGO_TARGET_DIR is set.
# Usage: bench/request_metrics.sh [iterations]
set -eu
cd "$(dirname "$0")/request_metrics"
n=${1:-10000000}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release -q
bin=$CARGO_TARGET_DIR/release/flowsense-bench-request-metrics
echo "# $(uname -m), $(nproc) cores, $(rustc --version), clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || echo unknown)"
"$bin" "$n"
command -v valgrind >/dev/null || exit 0
# Instructions per iteration: the difference between 200,000 and 100,000 iterations of each
# loop, so start-up and the table's construction cancel out.
for phase in lookup record bare counted; do
    ir() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$phase" 2>&1 |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'; }
    a=$(ir 100000)
    b=$(ir 200000)
    echo "$phase: $(( (b - a) / 100000 )) instructions per iteration"
done
