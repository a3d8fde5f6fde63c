//! Server-rendered SVG charts: this module computes the geometry (path data, ticks), the
//! templates draw it, and the stylesheet colours it. No script, no inline style.

use super::format::money_compact;
use chrono::{Datelike, NaiveDate};
use flowsense_core::Currency;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 72.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 30.0;

/// One labelled tick; `at` is the x or y coordinate.
#[derive(Debug, Clone)]
pub struct Tick {
    pub at: String,
    pub label: String,
}

/// Everything a chart template needs, as ready-to-print attribute values.
#[derive(Debug, Clone)]
pub struct Chart {
    pub view_box: String,
    pub left: String,
    pub right: String,
    pub bottom: String,
    pub y_ticks: Vec<Tick>,
    pub x_ticks: Vec<Tick>,
    /// The main line (`d` of a path).
    pub line: String,
    /// A filled area: under the line, or the uncertainty band.
    pub area: String,
    /// The y of zero when zero is inside the plot.
    pub zero: Option<String>,
    pub has_data: bool,
}

fn coord(v: f64) -> String {
    format!("{v:.1}")
}

/// A "nice" step (1, 2 or 5 × 10^n) so that `range` spans about `target` steps.
fn nice_step(range: f64, target: f64) -> f64 {
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

struct Frame {
    start: NaiveDate,
    days: f64,
    lo: f64,
    hi: f64,
}

impl Frame {
    fn new(start: NaiveDate, end: NaiveDate, lo: i64, hi: i64) -> (Self, f64) {
        #[allow(clippy::cast_precision_loss)] // chart pixels, not money
        let (lo, hi) = (lo as f64, hi as f64);
        // Start the axis at zero only when zero is near: otherwise a trend would be a flat
        // line at the top of the chart. The axis is labelled, so the scale stays honest.
        let lo = if lo > 0.0 && lo < (hi - lo) * 2.0 {
            0.0
        } else if lo > 0.0 {
            lo - (hi - lo) * 0.25
        } else {
            lo
        };
        let (lo, hi) = if hi - lo < 1.0 {
            (lo - 1.0, hi + 1.0)
        } else {
            (lo, hi)
        };
        let step = nice_step(hi - lo, 4.0);
        let lo = (lo / step).floor() * step;
        let hi = (hi / step).ceil() * step;
        #[allow(clippy::cast_precision_loss)]
        let days = ((end - start).num_days().max(1)) as f64;
        (
            Frame {
                start,
                days,
                lo,
                hi,
            },
            step,
        )
    }

    fn x(&self, d: NaiveDate) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let offset = (d - self.start).num_days() as f64;
        LEFT + offset / self.days * (WIDTH - LEFT - RIGHT)
    }

    fn y(&self, v: f64) -> f64 {
        TOP + (self.hi - v) / (self.hi - self.lo) * (HEIGHT - TOP - BOTTOM)
    }

    #[allow(clippy::cast_precision_loss)]
    fn y_minor(&self, v: i64) -> f64 {
        self.y(v as f64)
    }
}

fn path(points: impl Iterator<Item = (f64, f64)>) -> String {
    let mut d = String::new();
    for (i, (x, y)) in points.enumerate() {
        d.push(if i == 0 { 'M' } else { 'L' });
        d.push_str(&coord(x));
        d.push(',');
        d.push_str(&coord(y));
        d.push(' ');
    }
    d.trim_end().to_owned()
}

fn empty_chart() -> Chart {
    Chart {
        view_box: format!("0 0 {WIDTH} {HEIGHT}"),
        left: coord(LEFT),
        right: coord(WIDTH - RIGHT),
        bottom: coord(HEIGHT - BOTTOM),
        y_ticks: Vec::new(),
        x_ticks: Vec::new(),
        line: String::new(),
        area: String::new(),
        zero: None,
        has_data: false,
    }
}

fn frame_ticks(frame: &Frame, step: f64, currency: Currency) -> Vec<Tick> {
    let mut ticks = Vec::new();
    let mut v = frame.lo;
    while v <= frame.hi + step / 2.0 {
        #[allow(clippy::cast_possible_truncation)] // a rounded axis value
        let minor = v.round() as i64;
        ticks.push(Tick {
            at: coord(frame.y(v)),
            label: money_compact(minor, currency),
        });
        v += step;
    }
    ticks
}

/// Month starts between `start` and `end`, labelled `Jan`, `Feb`, … (`Jan 27` at a year change),
/// thinned to at most `max` labels.
fn month_ticks(frame: &Frame, start: NaiveDate, end: NaiveDate, max: usize) -> Vec<Tick> {
    let mut months = Vec::new();
    let mut next = NaiveDate::from_ymd_opt(start.year(), start.month(), 1);
    while let Some(d) = next.filter(|d| *d <= end) {
        if d >= start {
            months.push(d);
        }
        next = d.checked_add_months(chrono::Months::new(1));
    }
    let every = months.len().div_ceil(max.max(1)).max(1);
    months
        .into_iter()
        .step_by(every)
        .map(|m| Tick {
            at: coord(frame.x(m)),
            label: if m.month() == 1 {
                m.format("%b %y").to_string()
            } else {
                m.format("%b").to_string()
            },
        })
        .collect()
}

fn zero_of(frame: &Frame) -> Option<String> {
    (frame.lo < 0.0 && frame.hi > 0.0).then(|| coord(frame.y(0.0)))
}

/// A line of daily values with the area under it.
#[must_use]
pub fn line_chart(points: &[(NaiveDate, i64)], currency: Currency) -> Chart {
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return empty_chart();
    };
    let lo = points.iter().map(|p| p.1).min().unwrap_or(0);
    let hi = points.iter().map(|p| p.1).max().unwrap_or(0);
    let (frame, step) = Frame::new(first.0, last.0, lo, hi);
    let line = path(points.iter().map(|(d, v)| (frame.x(*d), frame.y_minor(*v))));
    let base = frame.y(frame.lo.max(0.0).min(frame.hi));
    let area = format!(
        "{line} L{},{} L{},{} Z",
        coord(frame.x(last.0)),
        coord(base),
        coord(frame.x(first.0)),
        coord(base)
    );
    Chart {
        y_ticks: frame_ticks(&frame, step, currency),
        x_ticks: month_ticks(&frame, first.0, last.0, 7),
        line,
        area,
        zero: zero_of(&frame),
        has_data: true,
        ..empty_chart()
    }
}

/// One forecast point: a date and its P10, P50 and P90.
#[derive(Debug, Clone, Copy)]
pub struct BandPoint {
    pub date: NaiveDate,
    pub p10: i64,
    pub p50: i64,
    pub p90: i64,
}

/// The median as a line over the P10–P90 band.
#[must_use]
pub fn band_chart(points: &[BandPoint], currency: Currency) -> Chart {
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return empty_chart();
    };
    let lo = points.iter().map(|p| p.p10.min(p.p50)).min().unwrap_or(0);
    let hi = points.iter().map(|p| p.p90.max(p.p50)).max().unwrap_or(0);
    let (frame, step) = Frame::new(first.date, last.date, lo, hi);
    let upper = points
        .iter()
        .map(|p| (frame.x(p.date), frame.y_minor(p.p90)));
    let lower = points
        .iter()
        .rev()
        .map(|p| (frame.x(p.date), frame.y_minor(p.p10)));
    let area = format!("{} Z", path(upper.chain(lower)));
    let line = path(
        points
            .iter()
            .map(|p| (frame.x(p.date), frame.y_minor(p.p50))),
    );
    Chart {
        y_ticks: frame_ticks(&frame, step, currency),
        x_ticks: month_ticks(&frame, first.date, last.date, 4),
        line,
        area,
        zero: zero_of(&frame),
        has_data: true,
        ..empty_chart()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).expect("date")
    }

    #[test]
    fn a_line_chart_has_ticks_a_path_and_an_area() {
        let pts = [
            (day(1, 1), 100_000),
            (day(3, 15), 250_000),
            (day(6, 30), -50_000),
        ];
        let c = line_chart(&pts, Currency::USD);
        assert!(c.has_data);
        assert!(c.line.starts_with("M72.0,"));
        assert!(c.area.ends_with('Z'));
        assert!(c.zero.is_some());
        assert!(c.y_ticks.len() >= 3);
        assert_eq!(c.x_ticks.first().map(|t| t.label.as_str()), Some("Jan 26"));
        assert!(!line_chart(&[], Currency::USD).has_data);
    }

    #[test]
    fn a_band_chart_closes_its_band() {
        let pts: Vec<BandPoint> = (0..14)
            .map(|w| BandPoint {
                date: day(1, 1) + chrono::TimeDelta::weeks(w),
                p10: 1000 - w * 10,
                p50: 1000,
                p90: 1000 + w * 10,
            })
            .collect();
        let c = band_chart(&pts, Currency::USD);
        assert_eq!(c.area.matches('L').count(), 27);
        assert!(c.zero.is_none());
    }
}
