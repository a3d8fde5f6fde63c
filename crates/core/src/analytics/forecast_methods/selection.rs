//! Rolling-origin cross-validation: every candidate is refitted at each of the last origins
//! of the series and scored on what followed; the two with the lowest mean absolute error are
//! blended, and the blend's errors at each step ahead give the likely range.

use super::{Method, candidate_forecasts, count_f64, is_intermittent, window_average, window_for};
use crate::analytics::stats::quantile;
use std::collections::HashMap;

/// Fewest periods a candidate is fitted on during cross-validation.
const MIN_TRAIN: usize = 8;
/// Methods blended: the best two, weighted by inverse error (on the real series of
/// `bench/forecast.sh` this beat both choosing one and blending three).
const BLEND: usize = 2;
/// Fewest origins a method needs to compete (fewer when the history allows no more).
const MIN_ORIGINS: usize = 12;
/// Quantiles of the errors taken as the low and high ends of the likely range (meant as P10 and
/// P90). Wider than 10 % / 90 %: empirical quantiles of a few dozen in-sample errors understate
/// the tails; with these, `bench/forecast.sh` measured 75 % coverage on real series and 87 %
/// on the generator's books.
const LOW_QUANTILE: f64 = 0.05;
const HIGH_QUANTILE: f64 = 0.95;

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
    let origin_count = (2 * horizon).min(n.saturating_sub(MIN_TRAIN));
    let final_candidates = candidate_forecasts(series, season, horizon);
    let seasonal_candidates = final_candidates.iter().any(|(m, _)| m.is_seasonal());
    let intermittent = is_intermittent(series);
    let mut errors: HashMap<Method, Vec<Vec<Option<f64>>>> = HashMap::new();
    for t in n - origin_count..n {
        for (method, forecast) in candidate_forecasts(&series[..t], season, horizon) {
            let row = (0..horizon)
                .map(|k| series.get(t + k).map(|actual| actual - forecast[k]))
                .collect();
            errors.entry(method).or_default().push(row);
        }
    }
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
    Selection {
        method: chosen,
        blend,
        scores,
        forecast,
        errors: blended_errors,
        intermittent,
        seasonal_candidates,
    }
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
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(horizon);
    let mut previous = (0.0f64, 0.0f64);
    for k in 0..horizon {
        let pooled: Vec<f64> = errors
            .iter()
            .flat_map(|row| {
                row.iter()
                    .skip(k.saturating_sub(1))
                    .take(3 - usize::from(k == 0))
            })
            .flatten()
            .copied()
            .collect();
        let low = quantile(&pooled, LOW_QUANTILE).unwrap_or(previous.0);
        let high = quantile(&pooled, HIGH_QUANTILE).unwrap_or(previous.1);
        previous = (low.min(previous.0).min(0.0), high.max(previous.1).max(0.0));
        out.push(previous);
    }
    out
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
