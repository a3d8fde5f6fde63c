"""Writes crates/core/tests/fixtures/forecast_methods.json: statsforecast's forecasts on small
fixed series, the textbook values the Rust unit tests check our methods against.
Run by `bench/forecast.sh --fixtures` (statsforecast's version is recorded in the file)."""

import json
import sys

import numpy as np
import statsforecast
from statsforecast.models import (
    TSB,
    CrostonClassic,
    Naive,
    SeasonalNaive,
    SimpleExponentialSmoothing,
    Theta,
    WindowAverage,
)

H = 6
SERIES = {
    "trend_season": [112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118, 115, 126, 141,
                     135, 125, 149, 170, 170, 158, 133, 114, 140, 145, 150, 178, 163],
    "intermittent": [0, 0, 3, 0, 0, 1, 0, 0, 0, 4, 0, 2, 0, 0, 0, 0, 5, 0, 0, 1, 0, 0, 2, 0],
    "level_shift": [50, 52, 49, 51, 50, 70, 71, 69, 72, 70, 71, 70, 69, 72, 71, 70],
}


def forecast(model, y):
    return [float(v) for v in model.forecast(y=np.asarray(y, dtype=float), h=H)["mean"]]


def main(path):
    cases = []
    for name, y in SERIES.items():
        cases.append({
            "name": name,
            "series": [float(v) for v in y],
            "horizon": H,
            "naive": forecast(Naive(), y),
            "window_average_3": forecast(WindowAverage(window_size=3), y),
            "seasonal_naive_4": forecast(SeasonalNaive(season_length=4), y),
            "ses_alpha_0_3": forecast(SimpleExponentialSmoothing(alpha=0.3), y),
            "croston_classic": forecast(CrostonClassic(), y),
            "tsb_0_2_0_1": forecast(TSB(alpha_d=0.2, alpha_p=0.1), y),
            "theta": forecast(Theta(), y),
        })
    with open(path, "w") as f:
        json.dump({"statsforecast": statsforecast.__version__, "cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
