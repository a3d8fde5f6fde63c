//! Bars per labelled group (a month, a week, an aging bucket), grouped side by side or stacked
//! (positives up from zero, negatives down), with an optional line through the groups.

use super::scale::YScale;
use super::{BOTTOM, HEIGHT, LEFT, RIGHT, Tick, WIDTH, coord, path};
use flowsense_core::Currency;
use flowsense_core::format::money;

/// Most x labels drawn; the others are thinned out (the table beside the chart has them all).
const MAX_X_LABELS: usize = 12;
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

/// One group of bars: its label and one value per series (minor units).
#[derive(Debug, Clone)]
pub struct BarGroup {
    pub label: String,
    pub values: Vec<i64>,
}

/// A series: its CSS class (colour) and its name (legend, tooltips).
#[derive(Debug, Clone, Copy)]
pub struct Series {
    pub class: &'static str,
    pub name: &'static str,
}

/// One drawn bar.
#[derive(Debug, Clone)]
pub struct Bar {
    pub x: String,
    pub y: String,
    pub width: String,
    pub height: String,
    pub class: &'static str,
    /// "Mar 2026 · Money in: $12,345.00", the bar's tooltip.
    pub title: String,
}

/// A point of the line.
#[derive(Debug, Clone)]
pub struct Dot {
    pub cx: String,
    pub cy: String,
    pub title: String,
}

/// Everything a bar template needs, as ready-to-print attribute values.
#[derive(Debug, Clone)]
pub struct BarChart {
    pub view_box: String,
    pub left: String,
    pub right: String,
    pub bottom: String,
    pub y_ticks: Vec<Tick>,
    pub x_ticks: Vec<Tick>,
    pub bars: Vec<Bar>,
    /// The y of zero (always on the scale: bars start there).
    pub zero: String,
    /// The line through the groups (`d` of a path), empty without one.
    pub line: String,
    pub dots: Vec<Dot>,
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
    let width = WIDTH - LEFT - RIGHT;
    let empty = BarChart {
        view_box: format!("0 0 {WIDTH} {HEIGHT}"),
        left: coord(LEFT),
        right: coord(WIDTH - RIGHT),
        bottom: coord(HEIGHT - BOTTOM),
        y_ticks: Vec::new(),
        x_ticks: Vec::new(),
        bars: Vec::new(),
        zero: coord(HEIGHT - BOTTOM),
        line: String::new(),
        dots: Vec::new(),
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
    let slot = width / groups.len() as f64;
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
    let centre = |i: usize| LEFT + slot * (i as f64 + 0.5);
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
                x: coord(x),
                y: coord(top),
                width: coord(bar_width),
                height: coord(bottom - top),
                class: s.class,
                title: format!("{} · {}: {}", g.label, s.name, money(v, currency)),
            });
        }
    }
    let (line_path, dots) = match line {
        Some((name, values)) => {
            let points: Vec<(f64, f64)> = values
                .iter()
                .take(groups.len())
                .enumerate()
                .map(|(i, v)| (centre(i), y.y_minor(*v)))
                .collect();
            let dots = points
                .iter()
                .zip(values)
                .zip(groups)
                .map(|(((cx, cy), v), g)| Dot {
                    cx: coord(*cx),
                    cy: coord(*cy),
                    title: format!("{} · {name}: {}", g.label, money(*v, currency)),
                })
                .collect();
            (path(points.into_iter()), dots)
        }
        None => (String::new(), Vec::new()),
    };
    let every = groups.len().div_ceil(MAX_X_LABELS).max(1);
    let x_ticks = groups
        .iter()
        .enumerate()
        .step_by(every)
        .map(|(i, g)| Tick {
            at: coord(centre(i)),
            label: g.label.clone(),
        })
        .collect();
    BarChart {
        y_ticks: y.ticks(currency),
        x_ticks,
        bars,
        zero: coord(y.y(0)),
        line: line_path,
        dots,
        has_data: true,
        ..empty
    }
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
