//! Axes: a money scale on y with "nice" labelled steps, and a day scale on x.

use super::{BOTTOM, HEIGHT, LEFT, RIGHT, TOP, Tick, WIDTH, coord};
use crate::pages::format::money_compact;
use chrono::NaiveDate;
use flowsense_core::Currency;

/// A "nice" step (1, 2 or 5 × 10^n) so that `range` spans about `target` steps.
pub(crate) fn nice_step(range: f64, target: f64) -> f64 {
    let raw = (range / target).max(1.0);
    let magnitude = 10f64.powf(raw.log10().floor());
    let fraction = raw / magnitude;
    let nice = if fraction <= 1.0 {
        1.0
    } else if fraction <= 2.0 {
        2.0
    } else if fraction <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// Minor units → y pixels, over whole steps.
#[derive(Debug, Clone, Copy)]
pub(crate) struct YScale {
    pub lo: f64,
    pub hi: f64,
    pub step: f64,
}

impl YScale {
    /// A scale holding `lo..=hi`. With `from_zero` (bars) zero is always on it; otherwise it
    /// starts at zero only when zero is near, so a trend is not a flat line at the top. The
    /// axis is labelled either way, so the scale stays honest.
    #[allow(clippy::cast_precision_loss)] // chart pixels, not money
    pub(crate) fn new(lo: i64, hi: i64, from_zero: bool) -> Self {
        Self::spanning(lo as f64, hi as f64, from_zero)
    }

    /// [`YScale::new`] for values already in pixels' precision (sums beyond `i64`, say).
    pub(crate) fn spanning(lo: f64, hi: f64, from_zero: bool) -> Self {
        let (lo, hi) = if from_zero {
            (lo.min(0.0), hi.max(0.0))
        } else if lo > 0.0 && lo < (hi - lo) * 2.0 {
            (0.0, hi)
        } else if lo > 0.0 {
            (lo - (hi - lo) * 0.25, hi)
        } else {
            (lo, hi)
        };
        let (lo, hi) = if hi - lo < 1.0 {
            (lo - 1.0, hi + 1.0)
        } else {
            (lo, hi)
        };
        let step = nice_step(hi - lo, 4.0);
        Self {
            lo: (lo / step).floor() * step,
            hi: (hi / step).ceil() * step,
            step,
        }
    }

    pub(crate) fn y(&self, v: f64) -> f64 {
        TOP + (self.hi - v) / (self.hi - self.lo) * (HEIGHT - TOP - BOTTOM)
    }

    #[allow(clippy::cast_precision_loss)]
    pub(crate) fn y_minor(&self, v: i64) -> f64 {
        self.y(v as f64)
    }

    /// Labelled lines at every step, bottom to top.
    pub(crate) fn ticks(&self, currency: Currency) -> Vec<Tick> {
        let mut ticks = Vec::new();
        let mut v = self.lo;
        while v <= self.hi + self.step / 2.0 {
            #[allow(clippy::cast_possible_truncation)] // a rounded axis value
            let minor = v.round() as i64;
            ticks.push(Tick {
                at: coord(self.y(v)),
                label: money_compact(minor, currency),
            });
            v += self.step;
        }
        ticks
    }

    /// The y of zero when zero is strictly inside the plot.
    pub(crate) fn zero(&self) -> Option<String> {
        (self.lo < 0.0 && self.hi > 0.0).then(|| coord(self.y(0.0)))
    }
}

/// Days → x pixels.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DateScale {
    start: NaiveDate,
    days: f64,
}

impl DateScale {
    pub(crate) fn new(start: NaiveDate, end: NaiveDate) -> Self {
        #[allow(clippy::cast_precision_loss)]
        let days = ((end - start).num_days().max(1)) as f64;
        Self { start, days }
    }

    pub(crate) fn x(&self, d: NaiveDate) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let offset = (d - self.start).num_days() as f64;
        LEFT + offset / self.days * (WIDTH - LEFT - RIGHT)
    }
}
