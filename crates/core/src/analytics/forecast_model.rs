//! The forecast's baseline model: for each weekly stream a method chosen by rolling-origin
//! cross-validation on the organisation's own history ([`super::forecast_methods::select`];
//! the best two are blended),
//! and likely ranges from the chosen methods' errors at each week ahead, added up across
//! streams origin by origin (so streams that move together widen the range together).

use super::forecast_baseline::{History, Stream};
use super::forecast_methods::{Method, MethodScore, Selection, band_offsets, select};
use super::stats::round_minor;
use serde::Serialize;

/// Weeks in the yearly season of a weekly series.
const WEEKS_PER_YEAR: usize = 52;
/// Runners-up shown beside each choice.
const RUNNERS_UP: usize = 3;

/// A method's cross-validated error, for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MethodError {
    pub method: Method,
    /// What the method does, in plain words.
    pub description: &'static str,
    /// Weighted absolute percentage error over the cross-validation, in basis points
    /// (`None` when nothing moved in the weeks it was scored on).
    pub wape_bp: Option<i64>,
}

impl MethodError {
    fn of(score: &MethodScore) -> Self {
        Self {
            method: score.method,
            description: score.method.describe(),
            wape_bp: score.wape.map(|w| round_minor(w * 10_000.0)),
        }
    }
}

/// The method chosen for one stream and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StreamModel {
    pub stream: Stream,
    /// The chosen method, with its cross-validated error.
    pub chosen: MethodError,
    /// The next best methods, best first.
    pub runners_up: Vec<MethodError>,
    /// The methods blended into the forecast, best first, with their weights in basis points.
    pub blend: Vec<(Method, i64)>,
    /// Whether a quarter or more of the weeks had nothing (so intermittent methods competed).
    pub intermittent: bool,
    /// Whether two full years of history let seasonal methods compete.
    pub seasonal_candidates: bool,
}

/// How the baseline was modelled and how trustworthy its ranges proved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForecastModel {
    pub streams: Vec<StreamModel>,
    /// Forecast origins in the cross-validation (0: too little history to choose; the recent
    /// average is used and the ranges are empty).
    pub origins: usize,
    /// Share of weekly net flows, over the cross-validation, that landed inside the likely
    /// range built from the other origins' errors, in basis points (`None` without origins).
    pub coverage_bp: Option<i64>,
}

/// The fitted baseline: median weekly values per stream and the likely ranges' offsets.
pub(crate) struct Baseline {
    /// `[stream][week ahead]`, in the order of [`Stream::ALL`].
    pub p50: [Vec<f64>; 4],
    /// `(low, high)` offsets per week ahead for inflows, outflows, net flow, and ending cash.
    pub inflow: Vec<(f64, f64)>,
    pub outflow: Vec<(f64, f64)>,
    pub net: Vec<(f64, f64)>,
    pub cash: Vec<(f64, f64)>,
    pub model: ForecastModel,
}

impl Baseline {
    /// Chooses and fits a method per stream of `history` and derives the ranges.
    pub(crate) fn fit(history: &History, horizon: usize) -> Self {
        let selections: Vec<(Stream, Selection)> = Stream::ALL
            .iter()
            .map(|&stream| {
                let oldest_first: Vec<f64> = history.weeks[stream as usize]
                    .iter()
                    .rev()
                    .copied()
                    .collect();
                (stream, select(&oldest_first, WEEKS_PER_YEAR, horizon))
            })
            .collect();
        let sum_rows = |pick: &dyn Fn(Stream) -> bool| {
            combine(
                selections
                    .iter()
                    .filter(|(s, _)| pick(*s))
                    .map(|(_, sel)| &sel.errors),
            )
        };
        let inflow_rows = sum_rows(&|s| s.is_inflow());
        let outflow_rows = sum_rows(&|s| !s.is_inflow());
        let net_rows = sum_rows(&|_| true);
        let cash_rows: Vec<Vec<Option<f64>>> = net_rows.iter().map(|r| cumulative(r)).collect();
        let origins = net_rows.len();
        let model = ForecastModel {
            streams: selections
                .iter()
                .map(|(s, sel)| stream_model(*s, sel))
                .collect(),
            origins,
            coverage_bp: leave_one_out_coverage(&net_rows, horizon),
        };
        Self {
            // A stream keeps its sign: a fading trend may not turn receipts into payments.
            p50: std::array::from_fn(|i| {
                let (stream, selection) = &selections[i];
                selection
                    .forecast
                    .iter()
                    .map(|&v| {
                        if stream.is_inflow() {
                            v.max(0.0)
                        } else {
                            v.min(0.0)
                        }
                    })
                    .collect()
            }),
            inflow: band_offsets(&inflow_rows, horizon),
            outflow: band_offsets(&outflow_rows, horizon),
            net: band_offsets(&net_rows, horizon),
            cash: band_offsets(&cash_rows, horizon),
            model,
        }
    }
}

fn stream_model(stream: Stream, selection: &Selection) -> StreamModel {
    let chosen = selection.scores.first().map_or(
        MethodError {
            method: selection.method,
            description: selection.method.describe(),
            wape_bp: None,
        },
        MethodError::of,
    );
    StreamModel {
        stream,
        chosen,
        runners_up: selection
            .scores
            .iter()
            .skip(1)
            .take(RUNNERS_UP)
            .map(MethodError::of)
            .collect(),
        blend: selection
            .blend
            .iter()
            .map(|&(m, w)| (m, round_minor(w * 10_000.0)))
            .collect(),
        intermittent: selection.intermittent,
        seasonal_candidates: selection.seasonal_candidates,
    }
}

/// Adds error rows origin by origin and step by step (`None` where any is missing).
fn combine<'a>(rows: impl Iterator<Item = &'a Vec<Vec<Option<f64>>>>) -> Vec<Vec<Option<f64>>> {
    let mut total: Option<Vec<Vec<Option<f64>>>> = None;
    for stream_rows in rows {
        total = Some(match total {
            None => stream_rows.clone(),
            Some(sum) => sum
                .iter()
                .zip(stream_rows)
                .map(|(a, b)| a.iter().zip(b).map(|(x, y)| Some((*x)? + (*y)?)).collect())
                .collect(),
        });
    }
    total.unwrap_or_default()
}

/// Running totals of a row of weekly errors: the error in cash after each week.
fn cumulative(row: &[Option<f64>]) -> Vec<Option<f64>> {
    let mut sum = Some(0.0);
    row.iter()
        .map(|e| {
            sum = sum.zip(*e).map(|(s, e)| s + e);
            sum
        })
        .collect()
}

/// Share of errors inside the range built from all other origins' errors, in basis points.
fn leave_one_out_coverage(rows: &[Vec<Option<f64>>], horizon: usize) -> Option<i64> {
    if rows.len() < 2 {
        return None;
    }
    let (mut inside, mut total) = (0u32, 0u32);
    for (i, row) in rows.iter().enumerate() {
        let others: Vec<Vec<Option<f64>>> = rows
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, r)| r.clone())
            .collect();
        let offsets = band_offsets(&others, horizon);
        for (error, (low, high)) in row.iter().zip(&offsets) {
            if let Some(e) = error {
                total += 1;
                if *low <= *e && *e <= *high {
                    inside += 1;
                }
            }
        }
    }
    (total > 0).then(|| i64::from(inside) * 10_000 / i64::from(total))
}
