//! Server-rendered SVG charts: this module computes the geometry (path data, bars, ticks), the
//! templates draw it (`templates/chart_*.html`), and the stylesheet colours it. No script, no
//! inline style. Every chart comes with a `<title>`, a `<desc>` written by the page, and a
//! table of the same numbers beside it.
//!
//! - [`line_chart`]: a daily series with the area under it;
//! - [`band_chart`]: a median line over a P10–P90 band, optionally with a second line;
//! - [`cash_chart`]: actual cash up to today continuing as the forecast's band, today marked,
//!   with up to two scenario lines;
//! - [`bars::bar_chart`]: grouped or stacked bars per labelled group, optionally with a line.

pub mod bars;
mod scale;
#[cfg(test)]
mod tests;

pub use bars::{BarChart, BarGroup, BarLayout, Series, bar_chart};
use scale::{DateScale, YScale};

use chrono::{Datelike, Months, NaiveDate};
use flowsense_core::Currency;

pub(crate) const WIDTH: f64 = 720.0;
pub(crate) const HEIGHT: f64 = 260.0;
pub(crate) const LEFT: f64 = 72.0;
pub(crate) const RIGHT: f64 = 16.0;
pub(crate) const TOP: f64 = 14.0;
pub(crate) const BOTTOM: f64 = 30.0;
/// Most points a line or band path is drawn through (a year of days fits; longer series are
/// thinned evenly, the axis still holding every value).
pub(crate) const MAX_POINTS: usize = 1_000;

/// One labelled tick; `at` is the x or y coordinate.
#[derive(Debug, Clone)]
pub struct Tick {
    pub at: String,
    pub label: String,
}

/// Everything a line or band template needs, as ready-to-print attribute values.
#[derive(Debug, Clone)]
pub struct Chart {
    pub view_box: String,
    pub left: String,
    pub right: String,
    pub bottom: String,
    pub top: String,
    pub y_ticks: Vec<Tick>,
    pub x_ticks: Vec<Tick>,
    /// The main line (`d` of a path).
    pub line: String,
    /// A filled area: under the line, or the uncertainty band.
    pub area: String,
    /// A second line over the first (a what-if), empty when there is none.
    pub overlay: String,
    /// A third line (a second scenario compared), empty when there is none.
    pub second_overlay: String,
    /// Actual cash before the forecast starts, empty when not drawn.
    pub history: String,
    /// The x of today, when history and forecast meet on the chart.
    pub today: Option<String>,
    /// The y of zero when zero is inside the plot.
    pub zero: Option<String>,
    pub has_data: bool,
}

pub(crate) fn coord(v: f64) -> String {
    format!("{v:.1}")
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
        top: coord(TOP),
        y_ticks: Vec::new(),
        x_ticks: Vec::new(),
        line: String::new(),
        area: String::new(),
        overlay: String::new(),
        second_overlay: String::new(),
        history: String::new(),
        today: None,
        zero: None,
        has_data: false,
    }
}

/// Month starts between `start` and `end`, labelled `Jan`, `Feb`, … (`Jan 27` at a year change),
/// thinned to at most `max` labels. Counted up front, so a range of centuries costs no more
/// than one of months.
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
    (0..months)
        .step_by(every)
        .filter_map(|k| first.checked_add_months(Months::new(k)))
        .filter(|m| *m <= end)
        .map(|m| Tick {
            at: coord(x.x(m)),
            label: if m.month() == 1 {
                m.format("%b %y").to_string()
            } else {
                m.format("%b").to_string()
            },
        })
        .collect()
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
    Chart {
        y_ticks: y.ticks(currency),
        x_ticks: month_ticks(&x, first.0, last.0, 7),
        line,
        area,
        zero: y.zero(),
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
    band_chart_with(points, &[], currency)
}

/// The median as a line over the P10–P90 band, and `overlay` (say, a what-if's median) as a
/// second line on the same axes.
#[must_use]
pub fn band_chart_with(
    points: &[BandPoint],
    overlay: &[(NaiveDate, i64)],
    currency: Currency,
) -> Chart {
    cash_chart(&[], points, &[overlay], currency)
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
    Chart {
        y_ticks: y.ticks(currency),
        x_ticks: month_ticks(&x, start, last.date, if history.is_empty() { 4 } else { 7 }),
        line,
        area,
        overlay: overlays.first().map_or_else(String::new, |o| line_of(o)),
        second_overlay: overlays.get(1).map_or_else(String::new, |o| line_of(o)),
        today: (!history.is_empty()).then(|| coord(x.x(first.date))),
        history: history_line,
        zero: y.zero(),
        has_data: true,
        ..empty_chart()
    }
}
