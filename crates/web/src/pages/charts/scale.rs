//! Axes: a money scale on y with "nice" labelled steps, and a day scale on x.
//!
//! The money scale is exact integer arithmetic in `i128` minor units: an `f64` cannot tell
//! `i64::MAX` from `i64::MAX - 1000`, so a float axis over extreme books collapses to a zero
//! span and a float tick loop never ends. Only the final pixel position is a float, and it is
//! finite by construction (the span is at least one step).

use super::{BOTTOM, HEIGHT, PLOT_WIDTH, TOP, Tick, coord};
use chrono::NaiveDate;
use flowsense_core::Currency;
use flowsense_core::format::money_compact;

/// Steps an axis is divided into, about.
const TARGET_STEPS: u128 = 4;
/// Most labelled lines on an axis, whatever the values.
pub(crate) const MAX_TICKS: usize = 12;
/// Values beyond this are drawn at it. Far above any sum of `i64` amounts a chart is given,
/// and far enough below `i128::MAX` that no step of the arithmetic below can overflow.
const VALUE_LIMIT: i128 = 1 << 100;

/// A "nice" step (1, 2 or 5 × 10^n, at least 1) so that `range` spans at most `target` steps.
/// Total: a zero range or target gives 1, the largest ranges stay finite.
pub(crate) fn nice_step(range: u128, target: u128) -> u128 {
    let raw = range.div_ceil(target.max(1)).max(1);
    let magnitude = 10u128.pow(raw.ilog10());
    [1, 2, 5, 10]
        .into_iter()
        .map(|nice| magnitude.saturating_mul(nice))
        .find(|&step| raw <= step)
        .unwrap_or(u128::MAX)
}

/// Minor units → y pixels, over whole steps; `lo < hi` always.
#[derive(Debug, Clone, Copy)]
pub(crate) struct YScale {
    pub lo: i128,
    pub hi: i128,
    pub step: i128,
}

impl YScale {
    /// A scale holding `lo..=hi` (in either order). With `from_zero` (bars) zero is always on
    /// it; otherwise it starts at zero only when zero is near, so a trend is not a flat line at
    /// the top. When it starts above zero the chart says so ([`YScale::starts_above_zero`]).
    pub(crate) fn new(lo: i128, hi: i128, from_zero: bool) -> Self {
        let (lo, hi) = (
            lo.min(hi).clamp(-VALUE_LIMIT, VALUE_LIMIT),
            lo.max(hi).clamp(-VALUE_LIMIT, VALUE_LIMIT),
        );
        // Bounds in quarter units, so that lowering `lo` by a quarter of the span stays exact.
        let (lo4, hi4) = if from_zero {
            (4 * lo.min(0), 4 * hi.max(0))
        } else if lo > 0 && lo < (hi - lo) * 2 {
            (0, 4 * hi)
        } else if lo > 0 {
            (4 * lo - (hi - lo), 4 * hi)
        } else {
            (4 * lo, 4 * hi)
        };
        // One value (or all equal): a span of a minor unit either side.
        let (lo4, hi4) = if hi4 - lo4 < 4 {
            (lo4 - 4, hi4 + 4)
        } else {
            (lo4, hi4)
        };
        let span4 = (hi4 - lo4).unsigned_abs();
        let step =
            i128::try_from(nice_step(span4.div_ceil(4), TARGET_STEPS)).unwrap_or(VALUE_LIMIT);
        let step4 = 4 * step;
        Self {
            lo: lo4.div_euclid(step4) * step,
            hi: ceil_div(hi4, step4) * step,
            step,
        }
    }

    /// The y of `v` (values outside the scale land outside the plot, still finite).
    #[expect(
        clippy::cast_precision_loss,
        reason = "pixel positions on a chart, not money"
    )]
    pub(crate) fn y(&self, v: i128) -> f64 {
        let v = v.clamp(-VALUE_LIMIT, VALUE_LIMIT);
        let span = (self.hi - self.lo).max(1) as f64;
        TOP + (self.hi - v) as f64 / span * (HEIGHT - TOP - BOTTOM)
    }

    pub(crate) fn y_minor(&self, v: i64) -> f64 {
        self.y(i128::from(v))
    }

    /// Labelled lines at every step, bottom to top; never more than [`MAX_TICKS`].
    pub(crate) fn ticks(&self, currency: Currency) -> Vec<Tick> {
        let steps = (self.hi - self.lo) / self.step.max(1);
        let count = usize::try_from(steps)
            .map_or(MAX_TICKS, |s| s.saturating_add(1))
            .min(MAX_TICKS);
        (0..count)
            .map(|k| {
                let v = self.lo + self.step * i128::try_from(k).unwrap_or(0);
                Tick {
                    at: coord(self.y(v)),
                    label: money_compact(v, currency),
                    anchor: "start",
                    narrow: true,
                }
            })
            .collect()
    }

    /// The y of zero when zero is strictly inside the plot.
    pub(crate) fn zero(&self) -> Option<String> {
        (self.lo < 0 && self.hi > 0).then(|| coord(self.y(0)))
    }

    /// "The axis starts at $280k, not at zero." when the bottom of the scale is above zero.
    pub(crate) fn starts_above_zero(&self, currency: Currency) -> Option<String> {
        (self.lo > 0).then(|| {
            format!(
                "The axis starts at {}, not at zero.",
                money_compact(self.lo, currency)
            )
        })
    }
}

/// `a / b` rounded up, for `b > 0`.
fn ceil_div(a: i128, b: i128) -> i128 {
    let q = a.div_euclid(b);
    if a.rem_euclid(b) == 0 { q } else { q + 1 }
}

/// Days → x in plot units (`0..=PLOT_WIDTH`, the chart's width whatever it is on screen).
#[derive(Debug, Clone, Copy)]
pub(crate) struct DateScale {
    start: NaiveDate,
    days: f64,
}

impl DateScale {
    pub(crate) fn new(start: NaiveDate, end: NaiveDate) -> Self {
        #[expect(
            clippy::cast_precision_loss,
            reason = "at most a few million days: exact"
        )]
        let days = ((end - start).num_days().max(1)) as f64;
        Self { start, days }
    }

    pub(crate) fn x(&self, d: NaiveDate) -> f64 {
        #[expect(
            clippy::cast_precision_loss,
            reason = "pixel positions on a chart, not money"
        )]
        let offset = (d - self.start).num_days() as f64;
        offset / self.days * PLOT_WIDTH
    }
}
