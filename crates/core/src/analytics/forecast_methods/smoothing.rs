//! Exponential smoothing with fitted parameters: simple (level only), damped additive trend,
//! and the Theta method (simple smoothing with half the long-run linear drift).
//!
//! Every fit minimises the in-sample sum of squared one-step errors over a bounded grid, so
//! the work per fit is a fixed multiple of the series length and never diverges.

use super::count_f64;

/// Smoothing weights tried for the level (refined around the best by golden-section search).
const ALPHA_GRID: [f64; 10] = [0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.45, 0.6, 0.8, 0.99];
/// Trend weights tried, as a share of the level's weight.
const BETA_SHARE_GRID: [f64; 4] = [0.02, 0.1, 0.3, 0.6];
/// Damping factors tried (the trend fades; below 0.8 it is barely a trend).
const PHI_GRID: [f64; 3] = [0.8, 0.9, 0.98];
const ALPHA_MIN: f64 = 0.01;
const ALPHA_MAX: f64 = 0.999;

/// Level after simple exponential smoothing of `series` with weight `alpha`, started at the
/// first value, and the sum of squared one-step errors. `None` for an empty series.
#[must_use]
pub fn ses_with_alpha(series: &[f64], alpha: f64) -> Option<(f64, f64)> {
    let (&first, rest) = series.split_first()?;
    let mut level = first;
    let mut sse = 0.0;
    for &y in rest {
        let error = y - level;
        sse += error * error;
        level += alpha * error;
    }
    Some((level, sse))
}

/// A fitted simple exponential smoothing: its weight and final level (the flat forecast).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SesFit {
    pub alpha: f64,
    pub level: f64,
}

/// Fits simple exponential smoothing by least squares over `alpha` in `[0.01, 0.999]`.
/// `None` for an empty series.
#[must_use]
pub fn ses_fit(series: &[f64]) -> Option<SesFit> {
    let sse = |alpha: f64| ses_with_alpha(series, alpha).map_or(f64::INFINITY, |(_, s)| s);
    let mut best = ALPHA_GRID[0];
    let mut best_sse = f64::INFINITY;
    for alpha in ALPHA_GRID {
        let s = sse(alpha);
        if s < best_sse {
            best = alpha;
            best_sse = s;
        }
    }
    let position = ALPHA_GRID.iter().position(|&a| (a - best).abs() < 1e-12)?;
    let low = position
        .checked_sub(1)
        .and_then(|p| ALPHA_GRID.get(p))
        .copied()
        .unwrap_or(ALPHA_MIN);
    let high = ALPHA_GRID.get(position + 1).copied().unwrap_or(ALPHA_MAX);
    let refined = golden_section(low, high, &sse);
    let alpha = if sse(refined) < best_sse {
        refined
    } else {
        best
    };
    let (level, _) = ses_with_alpha(series, alpha)?;
    Some(SesFit { alpha, level })
}

/// Minimum of `f` on `[low, high]` by golden-section search (a fixed 24 steps).
fn golden_section(mut low: f64, mut high: f64, f: &dyn Fn(f64) -> f64) -> f64 {
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let mut a = high - ratio * (high - low);
    let mut b = low + ratio * (high - low);
    let (mut fa, mut fb) = (f(a), f(b));
    for _ in 0..24 {
        if fa < fb {
            high = b;
            b = a;
            fb = fa;
            a = high - ratio * (high - low);
            fa = f(a);
        } else {
            low = a;
            a = b;
            fa = fb;
            b = low + ratio * (high - low);
            fb = f(b);
        }
    }
    f64::midpoint(low, high)
}

/// A fitted damped-trend (additive) exponential smoothing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DampedFit {
    pub alpha: f64,
    pub beta: f64,
    pub phi: f64,
    pub level: f64,
    pub trend: f64,
}

impl DampedFit {
    /// Forecast `h` steps ahead (`h ≥ 1`): the level plus the trend, fading by `phi` a step.
    #[must_use]
    pub fn at(&self, h: usize) -> f64 {
        let mut damped_sum = 0.0;
        let mut factor = 1.0;
        for _ in 0..h {
            factor *= self.phi;
            damped_sum += factor;
        }
        self.level + damped_sum * self.trend
    }
}

/// Runs damped-trend smoothing with the given weights; returns the final state and the sum of
/// squared one-step errors. Started at the first value and the first difference.
fn damped_run(series: &[f64], alpha: f64, beta: f64, phi: f64) -> (f64, f64, f64) {
    let (mut level, mut trend) = match series {
        [] => return (0.0, 0.0, 0.0),
        [only] => return (*only, 0.0, 0.0),
        [first, second, ..] => (*first, second - first),
    };
    let mut sse = 0.0;
    for &y in &series[1..] {
        let predicted = level + phi * trend;
        let error = y - predicted;
        sse += error * error;
        level = predicted + alpha * error;
        trend = phi * trend + beta * error;
    }
    (level, trend, sse)
}

/// Fits damped-trend exponential smoothing by least squares over a grid of weights and
/// damping factors. `None` for an empty series.
#[must_use]
pub fn damped_fit(series: &[f64]) -> Option<DampedFit> {
    if series.is_empty() {
        return None;
    }
    let mut best: Option<(f64, DampedFit)> = None;
    for alpha in ALPHA_GRID {
        for share in BETA_SHARE_GRID {
            for phi in PHI_GRID {
                let beta = alpha * share;
                let (level, trend, sse) = damped_run(series, alpha, beta, phi);
                if best.as_ref().is_none_or(|(s, _)| sse < *s) {
                    let fit = DampedFit {
                        alpha,
                        beta,
                        phi,
                        level,
                        trend,
                    };
                    best = Some((sse, fit));
                }
            }
        }
    }
    best.map(|(_, fit)| fit)
}

/// Least-squares slope of `series` against its index (0 for fewer than two points).
#[must_use]
pub fn linear_slope(series: &[f64]) -> f64 {
    let n = count_f64(series.len());
    if series.len() < 2 {
        return 0.0;
    }
    let mean_t = (n - 1.0) / 2.0;
    let mean_y = series.iter().sum::<f64>() / n;
    let (mut num, mut den) = (0.0, 0.0);
    for (t, y) in series.iter().enumerate() {
        let dt = count_f64(t) - mean_t;
        num += dt * (y - mean_y);
        den += dt * dt;
    }
    if den > 0.0 { num / den } else { 0.0 }
}

/// The standard Theta method (Assimakopoulos & Nikolopoulos; in the form of Hyndman & Billah):
/// the fitted simple smoothing level plus half the linear drift, `h` steps ahead.
#[must_use]
pub fn theta_forecast(series: &[f64], ses: SesFit, horizon: usize) -> Vec<f64> {
    let drift = linear_slope(series) / 2.0;
    let alpha = ses.alpha.max(ALPHA_MIN);
    let exponent = i32::try_from(series.len()).unwrap_or(i32::MAX);
    let offset = 1.0 / alpha - (1.0 - alpha).powi(exponent) / alpha;
    (1..=horizon)
        .map(|h| ses.level + drift * (count_f64(h) - 1.0 + offset))
        .collect()
}
