//! A small family of forecasting methods for one series of period totals, chosen per series
//! by rolling-origin cross-validation on its own history ([`select`]).
//!
//! The family: naive, window average, simple and damped-trend exponential smoothing and
//! Theta (all fitted), their equal-weight combination, and — with at least two full seasons of
//! history — seasonal naive and the same smoothers on seasonally adjusted data (factors shrunk
//! toward no pattern where the evidence is thin). Intermittent series (a quarter or more of
//! zero periods) also try Croston's method and TSB.
//!
//! Everything works in `f64` on totals; callers round once when they turn results into money.
//! Non-finite inputs are treated as zero and non-finite outputs fall back to the window average,
//! so no series (empty, constant, all zero, or near `i64::MAX` minor units) yields NaN.

mod intermittent;
mod seasonal;
mod selection;
mod smoothing;

pub use intermittent::{CROSTON_ALPHA, croston, tsb, tsb_with};
pub use seasonal::{Seasonality, seasonal_naive};
pub use selection::{
    MethodScore, Selection, band_offsets, band_offsets_between, pooled_errors, select,
};
pub use smoothing::{
    DampedFit, SesFit, damped_fit, linear_slope, ses_fit, ses_with_alpha, theta_forecast,
};

use serde::Serialize;

/// Share of zero periods from which a series counts as intermittent.
const INTERMITTENT_SHARE: f64 = 0.25;

/// A forecasting method of the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The last value, repeated.
    Naive,
    /// The mean of the last `window` values.
    WindowAverage,
    /// Simple exponential smoothing, weight fitted.
    Smoothing,
    /// Exponential smoothing with a damped trend, weights and damping fitted.
    DampedTrend,
    /// The Theta method: smoothing plus half the long-run drift.
    Theta,
    /// The mean of smoothing, damped trend and Theta.
    Combined,
    /// The value one season earlier.
    SeasonalNaive,
    /// Smoothing of the seasonally adjusted series, pattern put back.
    SeasonalSmoothing,
    /// Damped trend of the seasonally adjusted series, pattern put back.
    SeasonalDampedTrend,
    /// Theta on the seasonally adjusted series, pattern put back.
    SeasonalTheta,
    /// The mean of the three seasonal smoothers.
    SeasonalCombined,
    /// Croston's method for intermittent series.
    Croston,
    /// Teunter–Syntetos–Babai: intermittent series whose demand may fade out.
    Tsb,
    /// The value one short cycle earlier (weekly series: every 2, 4 or 13 weeks).
    CycleNaive { period: u8 },
    /// Smoothing of the series adjusted for a short cycle, pattern put back.
    CycleSmoothing { period: u8 },
}

impl Method {
    /// Plain-words name for people.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Method::Naive => "last week repeated",
            Method::WindowAverage => "recent average",
            Method::Smoothing => "smoothed level",
            Method::DampedTrend => "smoothed level with a fading trend",
            Method::Theta => "smoothed level with half the long-run drift (Theta)",
            Method::Combined => "average of three smoothing methods",
            Method::SeasonalNaive => "same week last year",
            Method::SeasonalSmoothing => "smoothed level with the yearly pattern",
            Method::SeasonalDampedTrend => "fading trend with the yearly pattern",
            Method::SeasonalTheta => "Theta with the yearly pattern",
            Method::SeasonalCombined => {
                "average of three smoothing methods with the yearly pattern"
            }
            Method::Croston => "typical amount times how often it occurs (Croston)",
            Method::Tsb => "typical amount times a fading chance it occurs (TSB)",
            Method::CycleNaive { period: 2 } => "same as two weeks before",
            Method::CycleNaive { period: 4 } => "same as four weeks before",
            Method::CycleNaive { .. } => "same as one cycle before",
            Method::CycleSmoothing { period: 2 } => "smoothed level with a two-week rhythm",
            Method::CycleSmoothing { period: 4 } => "smoothed level with a four-week rhythm",
            Method::CycleSmoothing { .. } => "smoothed level with a repeating cycle",
        }
    }

    /// Whether the method uses a seasonal pattern.
    #[must_use]
    pub fn is_seasonal(self) -> bool {
        matches!(
            self,
            Method::SeasonalNaive
                | Method::SeasonalSmoothing
                | Method::SeasonalDampedTrend
                | Method::SeasonalTheta
                | Method::SeasonalCombined
        )
    }
}

/// Values in a series are counted, not amounts: exact for any realistic length.
#[expect(
    clippy::cast_precision_loss,
    reason = "counts of periods, far below 2^53"
)]
pub(crate) fn count_f64(n: usize) -> f64 {
    n as f64
}

/// Short cycles tried besides the season: pay runs every two or four weeks and quarterly
/// payments show in weekly series (season 52); none elsewhere.
#[must_use]
pub fn cycles_for(season: usize) -> &'static [u8] {
    if season == 52 { &[2, 4, 13] } else { &[] }
}

/// Window of the window average: 13 periods (a quarter of weeks), or one season for shorter
/// periods such as the 12 months of a year.
#[must_use]
pub fn window_for(season: usize) -> usize {
    if (2..52).contains(&season) {
        season
    } else {
        13
    }
}

/// Whether a quarter or more of the values are zero.
#[must_use]
pub fn is_intermittent(series: &[f64]) -> bool {
    let zeros = series.iter().filter(|&&y| y == 0.0).count();
    !series.is_empty() && count_f64(zeros) >= INTERMITTENT_SHARE * count_f64(series.len())
}

/// Mean of the last `window` values (zero for an empty series).
#[must_use]
pub fn window_average(series: &[f64], window: usize) -> f64 {
    let tail = &series[series.len().saturating_sub(window.max(1))..];
    if tail.is_empty() {
        return 0.0;
    }
    tail.iter().sum::<f64>() / count_f64(tail.len())
}

/// Forecasts of every candidate method for `horizon` steps after `series`. Seasonal methods
/// join with two full seasons of history, intermittent ones for intermittent series.
#[must_use]
pub fn candidate_forecasts(
    series: &[f64],
    season: usize,
    horizon: usize,
) -> Vec<(Method, Vec<f64>)> {
    candidates_where(series, season, horizon, &|_| true)
}

/// [`candidate_forecasts`], skipping the fitting of methods `wanted` refuses (the naive and
/// window-average forecasts cost nothing and always come). The others are the same values.
#[must_use]
pub fn candidates_where(
    series: &[f64],
    season: usize,
    horizon: usize,
    wanted: &dyn Fn(Method) -> bool,
) -> Vec<(Method, Vec<f64>)> {
    let clean: Vec<f64> = series
        .iter()
        .map(|&y| if y.is_finite() { y } else { 0.0 })
        .collect();
    let series = clean.as_slice();
    let fallback = window_average(series, window_for(season));
    let flat = |v: f64| vec![v; horizon];
    let mut out = vec![
        (Method::Naive, flat(series.last().copied().unwrap_or(0.0))),
        (Method::WindowAverage, flat(fallback)),
    ];
    let any = |methods: &[Method]| methods.iter().any(|&m| wanted(m));
    if any(&SMOOTHERS) {
        out.extend(smoothers(series, horizon, false, wanted));
    }
    if (any(&SEASONAL_SMOOTHERS) || wanted(Method::SeasonalNaive))
        && let Some(pattern) = Seasonality::estimate(series, season)
    {
        out.push((
            Method::SeasonalNaive,
            seasonal_naive(series, season, horizon),
        ));
        let adjusted = pattern.adjust(series);
        for (method, forecast) in smoothers(&adjusted, horizon, true, wanted) {
            out.push((method, pattern.restore(&forecast, series.len())));
        }
    }
    for &period in cycles_for(season) {
        let p = usize::from(period);
        if series.len() < 2 * p
            || !any(&[
                Method::CycleNaive { period },
                Method::CycleSmoothing { period },
            ])
        {
            continue;
        }
        out.push((
            Method::CycleNaive { period },
            seasonal_naive(series, p, horizon),
        ));
        if let Some(pattern) = Seasonality::estimate(series, p)
            && let Some(ses) = ses_fit(&pattern.adjust(series))
        {
            let forecast = pattern.restore(&vec![ses.level; horizon], series.len());
            out.push((Method::CycleSmoothing { period }, forecast));
        }
    }
    if is_intermittent(series) && any(&[Method::Croston, Method::Tsb]) {
        out.push((Method::Croston, flat(croston(series))));
        out.push((Method::Tsb, flat(tsb(series))));
    }
    for (_, forecast) in &mut out {
        for value in forecast.iter_mut() {
            if !value.is_finite() {
                *value = fallback;
            }
        }
    }
    out
}

const SMOOTHERS: [Method; 4] = [
    Method::Smoothing,
    Method::DampedTrend,
    Method::Theta,
    Method::Combined,
];
const SEASONAL_SMOOTHERS: [Method; 4] = [
    Method::SeasonalSmoothing,
    Method::SeasonalDampedTrend,
    Method::SeasonalTheta,
    Method::SeasonalCombined,
];

/// Smoothing, damped trend, Theta and their mean (their seasonal names when `seasonal`);
/// the damped trend's costly fit only when `wanted` asks for it or for the mean. Both fits
/// fail only on an empty series, so leaving one out never adds a method the other would have
/// kept out.
fn smoothers(
    series: &[f64],
    horizon: usize,
    seasonal: bool,
    wanted: &dyn Fn(Method) -> bool,
) -> Vec<(Method, Vec<f64>)> {
    let [smoothing, damped_trend, theta_method, combined_method] = if seasonal {
        SEASONAL_SMOOTHERS
    } else {
        SMOOTHERS
    };
    let Some(ses) = ses_fit(series) else {
        return Vec::new();
    };
    let smooth = vec![ses.level; horizon];
    let theta = theta_forecast(series, ses, horizon);
    let trend: Option<Vec<f64>> = if wanted(damped_trend) || wanted(combined_method) {
        damped_fit(series).map(|damped| (1..=horizon).map(|h| damped.at(h)).collect())
    } else {
        None
    };
    let combined: Option<Vec<f64>> = trend.as_ref().map(|trend| {
        (0..horizon)
            .map(|k| (smooth[k] + trend[k] + theta[k]) / 3.0)
            .collect()
    });
    let mut out = vec![(smoothing, smooth)];
    out.extend(trend.map(|trend| (damped_trend, trend)));
    out.push((theta_method, theta));
    out.extend(combined.map(|combined| (combined_method, combined)));
    out
}
