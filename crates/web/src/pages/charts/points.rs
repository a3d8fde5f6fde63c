//! Values on hover and on keyboard focus, without script.
//!
//! Each point is a focusable group (`tabindex="0"`) holding a transparent column the width of
//! its share of the plot, a marker, and a readout; the stylesheet shows the marker and the
//! readout while the group is hovered or focused. The readout is one short line drawn across
//! the top of the chart, centred, so it never runs past an edge; the full value is the group's
//! accessible name and `<title>`.

use super::{PLOT_WIDTH, percent};

/// Most focusable points on one chart: a keyboard user tabs through them all.
pub(crate) const MAX_FOCUS_POINTS: usize = 27;
/// Longest readout, in characters: at 12 px it fits a chart 300 px wide.
pub(crate) const MAX_TIP_CHARS: usize = 40;

/// One point as the template draws it.
#[derive(Debug, Clone)]
pub struct Point {
    /// Centre, in percent of the width.
    pub x: String,
    /// The marker's y, when the point sits on a line.
    pub y: Option<String>,
    /// The column that takes the hover: its left edge and width, in percent.
    pub hit_x: String,
    pub hit_width: String,
    /// "5 Jan 2027: cash $312,000.00", the accessible name.
    pub label: String,
    /// The readout shown on hover or focus (at most [`MAX_TIP_CHARS`]).
    pub tip: String,
}

/// One point to place: x in plot units (ascending), the marker's y, its name and readout.
pub(crate) struct Spot {
    pub x: f64,
    pub y: Option<String>,
    pub label: String,
    pub tip: String,
}

/// The points, each taking the plot from halfway to its left neighbour to halfway to its
/// right one.
pub(crate) fn points(spots: Vec<Spot>) -> Vec<Point> {
    let xs: Vec<f64> = spots.iter().map(|s| s.x).collect();
    spots
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let left = if i == 0 {
                0.0
            } else {
                f64::midpoint(xs[i - 1], s.x)
            };
            let right = xs
                .get(i + 1)
                .map_or(PLOT_WIDTH, |next| f64::midpoint(s.x, *next));
            Point {
                x: percent(s.x),
                y: s.y,
                hit_x: percent(left),
                hit_width: percent((right - left).max(0.0)),
                label: s.label,
                tip: s.tip.chars().take(MAX_TIP_CHARS).collect(),
            }
        })
        .collect()
}
