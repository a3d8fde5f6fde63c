#!/usr/bin/env bash
# Input tokens sent per insight-narrative run, for books of 1,000, 100,000 and 1,000,000
# transactions: generated books imported into a fresh SQLite database, then one run of the
# `insights.narrate` job's function against the Anthropic fake on loopback, which counts a
# request's tokens as a quarter of its bytes. The figures sent are aggregates, so the tokens
# must stay flat in the number of transactions; the script fails when a run sends 2,000 input
# tokens or more. Then the assistant's input and output tokens per question over a fixed set
# of 20 questions (books of about 1,000 transactions, the fake's deterministic model calling the
# tool that fits each question), printed as a table; ASSISTANT=0 skips it.
#
#   bench/ai_tokens.sh
#   SIZES="1000 100000" PROFILE=debug bench/ai_tokens.sh    # skip the million, no release build
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SIZES="${SIZES:-1000 100000 1000000}"
PROFILE="${PROFILE:-release}"
TARGET="${CARGO_TARGET_DIR:-target}"
if [ "$PROFILE" = release ]; then
    cargo build --release --locked --quiet -p flowsense-service --example ai_tokens
    BIN="$TARGET/release/examples/ai_tokens"
else
    cargo build --locked --quiet -p flowsense-service --example ai_tokens
    BIN="$TARGET/debug/examples/ai_tokens"
fi
status=0
for n in $SIZES; do
    line="$("$BIN" "$n")"
    echo "$line"
    tokens="$(sed -n 's/.*input_tokens=\([0-9]*\).*/\1/p' <<<"$line")"
    if [ "$tokens" -ge 2000 ]; then
        echo "$n transactions: $tokens input tokens, over the 2,000 target" >&2
        status=1
    fi
done
if [ "${ASSISTANT:-1}" != 0 ]; then
    echo
    "$BIN" assistant
fi
exit $status
