//! The digest's small cash chart as a PNG (mail clients do not show SVG): the last weeks'
//! end-of-week cash as a solid line, the forecast's median as a dashed one, a zero line when
//! cash crosses it. No text in the image (no fonts needed): the e-mail states the figures.
//! Pixel geometry uses floating point; amounts themselves are never rounded through it.

use super::compose::CashChart;
use tiny_skia::{
    Color, FillRule, LineCap, LineJoin, Paint, PathBuilder, Pixmap, Stroke, StrokeDash, Transform,
};

/// The image's size in pixels: twice the size it is shown at, for sharp high-density screens.
pub const CHART_WIDTH: u32 = 1200;
pub const CHART_HEIGHT: u32 = 360;
const PAD: f32 = 24.0;

/// Why the chart could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("the cash chart could not be encoded")]
pub struct ChartError(#[source] Box<dyn std::error::Error + Send + Sync>);

/// The chart as PNG bytes; `None` when there are fewer than two points to join.
///
/// # Errors
/// When PNG encoding fails.
pub fn cash_chart_png(chart: &CashChart) -> Result<Option<Vec<u8>>, ChartError> {
    let values: Vec<i64> = chart
        .history
        .iter()
        .chain(&chart.forecast)
        .map(|p| p.1)
        .collect();
    if values.len() < 2 || chart.history.is_empty() {
        return Ok(None);
    }
    let Some(mut pixmap) = Pixmap::new(CHART_WIDTH, CHART_HEIGHT) else {
        return Ok(None);
    };
    pixmap.fill(Color::WHITE);
    let scale = Scale::new(&values);
    let slots = values.len();

    if scale.crosses_zero() {
        let y = scale.y(0);
        line(
            &mut pixmap,
            &[(PAD, y), (width() - PAD, y)],
            (203, 213, 225),
            2.0,
            false,
        );
    }
    let x = |i: usize| PAD + (width() - 2.0 * PAD) * as_f32(i) / as_f32(slots - 1);
    let history: Vec<(f32, f32)> = chart
        .history
        .iter()
        .enumerate()
        .map(|(i, p)| (x(i), scale.y(p.1)))
        .collect();
    let today = history.len() - 1;
    // The forecast starts where the history ends.
    let forecast: Vec<(f32, f32)> = std::iter::once(history[today])
        .chain(
            chart
                .forecast
                .iter()
                .enumerate()
                .map(|(i, p)| (x(today + 1 + i), scale.y(p.1))),
        )
        .collect();
    line(
        &mut pixmap,
        &[
            (history[today].0, PAD / 2.0),
            (history[today].0, height() - PAD / 2.0),
        ],
        (226, 232, 240),
        2.0,
        false,
    );
    line(&mut pixmap, &forecast, (96, 165, 250), 5.0, true);
    line(&mut pixmap, &history, (29, 78, 216), 6.0, false);
    dot(&mut pixmap, history[today], (29, 78, 216));
    pixmap
        .encode_png()
        .map(Some)
        .map_err(|e| ChartError(Box::new(e)))
}

fn width() -> f32 {
    as_f32(CHART_WIDTH as usize)
}

fn height() -> f32 {
    as_f32(CHART_HEIGHT as usize)
}

#[expect(
    clippy::cast_precision_loss,
    reason = "pixel positions on a chart, not money"
)]
fn as_f32(n: usize) -> f32 {
    n as f32
}

/// Maps amounts to pixel rows, with a little room above and below.
struct Scale {
    low: f64,
    high: f64,
}

impl Scale {
    #[expect(
        clippy::cast_precision_loss,
        reason = "pixel positions on a chart, not money"
    )]
    fn new(values: &[i64]) -> Self {
        let low = values.iter().copied().min().unwrap_or(0) as f64;
        let high = values.iter().copied().max().unwrap_or(0) as f64;
        let margin = ((high - low) * 0.1).max(1.0);
        Self {
            low: low - margin,
            high: high + margin,
        }
    }

    fn crosses_zero(&self) -> bool {
        self.low < 0.0 && self.high > 0.0
    }

    #[expect(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        reason = "pixel positions on a chart, not money"
    )]
    fn y(&self, value: i64) -> f32 {
        let share = (value as f64 - self.low) / (self.high - self.low);
        let inner = f64::from(height() - 2.0 * PAD);
        (f64::from(height() - PAD) - share * inner) as f32
    }
}

fn paint(rgb: (u8, u8, u8)) -> Paint<'static> {
    let mut paint = Paint::default();
    paint.set_color_rgba8(rgb.0, rgb.1, rgb.2, 255);
    paint.anti_alias = true;
    paint
}

fn line(pixmap: &mut Pixmap, points: &[(f32, f32)], rgb: (u8, u8, u8), width: f32, dashed: bool) {
    let mut path = PathBuilder::new();
    let Some((first, rest)) = points.split_first() else {
        return;
    };
    path.move_to(first.0, first.1);
    for p in rest {
        path.line_to(p.0, p.1);
    }
    let Some(path) = path.finish() else {
        return;
    };
    let stroke = Stroke {
        width,
        line_cap: LineCap::Round,
        line_join: LineJoin::Round,
        dash: if dashed {
            StrokeDash::new(vec![14.0, 10.0], 0.0)
        } else {
            None
        },
        ..Stroke::default()
    };
    pixmap.stroke_path(&path, &paint(rgb), &stroke, Transform::identity(), None);
}

fn dot(pixmap: &mut Pixmap, at: (f32, f32), rgb: (u8, u8, u8)) {
    if let Some(circle) = PathBuilder::from_circle(at.0, at.1, 9.0) {
        pixmap.fill_path(
            &circle,
            &paint(rgb),
            FillRule::Winding,
            Transform::identity(),
            None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn week(n: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 4).expect("date") + chrono::TimeDelta::weeks(n)
    }

    #[test]
    fn draws_a_png_with_history_and_forecast_and_none_for_a_single_point() {
        let chart = CashChart {
            history: (0..13).map(|w| (week(w), 1_000_000 - w * 90_000)).collect(),
            forecast: (13..26)
                .map(|w| (week(w), 1_000_000 - w * 90_000))
                .collect(),
        };
        let png = cash_chart_png(&chart).expect("encodes").expect("a chart");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let decoded = Pixmap::decode_png(&png).expect("decodes");
        assert_eq!(
            (decoded.width(), decoded.height()),
            (CHART_WIDTH, CHART_HEIGHT)
        );
        // Something besides the white background was drawn.
        assert!(
            decoded
                .pixels()
                .iter()
                .any(|p| p.red() < 100 && p.blue() > 150)
        );

        let lonely = CashChart {
            history: vec![(week(0), 5)],
            forecast: Vec::new(),
        };
        assert!(cash_chart_png(&lonely).expect("no error").is_none());
        let extreme = CashChart {
            history: vec![(week(0), i64::MIN), (week(1), i64::MAX)],
            forecast: vec![(week(2), 0)],
        };
        assert!(cash_chart_png(&extreme).expect("encodes").is_some());
    }
}
