use super::bars::Bar;
use super::*;
use proptest::prelude::*;

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).expect("date")
}

pub(super) const IN_OUT: [Series; 2] = [
    Series {
        class: "bar-in",
        name: "Money in",
        short: "In",
    },
    Series {
        class: "bar-out",
        name: "Money out",
        short: "Out",
    },
];

fn group(label: &str, values: Vec<i64>) -> BarGroup {
    BarGroup {
        label: label.into(),
        name: label.into(),
        label_has_year: false,
        values,
    }
}

/// A bar's or dot's position in percent, as plot units.
fn pct(s: &str) -> f64 {
    num(s.strip_suffix('%').expect("a percentage")) * PLOT_WIDTH / 100.0
}

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
    (-0.05..=PLOT_WIDTH + 0.05).contains(&v)
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
    assert!(c.line.starts_with("M0.0,"));
    assert!(c.area.ends_with('Z'));
    assert!(c.zero.is_some());
    assert!(c.y_ticks.len() >= 3);
    assert_eq!(
        c.x_ticks.first().map(|t| t.label.as_str()),
        Some("Jan 2026")
    );
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
fn a_cash_chart_runs_from_history_into_the_forecast_with_today_marked() {
    let today = day(4, 1);
    let history: Vec<(NaiveDate, i64)> = (0..=91)
        .map(|d| (today - chrono::TimeDelta::days(91 - d), 500_000 + d * 1_000))
        .collect();
    let pts: Vec<BandPoint> = (0..14)
        .map(|w| BandPoint {
            date: today + chrono::TimeDelta::weeks(w),
            p10: 591_000 - w * 10_000,
            p50: 591_000,
            p90: 591_000 + w * 10_000,
        })
        .collect();
    let first: Vec<(NaiveDate, i64)> = pts.iter().map(|p| (p.date, p.p50 - 200_000)).collect();
    let second: Vec<(NaiveDate, i64)> = pts.iter().map(|p| (p.date, p.p50 + 50_000)).collect();
    let c = cash_chart(&history, &pts, &[&first, &second], Currency::USD);
    // History starts at the left edge and ends where the forecast begins, at today's line.
    let h = path_numbers(&c.history);
    assert!(h[0].abs() < 0.05);
    let today_x = pct(c.today.as_deref().expect("today is marked"));
    assert!((h[h.len() - 2] - today_x).abs() < 0.05);
    let median = path_numbers(&c.line);
    assert!((median[0] - today_x).abs() < 0.05);
    assert!(
        (median[1] - h[h.len() - 1]).abs() < 0.05,
        "one continuous line"
    );
    assert!((today_x - PLOT_WIDTH / 2.0).abs() < 1.0);
    // Both scenario lines are drawn inside the plot, on the same axes.
    for d in [&c.overlay, &c.second_overlay] {
        assert_eq!(d.matches('L').count(), 13);
        assert!(
            path_numbers(d)
                .chunks(2)
                .all(|p| inside_x(p[0]) && inside_y(p[1]))
        );
    }
    // Months across the six months shown, from January's history.
    assert!(c.x_ticks.len() >= 5, "{:?}", c.x_ticks);
    // Without history, nothing before today and no line for it.
    let plain = cash_chart(&[], &pts, &[], Currency::USD);
    assert!(plain.history.is_empty() && plain.today.is_none());
    assert!(plain.overlay.is_empty() && plain.second_overlay.is_empty());
}

#[test]
fn grouped_bars_sit_side_by_side_from_zero_with_their_values() {
    let groups = vec![
        group("Jan", vec![500_000, -300_000]),
        group("Feb", vec![0, -700_000]),
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
    assert!(pct(&a.x) < pct(&b.x), "side by side");
    assert_eq!(a.width, b.width);
    // Money in rises to zero's line from above; money out hangs below it.
    let zero = num(&c.zero);
    assert!((num(&a.y) + num(&a.height) - zero).abs() < 0.2);
    assert!((num(&b.y) - zero).abs() < 0.2);
    // One focusable point per group, naming every value.
    assert_eq!(c.points.len(), 2);
    assert_eq!(
        c.points[0].label,
        "Jan: Money in $5,000.00, Money out -$3,000.00, Net $2,000.00"
    );
    assert_eq!(c.points[1].tip, "Feb · In $0, Out -$7k, Net -$7k");
    assert_eq!(c.dots.len(), 2);
    assert!(c.line.starts_with('M'));
    assert_eq!(c.x_ticks.len(), 2);
    assert!(!bar_chart(&[], &IN_OUT, BarLayout::Grouped, None, Currency::USD).has_data);
}

#[test]
fn stacked_bars_pile_up_and_down_from_zero() {
    let groups = vec![group("Current", vec![300, 200, -100, -50])];
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
    assert!(c.points.iter().all(|p| p.y.is_none()), "no line, no marker");
}

#[test]
fn labels_are_thinned_to_a_readable_number() {
    let groups: Vec<BarGroup> = (0..52)
        .map(|w| group(&format!("W{w}"), vec![w * 1000, -w * 500]))
        .collect();
    let c = bar_chart(&groups, &IN_OUT, BarLayout::Grouped, None, Currency::USD);
    assert!(c.x_ticks.len() <= 8 && c.x_ticks.len() >= 6);
    let narrow = c.x_ticks.iter().filter(|t| t.narrow).count();
    assert!((2..=4).contains(&narrow), "{:?}", c.x_ticks);
    assert!(c.points.len() <= points::MAX_FOCUS_POINTS);
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
            .map(|(i, v)| group(&format!("G{i}"), v.clone()))
            .collect();
        let series = vec![IN_OUT[0]; width];
        let line: Vec<i64> = values.iter().map(|v| v[0]).collect();
        let layout = if stacked { BarLayout::Stacked } else { BarLayout::Grouped };
        let c = bar_chart(&groups, &series, layout, with_line.then_some(("Net", line.as_slice())), Currency::USD);
        let drawn = values.iter().flatten().filter(|v| **v != 0).count();
        prop_assert_eq!(c.bars.len(), drawn);
        for b in &c.bars {
            let (x, y, w, h) = (pct(&b.x), num(&b.y), pct(&b.width), num(&b.height));
            prop_assert!(w > 0.0 && h >= 0.0, "{b:?}");
            prop_assert!(inside_x(x) && inside_x(x + w), "{b:?}");
            prop_assert!(inside_y(y) && inside_y(y + h), "{b:?}");
        }
        prop_assert!(inside_y(num(&c.zero)));
        for d in &c.dots {
            prop_assert!(inside_x(pct(&d.cx)) && inside_y(num(&d.cy)));
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

/// Runs `draw` on its own thread and fails unless it returns at once: the old tick loop never
/// ended on extreme values.
fn promptly<T: Send + 'static>(draw: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(draw());
    });
    rx.recv_timeout(std::time::Duration::from_secs(5))
        .expect("the chart is drawn at once")
}

/// Every tick: at most [`scale::MAX_TICKS`], at least two, inside the plot, going up, labelled.
fn assert_sane_ticks(ticks: &[Tick]) {
    assert!((2..=scale::MAX_TICKS).contains(&ticks.len()), "{ticks:?}");
    let ys: Vec<f64> = ticks.iter().map(|t| num(&t.at)).collect();
    assert!(ys.iter().all(|y| y.is_finite() && inside_y(*y)), "{ys:?}");
    assert!(ys.windows(2).all(|p| p[0] > p[1]), "ticks go up: {ys:?}");
    assert!(ticks.iter().all(|t| !t.label.is_empty()), "{ticks:?}");
}

fn assert_inside(d: &str) {
    assert!(!d.contains("NaN") && !d.contains("inf"), "{d}");
    for xy in path_numbers(d).chunks(2) {
        assert!(xy.len() == 2 && inside_x(xy[0]) && inside_y(xy[1]), "{d}");
    }
}

const EXTREME_RANGES: [(i64, i64); 10] = [
    (i64::MIN, i64::MAX),
    (i64::MAX, i64::MAX),
    (i64::MIN, i64::MIN),
    (i64::MAX - 1, i64::MAX),
    (i64::MAX, i64::MIN),
    (0, 0),
    (5, 5),
    (-1, 1),
    (1_000, -1_000),
    (92_233_720_368_547_758, 92_233_720_368_547_758),
];

#[test]
fn scales_over_extreme_and_degenerate_ranges_have_few_finite_ticks() {
    promptly(|| {
        for (lo, hi) in EXTREME_RANGES {
            for from_zero in [false, true] {
                let y = scale::YScale::new(i128::from(lo), i128::from(hi), from_zero);
                assert!(y.lo < y.hi && y.step > 0, "{lo}..{hi}: {y:?}");
                assert_sane_ticks(&y.ticks(Currency::USD));
                for v in [lo, hi] {
                    assert!(inside_y(y.y_minor(v)), "{lo}..{hi}: {v}");
                }
                if let Some(z) = y.zero() {
                    assert!(inside_y(num(&z)));
                }
            }
        }
    });
}

#[test]
fn nice_steps_are_total() {
    assert_eq!(scale::nice_step(0, 4), 1);
    assert_eq!(scale::nice_step(3, 0), 5);
    assert_eq!(scale::nice_step(10, 4), 5);
    assert_eq!(scale::nice_step(400_000, 4), 100_000);
    assert_eq!(scale::nice_step(400_001, 4), 200_000);
    assert_eq!(scale::nice_step(u128::MAX, 1), u128::MAX);
    let full = u128::from(u64::MAX);
    assert!(scale::nice_step(full, 4) >= full / 4);
}

#[test]
fn line_charts_of_extreme_series_are_drawn_at_once() {
    let day0 = day(1, 1);
    let series: Vec<Vec<(NaiveDate, i64)>> = vec![
        vec![],
        vec![(day0, i64::MAX)],
        vec![(day0, i64::MIN)],
        // The three-row CSV: cash of i64::MAX on three days.
        (0..3)
            .map(|i| (day0 + chrono::TimeDelta::days(i), i64::MAX))
            .collect(),
        (0..40)
            .map(|i| {
                let v = if i % 2 == 0 { i64::MAX } else { -i64::MAX };
                (day0 + chrono::TimeDelta::days(i), v)
            })
            .collect(),
        vec![(NaiveDate::MIN, i64::MIN), (NaiveDate::MAX, i64::MAX)],
        vec![(day0, 7); 5],
    ];
    // Yen have no minor unit: the largest labels.
    let yen = Currency::parse("JPY").expect("JPY");
    for points in series {
        let c = promptly(move || line_chart(&points, yen));
        if !c.has_data {
            continue;
        }
        assert_sane_ticks(&c.y_ticks);
        assert!(c.x_ticks.len() <= 7);
        assert_inside(&c.line);
        assert_inside(&c.area);
    }
}

#[test]
fn band_charts_of_a_saturated_forecast_are_drawn_at_once() {
    let band = |p10, p50, p90| -> Vec<BandPoint> {
        (0..14)
            .map(|w| BandPoint {
                date: day(1, 1) + chrono::TimeDelta::weeks(w),
                p10,
                p50,
                p90,
            })
            .collect()
    };
    for (p10, p50, p90) in [
        (i64::MAX, i64::MAX, i64::MAX),
        (i64::MIN, i64::MIN, i64::MIN),
        (i64::MIN, 0, i64::MAX),
        (i64::MAX, i64::MIN, 0),
    ] {
        let points = band(p10, p50, p90);
        let overlay: Vec<(NaiveDate, i64)> = points.iter().map(|p| (p.date, i64::MIN)).collect();
        let c = promptly(move || band_chart_with(&points, &overlay, Currency::USD));
        assert_sane_ticks(&c.y_ticks);
        for d in [&c.area, &c.line, &c.overlay] {
            assert_inside(d);
        }
    }
}

#[test]
fn long_series_are_thinned_and_long_ranges_labelled_sparingly() {
    let points: Vec<(NaiveDate, i64)> = (0..100_000)
        .map(|i| (day(1, 1) + chrono::TimeDelta::days(i), i * 1_000))
        .collect();
    let c = promptly(move || line_chart(&points, Currency::USD));
    assert!(c.line.matches('L').count() < MAX_POINTS, "{}", c.line.len());
    assert!(c.line.starts_with("M0.0,") && c.x_ticks.len() <= 7);
    assert_inside(&c.line);
    assert_eq!(thinned(&[1, 2, 3, 4, 5, 6, 7], 3), vec![1, 4, 7]);
    assert_eq!(thinned(&[1, 2, 3, 4, 5, 6, 7, 8], 3), vec![1, 5, 8]);
    assert_eq!(thinned(&[1, 2], 1), vec![1, 2]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn any_i64_series_stays_inside_the_plot(
        values in prop::collection::vec(prop_oneof![any::<i64>(), Just(i64::MIN), Just(i64::MAX)], 1..40),
    ) {
        let points: Vec<(NaiveDate, i64)> = values
            .iter()
            .enumerate()
            .map(|(i, v)| (day(1, 1) + chrono::TimeDelta::days(i64::try_from(i).unwrap_or(0)), *v))
            .collect();
        let c = line_chart(&points, Currency::USD);
        prop_assert!((2..=scale::MAX_TICKS).contains(&c.y_ticks.len()));
        for xy in path_numbers(&c.line).chunks(2) {
            prop_assert!(inside_x(xy[0]) && inside_y(xy[1]), "{xy:?}");
        }
        let band: Vec<BandPoint> = points
            .iter()
            .map(|&(date, v)| BandPoint { date, p10: v.saturating_sub(1 << 62), p50: v, p90: v.saturating_add(1 << 62) })
            .collect();
        let c = band_chart_with(&band, &points, Currency::EUR);
        prop_assert!((2..=scale::MAX_TICKS).contains(&c.y_ticks.len()));
        for d in [&c.area, &c.line, &c.overlay] {
            for xy in path_numbers(d).chunks(2) {
                prop_assert!(inside_x(xy[0]) && inside_y(xy[1]), "{xy:?}");
            }
        }
    }
}
