use super::bars::Bar;
use super::*;
use proptest::prelude::*;

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).expect("date")
}

const IN_OUT: [Series; 2] = [
    Series {
        class: "bar-in",
        name: "Money in",
    },
    Series {
        class: "bar-out",
        name: "Money out",
    },
];

fn num(s: &str) -> f64 {
    s.parse().expect("a number")
}

/// Every number in a path's `d`.
fn path_numbers(d: &str) -> Vec<f64> {
    d.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .filter(|t| !t.is_empty())
        .map(num)
        .collect()
}

fn inside_x(v: f64) -> bool {
    (LEFT - 0.05..=WIDTH - RIGHT + 0.05).contains(&v)
}

fn inside_y(v: f64) -> bool {
    (TOP - 0.05..=HEIGHT - BOTTOM + 0.05).contains(&v)
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
fn a_band_chart_closes_its_band_and_draws_the_overlay_on_the_same_axes() {
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
    assert!(c.overlay.is_empty());
    // A what-if far below the band widens the axis down to zero and below.
    let low: Vec<(NaiveDate, i64)> = pts.iter().map(|p| (p.date, -5_000)).collect();
    let c = band_chart_with(&pts, &low, Currency::USD);
    assert_eq!(c.overlay.matches('L').count(), 13);
    assert!(c.zero.is_some());
    assert!(
        path_numbers(&c.overlay)
            .chunks(2)
            .all(|p| inside_x(p[0]) && inside_y(p[1]))
    );
}

#[test]
fn grouped_bars_sit_side_by_side_from_zero_with_titles() {
    let groups = vec![
        BarGroup {
            label: "Jan".into(),
            values: vec![500_000, -300_000],
        },
        BarGroup {
            label: "Feb".into(),
            values: vec![0, -700_000],
        },
    ];
    let c = bar_chart(
        &groups,
        &IN_OUT,
        BarLayout::Grouped,
        Some(("Net", &[200_000, -700_000])),
        Currency::USD,
    );
    assert_eq!(c.bars.len(), 3, "a zero is not drawn");
    let (a, b) = (&c.bars[0], &c.bars[1]);
    assert!(num(&a.x) < num(&b.x), "side by side");
    assert_eq!(a.width, b.width);
    // Money in rises to zero's line from above; money out hangs below it.
    let zero = num(&c.zero);
    assert!((num(&a.y) + num(&a.height) - zero).abs() < 0.2);
    assert!((num(&b.y) - zero).abs() < 0.2);
    assert_eq!(a.title, "Jan · Money in: $5,000.00");
    assert_eq!(c.bars[2].title, "Feb · Money out: -$7,000.00");
    assert_eq!(c.dots.len(), 2);
    assert!(c.line.starts_with('M'));
    assert_eq!(c.x_ticks.len(), 2);
    assert!(!bar_chart(&[], &IN_OUT, BarLayout::Grouped, None, Currency::USD).has_data);
}

#[test]
fn stacked_bars_pile_up_and_down_from_zero() {
    let groups = vec![BarGroup {
        label: "Current".into(),
        values: vec![300, 200, -100, -50],
    }];
    let series = [IN_OUT[0], IN_OUT[0], IN_OUT[1], IN_OUT[1]];
    let c = bar_chart(&groups, &series, BarLayout::Stacked, None, Currency::USD);
    let bars = &c.bars;
    assert_eq!(bars.len(), 4);
    assert!(
        bars.iter()
            .all(|b| b.x == bars[0].x && b.width == bars[0].width)
    );
    let end = |b: &Bar| num(&b.y) + num(&b.height);
    // The second positive starts where the first ends; the second negative below the first.
    assert!((end(&bars[1]) - num(&bars[0].y)).abs() < 0.2);
    assert!((num(&bars[3].y) - end(&bars[2])).abs() < 0.2);
    assert!(c.line.is_empty() && c.dots.is_empty());
}

#[test]
fn labels_are_thinned_to_a_readable_number() {
    let groups: Vec<BarGroup> = (0..52)
        .map(|w| BarGroup {
            label: format!("W{w}"),
            values: vec![w * 1000, -w * 500],
        })
        .collect();
    let c = bar_chart(&groups, &IN_OUT, BarLayout::Grouped, None, Currency::USD);
    assert!(c.x_ticks.len() <= 12 && c.x_ticks.len() >= 6);
    assert_eq!(c.x_ticks[0].label, "W0");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn bars_stay_inside_the_plot_whatever_the_values(
        values in prop::collection::vec(
            prop::collection::vec(prop_oneof![Just(0i64), -1_000_000_000_000i64..1_000_000_000_000, Just(i64::MIN), Just(i64::MAX)], 1..4),
            1..60,
        ),
        stacked in any::<bool>(),
        with_line in any::<bool>(),
    ) {
        let width = values.iter().map(Vec::len).max().unwrap_or(1);
        let groups: Vec<BarGroup> = values
            .iter()
            .enumerate()
            .map(|(i, v)| BarGroup { label: format!("G{i}"), values: v.clone() })
            .collect();
        let series = vec![IN_OUT[0]; width];
        let line: Vec<i64> = values.iter().map(|v| v[0]).collect();
        let layout = if stacked { BarLayout::Stacked } else { BarLayout::Grouped };
        let c = bar_chart(&groups, &series, layout, with_line.then_some(("Net", line.as_slice())), Currency::USD);
        let drawn = values.iter().flatten().filter(|v| **v != 0).count();
        prop_assert_eq!(c.bars.len(), drawn);
        for b in &c.bars {
            let (x, y, w, h) = (num(&b.x), num(&b.y), num(&b.width), num(&b.height));
            prop_assert!(w > 0.0 && h >= 0.0, "{b:?}");
            prop_assert!(inside_x(x) && inside_x(x + w), "{b:?}");
            prop_assert!(inside_y(y) && inside_y(y + h), "{b:?}");
        }
        prop_assert!(inside_y(num(&c.zero)));
        for d in &c.dots {
            prop_assert!(inside_x(num(&d.cx)) && inside_y(num(&d.cy)));
        }
        let ys: Vec<f64> = c.y_ticks.iter().map(|t| num(&t.at)).collect();
        prop_assert!(ys.len() >= 2 && ys.windows(2).all(|p| p[0] > p[1]), "ticks go up: {ys:?}");
        prop_assert!(ys.iter().all(|y| inside_y(*y)));
    }

    #[test]
    fn lines_and_bands_stay_inside_the_plot(
        values in prop::collection::vec((-1_000_000_000_000i64..1_000_000_000_000, 0i64..1_000_000_000), 1..120),
    ) {
        let points: Vec<(NaiveDate, i64)> = values
            .iter()
            .enumerate()
            .map(|(i, (v, _))| (day(1, 1) + chrono::TimeDelta::days(i64::try_from(i).unwrap_or(0)), *v))
            .collect();
        let c = line_chart(&points, Currency::EUR);
        for xy in path_numbers(&c.line).chunks(2) {
            prop_assert!(inside_x(xy[0]) && inside_y(xy[1]), "{xy:?}");
        }
        let band: Vec<BandPoint> = points
            .iter()
            .zip(&values)
            .map(|((date, v), (_, spread))| BandPoint { date: *date, p10: v - spread, p50: *v, p90: v + spread })
            .collect();
        let c = band_chart_with(&band, &points, Currency::EUR);
        for d in [&c.area, &c.line, &c.overlay] {
            for xy in path_numbers(d).chunks(2) {
                prop_assert!(inside_x(xy[0]) && inside_y(xy[1]), "{xy:?}");
            }
        }
    }
}
