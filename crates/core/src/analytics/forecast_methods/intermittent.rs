//! Methods for intermittent streams (many weeks with nothing): Croston's (demand sizes and
//! the intervals between them smoothed apart) and TSB (sizes and the chance of a demand in
//! any week, so a stream that stops fades out instead of waiting forever).

use super::smoothing::ses_with_alpha;

/// Croston's classic smoothing weight, as in the literature and statsforecast's `CrostonClassic`.
pub const CROSTON_ALPHA: f64 = 0.1;
/// Weights tried for TSB's sizes and probability.
const TSB_GRID: [f64; 4] = [0.05, 0.1, 0.2, 0.3];

/// Croston's classic forecast per step: smoothed non-zero size over smoothed interval
/// (intervals counted from one before the start). Zero when nothing ever moved.
#[must_use]
pub fn croston(series: &[f64]) -> f64 {
    let mut sizes = Vec::new();
    let mut intervals = Vec::new();
    let mut last: Option<usize> = None;
    for (t, &y) in series.iter().enumerate() {
        if y != 0.0 {
            sizes.push(y);
            intervals.push(super::count_f64(last.map_or(t + 1, |l| t - l)));
            last = Some(t);
        }
    }
    let Some((size, _)) = ses_with_alpha(&sizes, CROSTON_ALPHA) else {
        return 0.0;
    };
    let (interval, _) = ses_with_alpha(&intervals, CROSTON_ALPHA).unwrap_or((1.0, 0.0));
    if interval > 0.0 {
        size / interval
    } else {
        size
    }
}

/// TSB with given weights: the smoothed chance of a non-zero week times the smoothed size.
#[must_use]
pub fn tsb_with(series: &[f64], alpha_size: f64, alpha_probability: f64) -> f64 {
    let sizes: Vec<f64> = series.iter().copied().filter(|&y| y != 0.0).collect();
    let Some((size, _)) = ses_with_alpha(&sizes, alpha_size) else {
        return 0.0;
    };
    let occurs: Vec<f64> = series
        .iter()
        .map(|&y| if y == 0.0 { 0.0 } else { 1.0 })
        .collect();
    let (probability, _) = ses_with_alpha(&occurs, alpha_probability).unwrap_or((0.0, 0.0));
    probability * size
}

/// TSB with its two weights fitted by the in-sample one-step squared error.
#[must_use]
pub fn tsb(series: &[f64]) -> f64 {
    let mut best = (f64::INFINITY, 0.1, 0.1);
    for alpha_size in TSB_GRID {
        for alpha_probability in TSB_GRID {
            let sse = tsb_sse(series, alpha_size, alpha_probability);
            if sse < best.0 {
                best = (sse, alpha_size, alpha_probability);
            }
        }
    }
    tsb_with(series, best.1, best.2)
}

/// One-step squared error of TSB run through `series`, started at the first non-zero size
/// and the first week's occurrence.
fn tsb_sse(series: &[f64], alpha_size: f64, alpha_probability: f64) -> f64 {
    let Some(&first_size) = series.iter().find(|&&y| y != 0.0) else {
        return 0.0;
    };
    let mut size = first_size;
    let mut probability = match series.first() {
        Some(&y) if y != 0.0 => 1.0,
        _ => 0.0,
    };
    let mut sse = 0.0;
    for &y in series.iter().skip(1) {
        let error = y - probability * size;
        sse += error * error;
        let occurred = if y == 0.0 { 0.0 } else { 1.0 };
        probability += alpha_probability * (occurred - probability);
        if y != 0.0 {
            size += alpha_size * (y - size);
        }
    }
    sse
}
