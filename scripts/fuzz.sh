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

failed=()
for target in "${targets[@]}"; do
    corpus="corpus/$target"
    mkdir -p "$corpus" "artifacts/$target"
    seeds=()
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
    printf '\n==> fuzz %s for %ss\n' "$target" "$seconds"
    if ! cargo fuzz run --sanitizer none "$target" "$corpus" "${seeds[@]}" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -artifact_prefix="artifacts/$target/" -print_final_stats=1 2>"artifacts/$target.log"; then
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
