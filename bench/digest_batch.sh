#!/usr/bin/env sh
# Weekly digest batch (issue 13): 1,000 organisations' digests composed, rendered (text and HTML
# templates, the PNG chart) and written to an outbox, with the analysis they read timed apart;
# seconds per stage from the program, wall time and peak memory from /usr/bin/time -v.
# Usage: bench/digest_batch.sh [ORGS] [TRANSACTIONS_PER_ORG]     (defaults 1000 and 2000)
set -eu
cd "$(dirname "$0")/.."
orgs="${1:-1000}"
txns="${2:-2000}"
echo "# $(uname -m), $(nproc) cores, $(rustc --version)"
cargo build --release -q -p flowsense-service --example digest_batch
target="${CARGO_TARGET_DIR:-target}"
outbox="$(mktemp -d)"
trap 'rm -rf "$outbox"' EXIT
/usr/bin/time -v "$target/release/examples/digest_batch" "$orgs" "$txns" "$outbox" 2> "$outbox.time"
grep -E "Elapsed \(wall clock\)|Maximum resident set size" "$outbox.time" \
    | sed -e 's/^[[:space:]]*//' -e 's/Maximum resident set size (kbytes)/peak memory (KB)/'
echo "outbox size: $(du -sh "$outbox" | cut -f1)"
rm -f "$outbox.time"
