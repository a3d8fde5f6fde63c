//! Server-rendered SVG charts: this module computes the geometry (path data, bars, ticks,
//! points), the templates draw it (`templates/chart_macros.html`), and the stylesheet colours
//! it. No script, no inline style. Every chart comes with a `<title>`, a `<desc>` written by
//! the page, and a table of the same numbers beside it.
//!
//! # Text of a fixed size at any width
//!
//! A chart is as wide as its card, which only the browser knows. Scaling a drawing made for
//! one width (a `viewBox`) scales its text too: a label set at 15 px came out at 9 px in a
//! half-width card and at 24 px on a wide page. So the outer `<svg>` has no `viewBox`: one of
//! its units is one CSS pixel, its height is fixed ([`HEIGHT`] px) and its width is the
//! card's. Everything that holds text or must keep its shape is placed in percent of the width
//! and in pixels down: labels, grid lines, bars, markers. Only the lines and areas, which must
//! stretch, are drawn in a nested `<svg>` whose `viewBox` is [`PLOT_WIDTH`] units wide by the
//! chart's height with `preserveAspectRatio="none"`: it stretches sideways only, and its
//! strokes keep their width (`vector-effect: non-scaling-stroke` in the stylesheet). The text is
//! thus exactly the size the stylesheet says, and a label anchored inside an edge stays inside.
//! (Drawing at the real width would need the width before the page is sent, and a script.)
//!
//! - [`line_chart`]: a daily series with the area under it;
//! - [`band_chart`]: a median line over a likely range, optionally with a second line;
//! - [`cash_chart`]: actual cash up to today continuing as the forecast's band, today marked,
//!   with up to two scenario lines;
//! - [`bars::bar_chart`]: grouped or stacked bars per labelled group, optionally with a line.
//!
//! Values show on hover and keyboard focus ([`points`]); the x labels carry the year where the
//! range crosses one and are thinned on phones ([`x_axis`]); a money axis that does not start
//! at zero is marked as broken and says so.

pub mod bars;
mod points;
mod scale;
#[cfg(test)]
mod svg_tests;
#[cfg(test)]
mod tests;
mod x_axis;

pub use bars::{BarChart, BarGroup, BarLayout, Series, bar_chart};
pub use points::Point;
use points::{MAX_FOCUS_POINTS, Spot};
use scale::{DateScale, YScale};
use x_axis::{XLabel, x_ticks};

use chrono::{Datelike, Months, NaiveDate};
use flowsense_core::Currency;
use flowsense_core::format::{money, money_compact};

/// The chart's height in CSS pixels (its width is its card's).
pub(crate) const HEIGHT: f64 = 240.0;
/// Room above the plot: the top label and the hover readout.
pub(crate) const TOP: f64 = 24.0;
/// Room below the plot: the x labels.
pub(crate) const BOTTOM: f64 = 26.0;
/// The width of the stretched drawing's `viewBox`: x runs over `0..=PLOT_WIDTH`.
pub(crate) const PLOT_WIDTH: f64 = 1000.0;
/// Most points a line or band path is drawn through (a year of days fits; longer series are
/// thinned evenly, the axis still holding every value).
pub(crate) const MAX_POINTS: usize = 1_000;
/// Most month labels on a line chart's x axis.
const MAX_MONTH_LABELS: usize = 7;

/// One labelled tick: `at` is the y in pixels (money axis) or the x in percent (dates).
#[derive(Debug, Clone)]
pub struct Tick {
    pub at: String,
    pub label: String,
    /// `start`, `middle` or `end`: the label never runs past the nearer edge.
    pub anchor: &'static str,
    /// Shown on a phone too; otherwise only on wider screens.
    pub narrow: bool,
}

/// Everything a line or band template needs, as ready-to-print attribute values.
#[derive(Debug, Clone)]
pub struct Chart {
    pub height: String,
    /// The stretched drawing's `viewBox`.
    pub plot_box: String,
    pub top: String,
    pub bottom: String,
    /// The baseline of the x labels.
    pub label_y: String,
    pub y_ticks: Vec<Tick>,
    pub x_ticks: Vec<Tick>,
    /// The main line (`d` of a path, in the stretched drawing).
    pub line: String,
    /// A filled area: under the line, or the likely range.
    pub area: String,
    /// A second line over the first (a what-if), empty when there is none.
    pub overlay: String,
    /// A third line (a second scenario compared), empty when there is none.
    pub second_overlay: String,
    /// Actual cash before the forecast starts, empty when not drawn.
    pub history: String,
    /// The x of today (percent), when history and forecast meet on the chart.
    pub today: Option<String>,
    /// The y of zero when zero is inside the plot.
    pub zero: Option<String>,
    /// When the money axis starts above zero: the sentence saying so (the axis is drawn broken).
    pub axis_note: Option<String>,
    /// Values on hover and focus.
    pub points: Vec<Point>,
    pub has_data: bool,
}

pub(crate) fn coord(v: f64) -> String {
    format!("{v:.1}")
}

/// `x` (plot units) in percent of the chart's width.
pub(crate) fn percent(x: f64) -> String {
    format!("{:.2}%", x / PLOT_WIDTH * 100.0)
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
        height: coord(HEIGHT),
        plot_box: format!("0 0 {PLOT_WIDTH} {HEIGHT}"),
        top: coord(TOP),
        bottom: coord(HEIGHT - BOTTOM),
        label_y: coord(HEIGHT - 8.0),
        y_ticks: Vec::new(),
        x_ticks: Vec::new(),
        line: String::new(),
        area: String::new(),
        overlay: String::new(),
        second_overlay: String::new(),
        history: String::new(),
        today: None,
        zero: None,
        axis_note: None,
        points: Vec::new(),
        has_data: false,
    }
}

/// A day as the charts name it: `5 Jan 2027`.
pub(crate) fn day_label(d: NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

/// Month starts between `start` and `end`, thinned to at most `max` labels; the first label
/// and every January name their year (`Oct 2026`, `Nov`, `Dec`, `Jan 2027`). Counted up
/// front, so a range of centuries costs no more than one of months.
fn month_ticks(x: &DateScale, start: NaiveDate, end: NaiveDate, max: usize) -> Vec<Tick> {
    let month_of_start = NaiveDate::from_ymd_opt(start.year(), start.month(), 1);
    let first = if start.day() == 1 {
        month_of_start
    } else {
        month_of_start.and_then(|d| d.checked_add_months(Months::new(1)))
    };
    let Some(first) = first.filter(|d| *d <= end) else {
        return Vec::new();
    };
    let months = (i64::from(end.year()) - i64::from(first.year())) * 12 + i64::from(end.month())
        - i64::from(first.month())
        + 1;
    let months = u32::try_from(months).unwrap_or(0);
    let every = usize::try_from(months.div_ceil(u32::try_from(max.max(1)).unwrap_or(1)))
        .unwrap_or(1)
        .max(1);
    let labels = (0..months)
        .step_by(every)
        .filter_map(|k| first.checked_add_months(Months::new(k)))
        .filter(|m| *m <= end)
        .enumerate()
        .map(|(i, m)| {
            let has_year = i == 0 || m.month() == 1;
            XLabel {
                x: x.x(m),
                text: if has_year {
                    m.format("%b %Y").to_string()
                } else {
                    m.format("%b").to_string()
                },
                has_year,
            }
        })
        .collect();
    x_ticks(labels)
}

/// At most `max` of `points`, evenly spaced, the first and the last always kept: a path's
/// length is bounded whatever the series it is given.
fn thinned<T: Copy>(points: &[T], max: usize) -> Vec<T> {
    let max = max.max(2);
    if points.len() <= max {
        return points.to_vec();
    }
    let every = (points.len() - 1).div_ceil(max - 1);
    let mut kept: Vec<T> = points.iter().step_by(every).copied().collect();
    if !(points.len() - 1).is_multiple_of(every)
        && let Some(last) = points.last()
    {
        kept.push(*last);
    }
    kept
}

/// A line of daily values with the area under it.
#[must_use]
pub fn line_chart(points: &[(NaiveDate, i64)], currency: Currency) -> Chart {
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return empty_chart();
    };
    // The axis holds every value, drawn or thinned out.
    let lo = points.iter().map(|p| p.1).min().unwrap_or(0);
    let hi = points.iter().map(|p| p.1).max().unwrap_or(0);
    let y = YScale::new(i128::from(lo), i128::from(hi), false);
    let x = DateScale::new(first.0, last.0);
    let drawn = thinned(points, MAX_POINTS);
    let line = path(drawn.iter().map(|(d, v)| (x.x(*d), y.y_minor(*v))));
    let base = y.y(y.lo.max(0).min(y.hi));
    let area = format!(
        "{line} L{},{} L{},{} Z",
        coord(x.x(last.0)),
        coord(base),
        coord(x.x(first.0)),
        coord(base)
    );
    let spots = thinned(points, MAX_FOCUS_POINTS)
        .into_iter()
        .map(|(d, v)| Spot {
            x: x.x(d),
            y: Some(coord(y.y_minor(v))),
            label: format!("{}: {}", day_label(d), money(v, currency)),
            tip: format!("{} · {}", day_label(d), money(v, currency)),
        })
        .collect();
    Chart {
        y_ticks: y.ticks(currency),
        x_ticks: month_ticks(&x, first.0, last.0, MAX_MONTH_LABELS),
        line,
        area,
        zero: y.zero(),
        axis_note: y.starts_above_zero(currency),
        points: points::points(spots),
        has_data: true,
        ..empty_chart()
    }
}

/// One forecast point: a date and the low, middle and high of its likely range.
#[derive(Debug, Clone, Copy)]
pub struct BandPoint {
    pub date: NaiveDate,
    pub p10: i64,
    pub p50: i64,
    pub p90: i64,
}

/// The median as a line over the likely range.
#[must_use]
pub fn band_chart(points: &[BandPoint], currency: Currency) -> Chart {
    band_chart_with(points, &[], currency)
}

/// The median as a line over the likely range, and `overlay` (say, a what-if's median) as a
/// second line on the same axes.
#[must_use]
pub fn band_chart_with(
    points: &[BandPoint],
    overlay: &[(NaiveDate, i64)],
    currency: Currency,
) -> Chart {
    cash_chart(&[], points, &[overlay], currency)
}

/// The focusable points of a cash chart: actual cash before the forecast, then each forecast
/// point with its likely range.
fn cash_spots(
    x: &DateScale,
    y: &YScale,
    history: &[(NaiveDate, i64)],
    points: &[BandPoint],
    currency: Currency,
) -> Vec<Spot> {
    let forecast = thinned(points, MAX_FOCUS_POINTS.div_ceil(2));
    let before: Vec<(NaiveDate, i64)> = history
        .iter()
        .filter(|h| h.0 < forecast.first().map_or(NaiveDate::MAX, |p| p.date))
        .copied()
        .collect();
    let before = thinned(&before, MAX_FOCUS_POINTS - forecast.len());
    let actual = before.into_iter().map(|(d, v)| Spot {
        x: x.x(d),
        y: Some(coord(y.y_minor(v))),
        label: format!("{}: cash {}", day_label(d), money(v, currency)),
        tip: format!(
            "{} · cash {}",
            day_label(d),
            money_compact(v.into(), currency)
        ),
    });
    let expected = forecast.into_iter().map(|p| Spot {
        x: x.x(p.date),
        y: Some(coord(y.y_minor(p.p50))),
        label: format!(
            "{}: expected {}, likely between {} and {}",
            day_label(p.date),
            money(p.p50, currency),
            money(p.p10, currency),
            money(p.p90, currency)
        ),
        tip: format!(
            "{} · {} ({}–{})",
            day_label(p.date),
            money_compact(p.p50.into(), currency),
            money_compact(p.p10.into(), currency),
            money_compact(p.p90.into(), currency)
        ),
    });
    actual.chain(expected).collect()
}

/// Cash as one continuous line: `history` (actual daily cash up to the forecast's first point)
/// drawn solid, then the forecast's median over its likely range, with today marked where they
/// meet; each of `overlays` (at most two: a what-if's or saved scenarios' medians) on the same
/// axes. The axis holds every value of every series.
#[must_use]
pub fn cash_chart(
    history: &[(NaiveDate, i64)],
    points: &[BandPoint],
    overlays: &[&[(NaiveDate, i64)]],
    currency: Currency,
) -> Chart {
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return empty_chart();
    };
    let history: Vec<(NaiveDate, i64)> = history
        .iter()
        .filter(|(d, _)| *d <= first.date)
        .copied()
        .collect();
    let start = history.first().map_or(first.date, |h| h.0);
    let extra = overlays
        .iter()
        .flat_map(|o| o.iter().map(|p| p.1))
        .chain(history.iter().map(|h| h.1));
    // Every value, not only P10 and P90: the axis holds the band even if it comes unordered.
    let lo = points
        .iter()
        .map(|p| p.p10.min(p.p50).min(p.p90))
        .chain(extra.clone())
        .min()
        .unwrap_or(0);
    let hi = points
        .iter()
        .map(|p| p.p90.max(p.p50).max(p.p10))
        .chain(extra)
        .max()
        .unwrap_or(0);
    let y = YScale::new(i128::from(lo), i128::from(hi), false);
    let x = DateScale::new(start, last.date);
    let drawn = thinned(points, MAX_POINTS);
    let upper = drawn.iter().map(|p| (x.x(p.date), y.y_minor(p.p90)));
    let lower = drawn.iter().rev().map(|p| (x.x(p.date), y.y_minor(p.p10)));
    let area = format!("{} Z", path(upper.chain(lower)));
    let line = path(drawn.iter().map(|p| (x.x(p.date), y.y_minor(p.p50))));
    let line_of = |series: &[(NaiveDate, i64)]| {
        let inside: Vec<(NaiveDate, i64)> = series
            .iter()
            .filter(|(d, _)| *d >= first.date && *d <= last.date)
            .copied()
            .collect();
        path(
            thinned(&inside, MAX_POINTS)
                .iter()
                .map(|(d, v)| (x.x(*d), y.y_minor(*v))),
        )
    };
    let history_line = path(
        thinned(&history, MAX_POINTS)
            .iter()
            .map(|(d, v)| (x.x(*d), y.y_minor(*v))),
    );
    let months = if history.is_empty() {
        4
    } else {
        MAX_MONTH_LABELS
    };
    Chart {
        y_ticks: y.ticks(currency),
        x_ticks: month_ticks(&x, start, last.date, months),
        line,
        area,
        overlay: overlays.first().map_or_else(String::new, |o| line_of(o)),
        second_overlay: overlays.get(1).map_or_else(String::new, |o| line_of(o)),
        today: (!history.is_empty()).then(|| percent(x.x(first.date))),
        history: history_line,
        zero: y.zero(),
        axis_note: y.starts_above_zero(currency),
        points: points::points(cash_spots(&x, &y, &history, points, currency)),
        has_data: true,
        ..empty_chart()
    }
}
