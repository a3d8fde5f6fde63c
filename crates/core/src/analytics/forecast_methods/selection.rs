//! Rolling-origin cross-validation: every candidate is refitted at each of the last origins
//! of the series and scored on what followed; the two with the lowest mean absolute error are
//! blended, and the blend's errors at each step ahead give the likely range.

use super::{
    Method, candidate_forecasts, candidates_where, count_f64, is_intermittent, window_average,
    window_for,
};
use crate::analytics::stats::quantile;
use std::collections::HashMap;

/// Fewest periods a candidate is fitted on during cross-validation.
const MIN_TRAIN: usize = 8;
/// Methods blended: the best two, weighted by inverse error (on the real series of
/// `bench/forecast.sh` this beat both choosing one and blending three).
const BLEND: usize = 2;
/// Origins, in horizons, the blend's errors are also measured at for calibration
/// ([`Selection::calibration_errors`]).
const CALIBRATION_HORIZONS: usize = 4;
/// Fewest origins a method needs to compete (fewer when the history allows no more).
const MIN_ORIGINS: usize = 12;
/// Quantiles of the errors taken as the low and high ends of the likely range (meant as P10 and
/// P90). Wider than 10 % / 90 %: empirical quantiles of a few dozen in-sample errors understate
/// the tails; with these, `bench/forecast.sh` measured 75 % coverage on real series and 87 %
/// on the generator's books.
const LOW_QUANTILE: f64 = 0.05;
const HIGH_QUANTILE: f64 = 0.95;

/// Each method's error rows with their origin, in origin order.
type RowsByOrigin = HashMap<Method, Vec<(usize, Vec<Option<f64>>)>>;

/// One candidate's cross-validated accuracy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MethodScore {
    pub method: Method,
    /// Mean absolute error over every origin and step it was scored on.
    pub mean_abs_error: f64,
    /// Sum of absolute errors over the sum of absolute actuals (`None` when nothing moved).
    pub wape: Option<f64>,
}

/// The chosen method for one series, its forecast, and the evidence for the choice.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    pub method: Method,
    /// The methods blended into the forecast with their weights (summing to 1), best first.
    pub blend: Vec<(Method, f64)>,
    /// Every candidate scored at all origins, best first (empty without cross-validation).
    pub scores: Vec<MethodScore>,
    /// The blend refitted on the whole series, one value per step ahead.
    pub forecast: Vec<f64>,
    /// The blend's errors (actual − forecast), `[origin][step]`, oldest origin first; `None`
    /// past the end of the series.
    pub errors: Vec<Vec<Option<f64>>>,
    /// The same at up to `4 × horizon` origins (a year of weeks), the newest run where every
    /// blended method could be fitted: the older ones played no part in the choice. For
    /// calibrating a forecast that builds on this one.
    pub calibration_errors: Vec<Vec<Option<f64>>>,
    pub intermittent: bool,
    /// Whether two full seasons allowed seasonal candidates.
    pub seasonal_candidates: bool,
}

impl Selection {
    /// Number of cross-validation origins.
    #[must_use]
    pub fn origins(&self) -> usize {
        self.errors.len()
    }
}

/// Chooses methods for `series` (oldest first) with period `season` (1 for none) by
/// cross-validation at up to `2 × horizon` origins, and forecasts `horizon` steps with a blend
/// of the best two. Too short a series gets the window average and no evidence.
#[must_use]
pub fn select(series: &[f64], season: usize, horizon: usize) -> Selection {
    let n = series.len();
    let room = n.saturating_sub(MIN_TRAIN);
    let origin_count = (2 * horizon).min(room);
    let calibration_count = (CALIBRATION_HORIZONS * horizon).min(room).max(origin_count);
    let final_candidates = candidate_forecasts(series, season, horizon);
    let seasonal_candidates = final_candidates.iter().any(|(m, _)| m.is_seasonal());
    let intermittent = is_intermittent(series);
    let error_row = |t: usize, forecast: &[f64]| -> Vec<Option<f64>> {
        (0..horizon)
            .map(|k| series.get(t + k).map(|actual| actual - forecast[k]))
            .collect()
    };
    // Each method's error rows with their origin, in origin order.
    let mut all_errors: RowsByOrigin = HashMap::new();
    for t in n - origin_count..n {
        for (method, forecast) in candidate_forecasts(&series[..t], season, horizon) {
            all_errors
                .entry(method)
                .or_default()
                .push((t, error_row(t, &forecast)));
        }
    }
    let errors: HashMap<Method, Vec<Vec<Option<f64>>>> = all_errors
        .iter()
        .map(|(method, rows)| (*method, rows.iter().map(|(_, r)| r.clone()).collect()))
        .collect();
    // Methods join as history grows (seasonal ones after two years), so each is scored on
    // the latest origins that every method with enough of them shares.
    let eligible: Vec<Method> = final_candidates
        .iter()
        .map(|(m, _)| *m)
        .filter(|m| {
            errors
                .get(m)
                .is_some_and(|r| r.len() >= MIN_ORIGINS.min(origin_count))
        })
        .collect();
    let shared = eligible
        .iter()
        .filter_map(|m| errors.get(m).map(Vec::len))
        .min()
        .unwrap_or(0);
    let mut scores: Vec<MethodScore> = eligible
        .iter()
        .filter_map(|method| {
            let rows = errors.get(method)?;
            let recent = &rows[rows.len() - shared..];
            score(*method, recent, series, n - shared)
        })
        .collect();
    scores.sort_by(|a, b| a.mean_abs_error.total_cmp(&b.mean_abs_error));
    let chosen = scores.first().map_or(Method::WindowAverage, |s| s.method);
    let blend = weights(&scores, BLEND);
    let mut forecast = vec![0.0; horizon];
    let mut blended_errors: Vec<Vec<Option<f64>>> = vec![vec![Some(0.0); horizon]; shared];
    for &(method, weight) in &blend {
        if let Some((_, f)) = final_candidates.iter().find(|(m, _)| *m == method) {
            for (total, value) in forecast.iter_mut().zip(f) {
                *total += weight * value;
            }
        }
        let rows = errors
            .get(&method)
            .map_or(&[][..], |r| &r[r.len() - shared..]);
        for (total_row, row) in blended_errors.iter_mut().zip(rows) {
            for (total, e) in total_row.iter_mut().zip(row) {
                *total = total.zip(*e).map(|(t, e)| t + weight * e);
            }
        }
    }
    if blend.is_empty() {
        forecast = vec![window_average(series, window_for(season)); horizon];
    }
    // Older origins, for calibration only: the blended methods alone are refitted there.
    let mut older: RowsByOrigin = HashMap::new();
    let blended = |m: Method| blend.iter().any(|(b, _)| *b == m);
    for t in n - calibration_count..n - origin_count {
        for (method, forecast) in candidates_where(&series[..t], season, horizon, &blended) {
            if blended(method) {
                older
                    .entry(method)
                    .or_default()
                    .push((t, error_row(t, &forecast)));
            }
        }
    }
    for (method, rows) in all_errors {
        older.entry(method).or_default().extend(rows);
    }
    let calibration_errors = blend_errors(&older, &blend, n - calibration_count..n);
    Selection {
        method: chosen,
        blend,
        scores,
        forecast,
        errors: blended_errors,
        calibration_errors,
        intermittent,
        seasonal_candidates,
    }
}

/// The blend's error rows at the newest run of `origins` where every blended method was
/// fitted, oldest first (none without a blend).
fn blend_errors(
    errors: &RowsByOrigin,
    blend: &[(Method, f64)],
    origins: std::ops::Range<usize>,
) -> Vec<Vec<Option<f64>>> {
    let mut rows: Vec<Vec<Option<f64>>> = Vec::new();
    if blend.is_empty() {
        return rows;
    }
    for t in origins.rev() {
        let mut total: Vec<Option<f64>> = Vec::new();
        for &(method, weight) in blend {
            let Some(row) = errors.get(&method).and_then(|r| {
                r.binary_search_by_key(&t, |(origin, _)| *origin)
                    .ok()
                    .map(|i| &r[i].1)
            }) else {
                rows.reverse();
                return rows;
            };
            if total.is_empty() {
                total = vec![Some(0.0); row.len()];
            }
            for (sum, e) in total.iter_mut().zip(row) {
                *sum = sum.zip(*e).map(|(s, e)| s + weight * e);
            }
        }
        rows.push(total);
    }
    rows.reverse();
    rows
}

/// Scores one method's error rows; the first row belongs to origin `first_origin`.
fn score(
    method: Method,
    rows: &[Vec<Option<f64>>],
    series: &[f64],
    first_origin: usize,
) -> Option<MethodScore> {
    let (mut abs_error, mut abs_actual, mut count) = (0.0, 0.0, 0usize);
    for (i, row) in rows.iter().enumerate() {
        for (k, error) in row.iter().enumerate() {
            if let (Some(e), Some(actual)) = (error, series.get(first_origin + i + k)) {
                abs_error += e.abs();
                abs_actual += actual.abs();
                count += 1;
            }
        }
    }
    let mean_abs_error = abs_error / count_f64(count);
    mean_abs_error.is_finite().then(|| MethodScore {
        method,
        mean_abs_error,
        wape: (abs_actual > 0.0).then(|| abs_error / abs_actual),
    })
}

/// Low and high error offsets (P10-like, P90-like) for each of `horizon` steps from error
/// rows `[origin][step]`: quantiles of the errors at that step and its neighbours, never
/// narrower than the step before. Zero without errors.
#[must_use]
pub fn band_offsets(errors: &[Vec<Option<f64>>], horizon: usize) -> Vec<(f64, f64)> {
    band_offsets_between(errors, horizon, (LOW_QUANTILE, HIGH_QUANTILE))
}

/// [`band_offsets`] with the quantiles `(low, high)` of the errors as the range's ends.
#[must_use]
pub fn band_offsets_between(
    errors: &[Vec<Option<f64>>],
    horizon: usize,
    (low_quantile, high_quantile): (f64, f64),
) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(horizon);
    let mut previous = (0.0f64, 0.0f64);
    for k in 0..horizon {
        let pooled = pooled_errors(errors, k);
        let low = quantile(&pooled, low_quantile).unwrap_or(previous.0);
        let high = quantile(&pooled, high_quantile).unwrap_or(previous.1);
        previous = (low.min(previous.0).min(0.0), high.max(previous.1).max(0.0));
        out.push(previous);
    }
    out
}

/// The errors at step `k` and its neighbours, over every origin.
#[must_use]
pub fn pooled_errors(errors: &[Vec<Option<f64>>], k: usize) -> Vec<f64> {
    errors
        .iter()
        .flat_map(|row| {
            row.iter()
                .skip(k.saturating_sub(1))
                .take(3 - usize::from(k == 0))
        })
        .flatten()
        .copied()
        .collect()
}

/// Weights of the `size` best methods, inversely proportional to their mean absolute error
/// (all on the best one when it made no error).
fn weights(scores: &[MethodScore], size: usize) -> Vec<(Method, f64)> {
    let top = &scores[..scores.len().min(size.max(1))];
    if top.first().is_some_and(|s| s.mean_abs_error <= 0.0) {
        return top.first().map(|s| (s.method, 1.0)).into_iter().collect();
    }
    let total: f64 = top.iter().map(|s| 1.0 / s.mean_abs_error).sum();
    top.iter()
        .map(|s| (s.method, 1.0 / s.mean_abs_error / total))
        .collect()
}
