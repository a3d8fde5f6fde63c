//! The charts as the browser gets them: the rendered SVG and the stylesheet. Text is set in
//! CSS pixels, stays inside the chart at a phone's width and a desktop's, names the year where
//! the range crosses one, and every point is focusable with its value.

use super::*;
use askama::Template;

#[derive(Template)]
#[template(
    source = r#"{% import "chart_macros.html" as charts %}{% call charts::line(c, "line", "A line", "Its numbers") %}{% endcall %}"#,
    ext = "html"
)]
struct LineSvg<'a> {
    c: &'a Chart,
}

#[derive(Template)]
#[template(
    source = r#"{% import "chart_macros.html" as charts %}{% call charts::band(c, "band", "A band", "Its numbers") %}{% endcall %}"#,
    ext = "html"
)]
struct BandSvg<'a> {
    c: &'a Chart,
}

#[derive(Template)]
#[template(
    source = r#"{% import "chart_macros.html" as charts %}{% call charts::bars(c, "bars", "Bars", "Their numbers") %}{% endcall %}"#,
    ext = "html"
)]
struct BarsSvg<'a> {
    c: &'a BarChart,
}

const STYLESHEET: &str = include_str!("../../../assets/app.css");
/// The size the stylesheet sets for chart text, and a generous average glyph width at it.
const FONT_PX: f64 = 12.0;
const GLYPH_PX: f64 = FONT_PX * 0.62;
/// A chart in a phone's card, and the narrowest chart that shows every label.
const PHONE_PX: f64 = 300.0;
const DESKTOP_PX: f64 = 520.0;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

/// A year of daily cash from mid-October 2026, across the new year.
fn across_a_year() -> Vec<(NaiveDate, i64)> {
    (0..200)
        .map(|i| {
            (
                date(2026, 10, 15) + chrono::TimeDelta::days(i),
                28_000_000 + i * 1_000,
            )
        })
        .collect()
}

fn forecast_across_a_year() -> (Vec<(NaiveDate, i64)>, Vec<BandPoint>) {
    let today = date(2026, 12, 20);
    let history = (0..=91)
        .map(|d| (today - chrono::TimeDelta::days(91 - d), 500_000 + d * 1_000))
        .collect();
    let band = (0..14)
        .map(|w| BandPoint {
            date: today + chrono::TimeDelta::weeks(w),
            p10: 591_000 - w * 10_000,
            p50: 591_000,
            p90: 591_000 + w * 10_000,
        })
        .collect();
    (history, band)
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    tag[start..].split('"').next()
}

/// Every `<text …>label</text>` of `svg`: its tag and its text.
fn texts(svg: &str) -> Vec<(&str, &str)> {
    svg.split("<text")
        .skip(1)
        .filter_map(|rest| {
            let (tag, after) = rest.split_once('>')?;
            let (label, _) = after.split_once("</text>")?;
            Some((tag, label))
        })
        .collect()
}

/// Where `text` would run, in pixels, on a chart `width` wide: `(left, right, top, bottom)`.
fn extent(tag: &str, label: &str, width: f64) -> (f64, f64, f64, f64) {
    let x = attr(tag, "x").expect("x");
    let x = match x.strip_suffix('%') {
        Some(p) => p.parse::<f64>().expect("percent") / 100.0 * width,
        None => x.parse().expect("pixels"),
    };
    let dy: f64 = attr(tag, "dy").map_or(0.0, |d| d.parse().expect("dy"));
    let y: f64 = attr(tag, "y").expect("y").parse::<f64>().expect("y") + dy;
    #[expect(clippy::cast_precision_loss, reason = "a label's length")]
    let w = label.chars().count() as f64 * GLYPH_PX;
    let (left, right) = match attr(tag, "text-anchor").unwrap_or("start") {
        "middle" => (x - w / 2.0, x + w / 2.0),
        "end" => (x - w, x),
        _ => (x, x + w),
    };
    (left, right, y - FONT_PX, y + FONT_PX * 0.25)
}

/// Every label a chart `width` wide shows (a phone hides the `wide-only` ones) lies inside
/// it; the readouts too, which show one at a time.
fn assert_text_inside(svg: &str, width: f64) {
    let shown = texts(svg)
        .into_iter()
        .filter(|(tag, _)| width >= 600.0 || !tag.contains("wide-only"));
    for (tag, label) in shown {
        let (left, right, top, bottom) = extent(tag, label, width);
        assert!(
            left >= 0.0 && right <= width && top >= 0.0 && bottom <= HEIGHT,
            "{label:?} runs out of a chart {width} px wide: {left:.0}..{right:.0}, {top:.0}..{bottom:.0}"
        );
    }
}

/// The outer `<svg>` has no `viewBox` (its unit is a CSS pixel); the only `viewBox` is the
/// stretched drawing's, which holds no text.
fn assert_unscaled(svg: &str) {
    let outer = svg.split('>').next().expect("the outer tag");
    assert!(!outer.contains("viewBox"), "{outer}");
    assert!(
        outer.contains(&format!("height=\"{}\"", coord(HEIGHT))),
        "{outer}"
    );
    for plot in svg.split("<svg class=\"plot\"").skip(1) {
        let tag = plot.split('>').next().expect("tag");
        assert!(tag.contains("preserveAspectRatio=\"none\""), "{tag}");
        let inner = plot.split("</svg>").next().expect("the drawing");
        assert!(!inner.contains("<text"), "no text is stretched");
    }
}

/// Every point is focusable, named by its value, and has a readout.
fn assert_focusable_points(svg: &str, at_least: usize) -> Vec<String> {
    let names: Vec<String> = svg
        .split("<g class=\"point\"")
        .skip(1)
        .map(|p| {
            assert!(p.starts_with(" tabindex=\"0\" role=\"img\""), "{p}");
            assert!(p.contains("<text class=\"readout\""), "{p}");
            attr(p, "aria-label").expect("a name").to_owned()
        })
        .collect();
    assert!(names.len() >= at_least, "{names:?}");
    assert!(names.iter().all(|n| n.contains('$')), "{names:?}");
    names
}

#[test]
fn chart_text_is_set_in_css_pixels() {
    let chart_rules: Vec<&str> = STYLESHEET
        .lines()
        .filter(|l| l.trim_start().starts_with(".chart ") && l.contains("font-size"))
        .collect();
    assert!(chart_rules.len() >= 2, "{chart_rules:?}");
    for rule in chart_rules {
        let size = rule
            .split("font-size:")
            .nth(1)
            .and_then(|r| r.split(';').next())
            .expect("a size")
            .trim();
        assert_eq!(size, "12px", "{rule}");
    }
    let svg = LineSvg {
        c: &line_chart(&across_a_year(), Currency::USD),
    }
    .render()
    .expect("render");
    assert_unscaled(&svg);
    assert!(
        !svg.contains("font-size") && !svg.contains("style="),
        "sizes come from the stylesheet"
    );
}

#[test]
fn axis_labels_name_the_year_where_the_range_crosses_one() {
    let c = line_chart(&across_a_year(), Currency::USD);
    let labels: Vec<&str> = c.x_ticks.iter().map(|t| t.label.as_str()).collect();
    assert_eq!(labels.first(), Some(&"Nov 2026"), "{labels:?}");
    assert!(labels.contains(&"Jan 2027"), "{labels:?}");
    assert!(
        labels
            .iter()
            .all(|l| !l.ends_with(" 27") && !l.ends_with(" 26")),
        "{labels:?}"
    );
    let year_labels: Vec<&Tick> = c
        .x_ticks
        .iter()
        .filter(|t| t.label.contains("20"))
        .collect();
    assert!(
        year_labels.iter().all(|t| t.narrow),
        "a phone keeps the years: {year_labels:?}"
    );
    let (history, band) = forecast_across_a_year();
    let c = cash_chart(&history, &band, &[], Currency::USD);
    let labels: Vec<&str> = c.x_ticks.iter().map(|t| t.label.as_str()).collect();
    assert!(
        labels.contains(&"Jan 2027") && labels[0].ends_with("2026"),
        "{labels:?}"
    );
}

#[test]
fn no_text_runs_past_the_chart_at_a_phone_or_desktop_width() {
    let (history, band) = forecast_across_a_year();
    let weeks: Vec<BarGroup> = (0..53)
        .map(|w| {
            let start = date(2026, 1, 5) + chrono::TimeDelta::weeks(w);
            BarGroup {
                label: start.format("%-d %b %Y").to_string(),
                name: format!("Week of {}", start.format("%-d %b %Y")),
                label_has_year: true,
                values: vec![w * 1_000_000, -w * 900_000],
            }
        })
        .collect();
    let net: Vec<i64> = (0..53).map(|w| w * 100_000).collect();
    let bars = bar_chart(
        &weeks,
        &super::tests::IN_OUT,
        BarLayout::Grouped,
        Some(("Net", &net)),
        Currency::USD,
    );
    let svgs = [
        LineSvg {
            c: &line_chart(&across_a_year(), Currency::USD),
        }
        .render()
        .expect("render"),
        BandSvg {
            c: &cash_chart(&history, &band, &[], Currency::USD),
        }
        .render()
        .expect("render"),
        BarsSvg { c: &bars }.render().expect("render"),
    ];
    for svg in &svgs {
        assert_unscaled(svg);
        for width in [PHONE_PX, DESKTOP_PX, 1100.0] {
            assert_text_inside(svg, width);
        }
    }
    // A phone shows at most four x labels, well apart.
    let narrow: Vec<f64> = bars
        .x_ticks
        .iter()
        .filter(|t| t.narrow)
        .map(|t| num_pct(&t.at))
        .collect();
    assert!((2..=4).contains(&narrow.len()), "{:?}", bars.x_ticks);
    assert!(
        narrow
            .windows(2)
            .all(|p| p[1] - p[0] >= x_axis::NARROW_GAP - 0.1)
    );
}

fn num_pct(s: &str) -> f64 {
    s.trim_end_matches('%').parse::<f64>().expect("percent") * PLOT_WIDTH / 100.0
}

#[test]
fn every_point_takes_focus_and_shows_its_value() {
    let line = LineSvg {
        c: &line_chart(&across_a_year(), Currency::USD),
    }
    .render()
    .expect("render");
    let names = assert_focusable_points(&line, 20);
    assert_eq!(names[0], "15 Oct 2026: $280,000.00");
    let (history, band) = forecast_across_a_year();
    let svg = BandSvg {
        c: &cash_chart(&history, &band, &[], Currency::USD),
    }
    .render()
    .expect("render");
    let names = assert_focusable_points(&svg, 20);
    assert!(
        names.iter().any(|n| n
            == "27 Dec 2026: expected $5,910.00, likely between $5,810.00 and $6,010.00"),
        "{names:?}"
    );
    // The points sit outside the hidden drawing, so a screen reader reaches them.
    let hidden = svg
        .split("<g aria-hidden=\"true\">")
        .nth(1)
        .and_then(|d| d.split("<g class=\"points\">").next())
        .expect("the drawing");
    assert!(!hidden.contains("tabindex"));
}

#[test]
fn an_axis_that_does_not_start_at_zero_is_marked_and_says_so() {
    let c = line_chart(&across_a_year(), Currency::USD);
    let note = c.axis_note.clone().expect("a note");
    assert!(
        note.starts_with("The axis starts at $27") && note.ends_with(", not at zero."),
        "{note}"
    );
    let svg = LineSvg { c: &c }.render().expect("render");
    assert!(svg.contains("class=\"axis-break\""));
    assert!(svg.contains("id=\"line-axis-note\""));
    // Near zero, the axis starts there and nothing is said.
    let near: Vec<(NaiveDate, i64)> = across_a_year()
        .into_iter()
        .map(|(d, v)| (d, v - 27_900_000))
        .collect();
    let c = line_chart(&near, Currency::USD);
    assert!(c.axis_note.is_none(), "{:?}", c.y_ticks);
    let svg = LineSvg { c: &c }.render().expect("render");
    assert!(!svg.contains("axis-break"));
}
