//! The forecast's baseline model: for each weekly stream a method chosen by rolling-origin
//! cross-validation on the organisation's own history ([`super::forecast_methods::select`];
//! the best two are blended), with the blend's errors at each origin, from which
//! [`super::forecast_calibration`] rebuilds the whole forecast at those origins for its
//! likely ranges.

use super::forecast_baseline::{History, Stream};
use super::forecast_calibration::ErrorRows;
use super::forecast_methods::{Method, MethodScore, Selection, select};
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

/// How the baseline was modelled and how trustworthy the whole forecast's ranges proved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForecastModel {
    pub streams: Vec<StreamModel>,
    /// Past weeks the whole forecast was rebuilt at and scored (0: too little history to
    /// choose; the recent average is used and the ranges are empty).
    pub origins: usize,
    /// Share of weekly net flows that landed inside the likely range when the whole forecast
    /// (open invoices, bills, recurring payments and baseline, as known then) was made at each
    /// of those past weeks with a range built from the other weeks' errors, in basis points
    /// (`None` with fewer than two origins).
    pub coverage_bp: Option<i64>,
}

/// The fitted baseline: median weekly values per stream and their cross-validation errors.
pub(crate) struct Baseline {
    /// `[stream][week ahead]`, in the order of [`Stream::ALL`].
    pub p50: [Vec<f64>; 4],
    /// Each stream's blended errors `[origin][week ahead]` at up to a year of origins
    /// ([`Selection::calibration_errors`]), newest origin last.
    pub errors: [ErrorRows; 4],
    pub streams: Vec<StreamModel>,
}

impl Baseline {
    /// Chooses and fits a method per stream of `history`.
    pub(crate) fn fit(history: &History, horizon: usize) -> Self {
        let selections: [(Stream, Selection); 4] = Stream::ALL.map(|stream| {
            let oldest_first: Vec<f64> = history.weeks[stream as usize]
                .iter()
                .rev()
                .copied()
                .collect();
            (stream, select(&oldest_first, WEEKS_PER_YEAR, horizon))
        });
        let streams = selections
            .iter()
            .map(|(s, sel)| stream_model(*s, sel))
            .collect();
        let mut selections = selections.map(|(_, selection)| selection);
        Self {
            // A stream keeps its sign: a fading trend may not turn receipts into payments.
            p50: std::array::from_fn(|i| {
                let stream = Stream::ALL[i];
                selections[i]
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
            errors: std::array::from_fn(|i| std::mem::take(&mut selections[i].calibration_errors)),
            streams,
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
