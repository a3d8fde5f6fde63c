//! Labels along the bottom: anchored so none runs past either edge, and thinned for phones.
//!
//! The chart's width is only known to the browser, so each label is placed in percent of it
//! and anchored by where it sits: near the left edge it starts there, near the right edge it
//! ends there, elsewhere it is centred. A label is either shown at every width or only on
//! wider screens (`narrow: false`, hidden by the stylesheet below 600 px); the ones kept for
//! phones are at least [`NARROW_GAP`] apart, with the labels that carry a year kept first.

use super::{PLOT_WIDTH, Tick, percent};

/// Within this much of an edge (plot units), a label is anchored to that edge.
const EDGE: f64 = PLOT_WIDTH * 0.15;
/// Least distance (plot units) between two labels shown on a phone: 30% of a chart 300 px
/// wide is 90 px, more than the widest label ("28 Dec 2026") at 12 px.
pub(crate) const NARROW_GAP: f64 = PLOT_WIDTH * 0.3;

/// One label to place: where (plot units), its text, and whether it names a year.
pub(crate) struct XLabel {
    pub x: f64,
    pub text: String,
    pub has_year: bool,
}

/// Anchored ticks, in the order given (left to right).
pub(crate) fn x_ticks(labels: Vec<XLabel>) -> Vec<Tick> {
    let mut kept: Vec<f64> = Vec::new();
    let by_priority = labels
        .iter()
        .filter(|l| l.has_year)
        .chain(labels.iter().filter(|l| !l.has_year));
    for l in by_priority {
        if kept.iter().all(|k| (k - l.x).abs() >= NARROW_GAP) {
            kept.push(l.x);
        }
    }
    labels
        .into_iter()
        .map(|l| Tick {
            at: percent(l.x),
            anchor: if l.x < EDGE {
                "start"
            } else if l.x > PLOT_WIDTH - EDGE {
                "end"
            } else {
                "middle"
            },
            narrow: kept.iter().any(|k| k.to_bits() == l.x.to_bits()),
            label: l.text,
        })
        .collect()
}
