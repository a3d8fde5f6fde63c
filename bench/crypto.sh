#!/usr/bin/env sh
# Field-encryption benchmark (issue 5): seal+open throughput and the cost of one encrypted column
# on a 100,000-row sync-like write; with SQLCipher, whole-file encryption costs too.
# Usage: bench/crypto.sh            (needs libssl-dev for the SQLCipher half)
#        FLOWSENSE_BENCH_NO_SQLCIPHER=1 bench/crypto.sh
set -eu
cd "$(dirname "$0")/.."
echo "# $(uname -m), $(nproc) cores, $(rustc --version)"
if [ "${FLOWSENSE_BENCH_NO_SQLCIPHER:-0}" = "1" ]; then
    cargo run --release -q -p flowsense-storage --example crypto_bench
else
    cargo run --release -q -p flowsense-storage --example crypto_bench --features sqlcipher
fi
