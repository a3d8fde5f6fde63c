//! Seasonal factors by classical decomposition (ratio or difference to a centred moving
//! average), shrunk toward no pattern where few seasons back them, and seasonal naive.

use super::count_f64;

/// Bounds on a multiplicative factor: a season never scales a level by more than this.
const FACTOR_RANGE: (f64, f64) = (0.2, 5.0);

/// Per-position seasonal pattern of a series whose first value sits at position 0.
#[derive(Debug, Clone, PartialEq)]
pub struct Seasonality {
    /// Multiplicative factors (mean 1) or additive offsets (mean 0), one per position.
    pub factors: Vec<f64>,
    pub multiplicative: bool,
}

impl Seasonality {
    /// Estimates the pattern of `series` with period `season`; `None` unless at least two full
    /// seasons exist (one season is not a pattern). Each position's estimate is shrunk toward no
    /// effect by `c / (c + 1)` for `c` seasons seen, and long periods (weeks of a year) are
    /// smoothed over neighbouring positions, which are noisy one by one.
    #[must_use]
    pub fn estimate(series: &[f64], season: usize) -> Option<Self> {
        if season < 2 || series.len() < 2 * season {
            return None;
        }
        let centred = centred_average(series, season);
        let same_sign = series.iter().all(|&y| y >= 0.0) || series.iter().all(|&y| y <= 0.0);
        let multiplicative = same_sign && centred.iter().flatten().all(|c| c.abs() > 0.0);
        let mut sums = vec![0.0; season];
        let mut counts = vec![0usize; season];
        for (t, (y, c)) in series.iter().zip(&centred).enumerate() {
            let Some(c) = c else { continue };
            let effect = if multiplicative {
                (y / c).clamp(FACTOR_RANGE.0, FACTOR_RANGE.1)
            } else {
                y - c
            };
            sums[t % season] += effect;
            counts[t % season] += 1;
        }
        let neutral = if multiplicative { 1.0 } else { 0.0 };
        let mut factors: Vec<f64> = sums
            .iter()
            .zip(&counts)
            .map(|(&sum, &count)| {
                if count == 0 {
                    return neutral;
                }
                let n = count_f64(count);
                neutral + (sum / n - neutral) * n / (n + 1.0)
            })
            .collect();
        if season > 12 {
            factors = (0..season)
                .map(|p| {
                    let before = factors[(p + season - 1) % season];
                    let after = factors[(p + 1) % season];
                    0.25 * before + 0.5 * factors[p] + 0.25 * after
                })
                .collect();
        }
        let mean = factors.iter().sum::<f64>() / count_f64(season);
        if multiplicative {
            if mean <= 0.0 {
                return None;
            }
            for f in &mut factors {
                *f = (*f / mean).clamp(FACTOR_RANGE.0, FACTOR_RANGE.1);
            }
        } else {
            for f in &mut factors {
                *f -= mean;
            }
        }
        factors.iter().all(|f| f.is_finite()).then_some(Self {
            factors,
            multiplicative,
        })
    }

    fn at(&self, t: usize) -> f64 {
        self.factors[t % self.factors.len()]
    }

    /// `series` with the pattern taken out.
    #[must_use]
    pub fn adjust(&self, series: &[f64]) -> Vec<f64> {
        series
            .iter()
            .enumerate()
            .map(|(t, y)| {
                if self.multiplicative {
                    y / self.at(t)
                } else {
                    y - self.at(t)
                }
            })
            .collect()
    }

    /// Puts the pattern back into a forecast whose first step is position `start`.
    #[must_use]
    pub fn restore(&self, forecast: &[f64], start: usize) -> Vec<f64> {
        forecast
            .iter()
            .enumerate()
            .map(|(k, y)| {
                if self.multiplicative {
                    y * self.at(start + k)
                } else {
                    y + self.at(start + k)
                }
            })
            .collect()
    }
}

/// Centred moving average over one season (a 2×m average for an even period); `None` near
/// the ends where the window does not fit.
fn centred_average(series: &[f64], season: usize) -> Vec<Option<f64>> {
    let mut prefix = Vec::with_capacity(series.len() + 1);
    prefix.push(0.0);
    for y in series {
        prefix.push(prefix.last().copied().unwrap_or(0.0) + y);
    }
    let sum = |from: usize, to: usize| prefix[to] - prefix[from];
    let half = season / 2;
    let m = count_f64(season);
    (0..series.len())
        .map(|t| {
            if t < half || t + half >= series.len() {
                return None;
            }
            if season % 2 == 1 {
                return Some(sum(t - half, t + half + 1) / m);
            }
            let inner = sum(t + 1 - half, t + half);
            Some((inner + 0.5 * (series[t - half] + series[t + half])) / m)
        })
        .collect()
}

/// The value one season before each forecast step (the last value when there is less than a
/// season of history; zeros when there is none).
#[must_use]
pub fn seasonal_naive(series: &[f64], season: usize, horizon: usize) -> Vec<f64> {
    let n = series.len();
    (0..horizon)
        .map(|k| {
            if season == 0 || n < season {
                return series.last().copied().unwrap_or(0.0);
            }
            series[n - season + k % season]
        })
        .collect()
}
