#!/usr/bin/env bash
# Builds the fuzz targets under fuzz/ and runs each for SECONDS (default 600), seeded from the
# import corpus (crates/import/tests/corpus), fuzz/seeds/<target>/ (payloads in the shapes the
# fakes in crates/fakes send) and fuzz/regressions/<target>/. A crash, a time-out (an input
# taking over 10 s) or a memory blow-up (over 2 GiB) fails the script; the input is left in
# fuzz/artifacts/<target>/: copy it into fuzz/regressions/<target>/ once fixed, where
# `cargo test -p <owning crate> fuzz` replays it.
#
#   scripts/fuzz.sh [SECONDS]            every target
#   FUZZ_TARGETS="import_csv webhooks" scripts/fuzz.sh 60
#   FUZZ_JOBS=1 scripts/fuzz.sh          one target at a time (default: one per core)
#
# Stable Rust is enough: no sanitizer (`--sanitizer none`), libFuzzer's coverage only.
# cargo-fuzz is installed from crates.io when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
targets=(import_csv import_ofx import_qif webhooks provider_payloads envelope anthropic_answers oauth_callback
    backup_file stripe_answers)
if [[ -n "${FUZZ_TARGETS:-}" ]]; then
    read -ra targets <<<"$FUZZ_TARGETS"
fi
CARGO_FUZZ_VERSION=0.13.2
if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
    cargo install --locked "cargo-fuzz@$CARGO_FUZZ_VERSION"
fi

cd fuzz
# fuzz/ is its own workspace, with its own lock file (no `--locked` flag in cargo-fuzz: the
# lock file is checked here instead).
cargo metadata --locked --format-version 1 >/dev/null
cargo fuzz build --sanitizer none

# One target: its corpus, its seeds, then libFuzzer for SECONDS; the exit status is left in
# artifacts/<target>.status and the output in artifacts/<target>.log.
fuzz_one() {
    local target="$1" corpus="corpus/$1" pattern status=0
    local seeds=()
    mkdir -p "$corpus" "artifacts/$target"
    [[ -d "regressions/$target" ]] && seeds+=("regressions/$target")
    [[ -d "seeds/$target" ]] && seeds+=("seeds/$target")
    case "$target" in
        import_csv) pattern='\.(csv|tsv)$' ;;
        import_ofx) pattern='\.(ofx|qfx)$' ;;
        import_qif) pattern='\.qif$' ;;
        *) pattern='' ;;
    esac
    if [[ -n "$pattern" ]]; then
        mkdir -p "corpus/.seeds-$target"
        find ../crates/import/tests/corpus -maxdepth 1 -type f | grep -E "$pattern" |
            xargs -r cp -t "corpus/.seeds-$target"
        seeds+=("corpus/.seeds-$target")
    fi
    cargo fuzz run --sanitizer none "$target" "$corpus" "${seeds[@]}" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -artifact_prefix="artifacts/$target/" -print_final_stats=1 >/dev/null 2>"artifacts/$target.log" ||
        status=$?
    echo "$status" >"artifacts/$target.status"
}

# FUZZ_JOBS targets at once (default: one per core); each libFuzzer process is single-threaded.
jobs="${FUZZ_JOBS:-$(nproc)}"
printf '\n==> fuzz %s for %ss each, %s at a time\n' "${targets[*]}" "$seconds" "$jobs"
running=0
for target in "${targets[@]}"; do
    rm -f "artifacts/$target.status"
    if ((running >= jobs)); then
        wait -n || true
        running=$((running - 1))
    fi
    fuzz_one "$target" &
    running=$((running + 1))
done
wait || true

failed=()
for target in "${targets[@]}"; do
    printf '\n==> fuzz %s\n' "$target"
    if [[ "$(cat "artifacts/$target.status" 2>/dev/null || echo missing)" != 0 ]]; then
        tail -n 40 "artifacts/$target.log"
        failed+=("$target")
    else
        grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)' \
            "artifacts/$target.log" || true
    fi
done

if ((${#failed[@]})); then
    echo "fuzzing found failures in: ${failed[*]} (inputs under fuzz/artifacts/)" >&2
    exit 1
fi
echo "fuzzing: ${#targets[@]} targets, ${seconds}s each, no failure"
