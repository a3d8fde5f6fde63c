//! Bars per labelled group (a month, a week, an aging bucket), grouped side by side or stacked
//! (positives up from zero, negatives down), with an optional line through the groups.
//! Bars are placed in percent of the chart's width and pixels down (see the module above).

use super::points::{self, MAX_FOCUS_POINTS, Point, Spot};
use super::scale::YScale;
use super::x_axis::{XLabel, x_ticks};
use super::{BOTTOM, HEIGHT, PLOT_WIDTH, TOP, Tick, coord, path, percent};
use flowsense_core::Currency;
use flowsense_core::format::{money, money_compact};

/// Most x labels drawn; the others are thinned out (the table beside the chart has them all).
const MAX_X_LABELS: usize = 8;
/// Share of each group's slot left empty between groups.
const GROUP_GAP: f64 = 0.25;

/// How the series of one group sit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BarLayout {
    /// Side by side, each from zero.
    Grouped,
    /// One column: positive values stacked up from zero, negative ones down.
    Stacked,
}

/// One group of bars: its axis label, its full name, and one value per series (minor units).
#[derive(Debug, Clone)]
pub struct BarGroup {
    /// On the axis: `Mar`, `Jan 2027`, `5 Jan`.
    pub label: String,
    /// In the values shown on hover: `March 2026`, `Week of 5 Jan 2027`.
    pub name: String,
    /// Whether `label` names its year (kept first when labels are thinned for a phone).
    pub label_has_year: bool,
    pub values: Vec<i64>,
}

/// A series: its CSS class (colour), its name (values on hover and focus), and a short name
/// for the one-line readout.
#[derive(Debug, Clone, Copy)]
pub struct Series {
    pub class: &'static str,
    pub name: &'static str,
    pub short: &'static str,
}

/// One drawn bar.
#[derive(Debug, Clone)]
pub struct Bar {
    /// Left edge and width in percent of the chart's width; top and height in pixels.
    pub x: String,
    pub y: String,
    pub width: String,
    pub height: String,
    pub class: &'static str,
}

/// A point of the line.
#[derive(Debug, Clone)]
pub struct Dot {
    pub cx: String,
    pub cy: String,
}

/// Everything a bar template needs, as ready-to-print attribute values.
#[derive(Debug, Clone)]
pub struct BarChart {
    pub height: String,
    /// The stretched drawing's `viewBox` (the line through the groups).
    pub plot_box: String,
    pub top: String,
    pub bottom: String,
    pub label_y: String,
    pub y_ticks: Vec<Tick>,
    pub x_ticks: Vec<Tick>,
    pub bars: Vec<Bar>,
    /// The y of zero (always on the scale: bars start there).
    pub zero: String,
    /// The line through the groups (`d` of a path), empty without one.
    pub line: String,
    pub dots: Vec<Dot>,
    /// One per group (or per few groups, when there are many): its values on hover and focus.
    pub points: Vec<Point>,
    pub has_data: bool,
}

/// Draws `groups` of bars, one bar per series and group (zero values are not drawn), and
/// `line` (a name and one value per group) through the centres of the groups.
#[must_use]
pub fn bar_chart(
    groups: &[BarGroup],
    series: &[Series],
    layout: BarLayout,
    line: Option<(&str, &[i64])>,
    currency: Currency,
) -> BarChart {
    let empty = BarChart {
        height: coord(HEIGHT),
        plot_box: format!("0 0 {PLOT_WIDTH} {HEIGHT}"),
        top: coord(TOP),
        bottom: coord(HEIGHT - BOTTOM),
        label_y: coord(HEIGHT - 8.0),
        y_ticks: Vec::new(),
        x_ticks: Vec::new(),
        bars: Vec::new(),
        zero: coord(HEIGHT - BOTTOM),
        line: String::new(),
        dots: Vec::new(),
        points: Vec::new(),
        has_data: false,
    };
    if groups.is_empty() || series.is_empty() {
        return empty;
    }
    let (lo, hi) = extent(groups, layout, line.map(|l| l.1));
    let y = YScale::new(lo, hi, true);
    #[expect(
        clippy::cast_precision_loss,
        reason = "pixel positions on a chart, not money"
    )]
    let slot = PLOT_WIDTH / groups.len() as f64;
    let inner = slot * (1.0 - GROUP_GAP);
    #[expect(
        clippy::cast_precision_loss,
        reason = "pixel positions on a chart, not money"
    )]
    let bar_width = match layout {
        BarLayout::Grouped => inner / series.len() as f64,
        BarLayout::Stacked => inner,
    };
    #[expect(
        clippy::cast_precision_loss,
        reason = "pixel positions on a chart, not money"
    )]
    let centre = |i: usize| slot * (i as f64 + 0.5);
    let mut bars = Vec::new();
    for (i, g) in groups.iter().enumerate() {
        let start = centre(i) - inner / 2.0;
        let (mut up, mut down) = (0i128, 0i128);
        for (j, (s, &v)) in series.iter().zip(&g.values).enumerate() {
            if v == 0 {
                continue;
            }
            let (x, from, to) = match layout {
                #[expect(
                    clippy::cast_precision_loss,
                    reason = "pixel positions on a chart, not money"
                )]
                BarLayout::Grouped => (start + bar_width * j as f64, 0, i128::from(v)),
                BarLayout::Stacked => {
                    let run = if v > 0 { &mut up } else { &mut down };
                    let from = *run;
                    *run = run.saturating_add(i128::from(v));
                    (start, from, *run)
                }
            };
            let (top, bottom) = (y.y(from.max(to)), y.y(from.min(to)));
            bars.push(Bar {
                x: percent(x),
                y: coord(top),
                width: percent(bar_width),
                height: coord(bottom - top),
                class: s.class,
            });
        }
    }
    let line_values: &[i64] = line.map_or(&[], |l| l.1);
    let (line_path, dots) = if line_values.is_empty() {
        (String::new(), Vec::new())
    } else {
        let points: Vec<(f64, f64)> = line_values
            .iter()
            .take(groups.len())
            .enumerate()
            .map(|(i, v)| (centre(i), y.y_minor(*v)))
            .collect();
        let dots = points
            .iter()
            .map(|(cx, cy)| Dot {
                cx: percent(*cx),
                cy: coord(*cy),
            })
            .collect();
        (path(points.into_iter()), dots)
    };
    let every = groups.len().div_ceil(MAX_X_LABELS).max(1);
    let labels = groups
        .iter()
        .enumerate()
        .step_by(every)
        .map(|(i, g)| XLabel {
            x: centre(i),
            text: g.label.clone(),
            has_year: g.label_has_year,
        })
        .collect();
    // Every group is a point up to [`MAX_FOCUS_POINTS`]; past that, every few groups.
    let focus_every = groups.len().div_ceil(MAX_FOCUS_POINTS).max(1);
    let spots = groups
        .iter()
        .enumerate()
        .step_by(focus_every)
        .map(|(i, g)| {
            let named = |compact: bool| {
                let mut parts: Vec<String> = series
                    .iter()
                    .zip(&g.values)
                    .map(|(s, v)| {
                        let name = if compact { s.short } else { s.name };
                        value_of(name, i128::from(*v), compact, currency)
                    })
                    .collect();
                if let (Some((name, _)), Some(v)) = (line, line_values.get(i)) {
                    parts.push(value_of(name, i128::from(*v), compact, currency));
                }
                parts.join(", ")
            };
            Spot {
                x: centre(i),
                y: line_values.get(i).map(|v| coord(y.y_minor(*v))),
                label: format!("{}: {}", g.name, named(false)),
                tip: format!("{} · {}", g.label, named(true)),
            }
        })
        .collect();
    BarChart {
        y_ticks: y.ticks(currency),
        x_ticks: x_ticks(labels),
        bars,
        zero: coord(y.y(0)),
        line: line_path,
        dots,
        points: points::points(spots),
        has_data: true,
        ..empty
    }
}

/// "Money in $5,000.00", or "In $5k" in a readout.
fn value_of(name: &str, v: i128, compact: bool, currency: Currency) -> String {
    let amount = match i64::try_from(v) {
        Ok(exact) if !compact => money(exact, currency),
        _ => money_compact(v, currency),
    };
    format!("{name} {amount}")
}

/// Lowest and highest value the scale must hold (exact: stacks may pass `i64`).
fn extent(groups: &[BarGroup], layout: BarLayout, line: Option<&[i64]>) -> (i128, i128) {
    let (mut lo, mut hi) = (0i128, 0i128);
    for g in groups {
        match layout {
            BarLayout::Grouped => {
                for &v in &g.values {
                    lo = lo.min(i128::from(v));
                    hi = hi.max(i128::from(v));
                }
            }
            BarLayout::Stacked => {
                let (mut up, mut down) = (0i128, 0i128);
                for &v in &g.values {
                    if v > 0 {
                        up = up.saturating_add(i128::from(v));
                    } else {
                        down = down.saturating_add(i128::from(v));
                    }
                }
                lo = lo.min(down);
                hi = hi.max(up);
            }
        }
    }
    for &v in line.unwrap_or_default() {
        lo = lo.min(i128::from(v));
        hi = hi.max(i128::from(v));
    }
    (lo, hi)
}
