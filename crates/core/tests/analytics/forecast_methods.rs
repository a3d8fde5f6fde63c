//! The forecasting methods against textbook values (statsforecast's forecasts on the same
//! series, stored in `tests/fixtures/forecast_methods.json` by `bench/forecast_fixtures.py`),
//! the cross-validated choice on series whose right answer is known, and properties: no NaN,
//! no overflow, ordered ranges on empty, constant, one-value, all-zero and huge series.

use flowsense_core::analytics::forecast_methods::{
    Method, Seasonality, band_offsets, croston, damped_fit, seasonal_naive, select, ses_fit,
    ses_with_alpha, theta_forecast, tsb_with, window_average,
};
use proptest::prelude::*;
use serde_json::Value;

const FIXTURES: &str = include_str!("../fixtures/forecast_methods.json");

fn cases() -> Vec<Value> {
    let all: Value = serde_json::from_str(FIXTURES).expect("valid fixture JSON");
    all["cases"].as_array().expect("cases").clone()
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn assert_close(ours: f64, theirs: f64, tolerance: f64, what: &str) {
    assert!(
        (ours - theirs).abs() <= tolerance * theirs.abs().max(1.0),
        "{what}: ours {ours}, statsforecast {theirs}"
    );
}

#[test]
fn simple_methods_match_statsforecast_exactly() {
    for case in cases() {
        let name = case["name"].as_str().expect("name");
        let y = numbers(&case["series"]);
        let h = numbers(&case["naive"]).len();
        assert_close(
            *y.last().expect("values"),
            numbers(&case["naive"])[0],
            1e-12,
            name,
        );
        assert_close(
            window_average(&y, 3),
            numbers(&case["window_average_3"])[0],
            1e-12,
            name,
        );
        let seasonal = seasonal_naive(&y, 4, h);
        for (ours, theirs) in seasonal.iter().zip(numbers(&case["seasonal_naive_4"])) {
            assert_close(*ours, theirs, 1e-12, name);
        }
        let (level, _) = ses_with_alpha(&y, 0.3).expect("values");
        assert_close(level, numbers(&case["ses_alpha_0_3"])[0], 1e-9, name);
    }
}

#[test]
fn intermittent_methods_match_statsforecast_exactly() {
    for case in cases() {
        let name = case["name"].as_str().expect("name");
        let y = numbers(&case["series"]);
        assert_close(
            croston(&y),
            numbers(&case["croston_classic"])[0],
            1e-9,
            name,
        );
        assert_close(
            tsb_with(&y, 0.2, 0.1),
            numbers(&case["tsb_0_2_0_1"])[0],
            1e-9,
            name,
        );
    }
}

#[test]
fn theta_follows_statsforecast_within_its_different_fit() {
    // statsforecast fits the initial level too and bounds the weight differently, so the level
    // may differ by a fraction of the series' spread; the drift per step is the same half of
    // the linear slope.
    for case in cases() {
        let name = case["name"].as_str().expect("name");
        let y = numbers(&case["series"]);
        let theirs = numbers(&case["theta"]);
        let ours = theta_forecast(&y, ses_fit(&y).expect("values"), theirs.len());
        let n = f64::from(u32::try_from(y.len()).expect("short"));
        let mean = y.iter().sum::<f64>() / n;
        let spread = (y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
        for (k, (o, t)) in ours.iter().zip(&theirs).enumerate() {
            assert!(
                (o - t).abs() <= 0.15 * spread,
                "{name} step {}: ours {o}, statsforecast {t}, spread {spread}",
                k + 1
            );
        }
        let (our_step, their_step) = (ours[1] - ours[0], theirs[1] - theirs[0]);
        assert!(
            (our_step - their_step).abs() < 1e-6,
            "{name}: drift {our_step} vs {their_step}"
        );
    }
}

#[test]
fn fitted_smoothing_is_no_worse_than_any_fixed_weight() {
    for case in cases() {
        let y = numbers(&case["series"]);
        let fit = ses_fit(&y).expect("values");
        let (_, best) = ses_with_alpha(&y, fit.alpha).expect("values");
        for tenth in 1..10 {
            let (_, other) = ses_with_alpha(&y, f64::from(tenth) / 10.0).expect("values");
            assert!(
                best <= other + 1e-9,
                "alpha {} beat the fit",
                f64::from(tenth) / 10.0
            );
        }
    }
}

#[test]
fn damped_trend_continues_a_straight_line_and_flattens() {
    let line: Vec<f64> = (0..30).map(|t| 100.0 + 5.0 * f64::from(t)).collect();
    let fit = damped_fit(&line).expect("values");
    // A damped trend lags a straight line a little: within a tenth of a step.
    assert!((fit.at(1) - 250.0).abs() < 0.5, "{fit:?}");
    assert!(fit.at(12) - fit.at(11) < fit.at(2) - fit.at(1));
    assert!(fit.at(12) > fit.at(1));
}

#[test]
fn seasonal_factors_are_recovered_and_shrunk_toward_none_when_thin() {
    let pattern = [0.5, 1.0, 1.5, 1.0];
    let long: Vec<f64> = (0..80).map(|t| 100.0 * pattern[t % 4]).collect();
    let many = Seasonality::estimate(&long, 4).expect("enough seasons");
    assert!(many.multiplicative);
    for (f, truth) in many.factors.iter().zip(pattern) {
        assert!((f - truth).abs() < 0.03, "{:?}", many.factors);
    }
    let two = Seasonality::estimate(&long[..8], 4).expect("two seasons");
    // Two seasons give one full ratio per position: the effect is kept at half strength.
    assert!(
        two.factors[0] > 0.5 && two.factors[0] < 0.9,
        "{:?}",
        two.factors
    );
    assert!(Seasonality::estimate(&long[..7], 4).is_none());
}

#[test]
fn a_strict_two_week_rhythm_is_found_and_forecast_exactly() {
    let payroll: Vec<f64> = (0..60)
        .map(|t| if t % 2 == 0 { 0.0 } else { 7_143.0 })
        .collect();
    let s = select(&payroll, 52, 13);
    assert!(
        matches!(
            s.method,
            Method::CycleNaive { period: 2 } | Method::CycleSmoothing { period: 2 }
        ),
        "{:?}",
        s.method
    );
    for (k, v) in s.forecast.iter().enumerate() {
        let expected = if (60 + k) % 2 == 0 { 0.0 } else { 7_143.0 };
        assert!((v - expected).abs() < 1.0, "step {k}: {v}");
    }
}

#[test]
fn a_yearly_pattern_is_used_only_with_two_years() {
    let weekly = |weeks: usize| -> Vec<f64> {
        (0..weeks)
            .map(|t| {
                let angle =
                    std::f64::consts::TAU * f64::from(u32::try_from(t % 52).expect("small")) / 52.0;
                1_000.0 + 600.0 * angle.sin()
            })
            .collect()
    };
    let short = select(&weekly(100), 52, 13);
    assert!(!short.seasonal_candidates && !short.method.is_seasonal());
    let long = select(&weekly(156), 52, 13);
    assert!(long.seasonal_candidates);
    assert!(long.method.is_seasonal(), "{:?}", long.scores);
    let best = long.scores.first().expect("scored");
    assert!(best.wape.expect("moved") < 0.05, "{best:?}");
}

#[test]
fn an_intermittent_series_lets_croston_and_tsb_compete() {
    let y: Vec<f64> = (0..80)
        .map(|t| if t % 5 == 0 { 300.0 } else { 0.0 })
        .collect();
    let s = select(&y, 52, 13);
    assert!(s.intermittent);
    assert!(s.scores.iter().any(|m| m.method == Method::Croston));
    assert!(s.scores.iter().any(|m| m.method == Method::Tsb));
}

fn assert_sane(series: &[f64]) -> Result<(), TestCaseError> {
    for horizon in [1, 13] {
        let s = select(series, 52, horizon);
        prop_assert_eq!(s.forecast.len(), horizon);
        prop_assert!(s.forecast.iter().all(|v| v.is_finite()), "{:?}", s.forecast);
        let weight: f64 = s.blend.iter().map(|(_, w)| w).sum();
        prop_assert!(s.blend.is_empty() || (weight - 1.0).abs() < 1e-9);
        for (low, high) in band_offsets(&s.errors, horizon) {
            prop_assert!(low.is_finite() && high.is_finite());
            prop_assert!(low <= 0.0 && 0.0 <= high);
        }
    }
    Ok(())
}

#[test]
fn degenerate_series_give_finite_forecasts() {
    let huge = 9.2e18;
    for series in [
        vec![],
        vec![42.0],
        vec![0.0; 200],
        vec![-5_000.0; 160],
        vec![huge; 156],
        (0..156)
            .map(|t| if t % 2 == 0 { huge } else { -huge })
            .collect(),
    ] {
        assert_sane(&series).expect("sane");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_series_gives_finite_ordered_forecasts(
        series in prop::collection::vec(
            prop_oneof![Just(0.0), -1e6..1e6f64, Just(9.2e18), Just(-9.2e18)],
            0..160,
        ),
    ) {
        assert_sane(&series)?;
    }
}
