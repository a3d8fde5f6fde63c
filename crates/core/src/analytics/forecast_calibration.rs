//! The likely ranges of the whole forecast, from its own errors at past origins.
//!
//! At each origin of the baseline's cross-validation (a past week), the forecast is rebuilt as
//! it would have been made that day: the open invoices of that day, expected after each
//! customer's median lateness as known then; the bills open then; the recurring payments as
//! detected from the payments made by then; and the baseline streams' forecasts from that
//! origin. Its errors against what then happened, week by week, give the P10/P90 offsets at
//! each week ahead (errors added up week after week for the ending cash), and the share of
//! weeks inside the range built from the other origins' errors is the coverage reported.
//!
//! So a payment that came a week later than its customer's habit, a bill paid early, or a
//! rent that landed in the next week widens the range, as it does the actual error.
//! (Which counterparties are recurring is taken from today's detection; whether each looked
//! recurring on the origin's day, and when it was next due, from the payments made by then.)

use super::dates::add_days;
use super::forecast::HORIZON_WEEKS;
use super::forecast_baseline::{History, Stream};
use super::forecast_known::{KnownFlows, PaymentLags, baseline_week};
use super::forecast_methods::{band_offsets_between, pooled_errors};
use super::recurring::{PaymentRuns, RecurringItem};
use super::stats::{as_f64, quantile, saturate};
use crate::Books;
use chrono::NaiveDate;

/// The errors' quantiles taken as P10 and P90. Errors of the whole forecast at a year of past
/// origins, most of which played no part in choosing the methods, need no widening (the
/// baseline streams' own ranges use 5 % and 95 % of their in-sample errors).
const QUANTILES: (f64, f64) = (0.1, 0.9);

/// Errors (actual − forecast) `[origin][week ahead]`, oldest origin first; `None` past the end
/// of the history.
pub(crate) type ErrorRows = Vec<Vec<Option<f64>>>;

/// The whole forecast's errors at past origins, for money in, money out and net flow.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ProductErrors {
    pub inflow: ErrorRows,
    pub outflow: ErrorRows,
    pub net: ErrorRows,
}

/// `(low, high)` offsets per week ahead and how well the range held.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Calibration {
    pub inflow: Vec<(f64, f64)>,
    pub outflow: Vec<(f64, f64)>,
    pub net: Vec<(f64, f64)>,
    /// Offsets of the ending cash: the net errors added up week after week.
    pub cash: Vec<(f64, f64)>,
    /// Past origins the forecast was rebuilt at.
    pub origins: usize,
    /// Share of weekly net flows inside the range built from the other origins' errors, in
    /// basis points (`None` with fewer than two origins).
    pub coverage_bp: Option<i64>,
}

impl Calibration {
    /// Rebuilds the forecast at the baseline's cross-validation origins and measures it.
    /// `stream_errors` are the baseline streams' errors (in [`Stream::ALL`] order, newest
    /// origin last); `recurring` the items detected on `as_of`.
    pub(crate) fn measure(
        books: &Books,
        as_of: NaiveDate,
        history: &History,
        stream_errors: &[ErrorRows; 4],
        recurring: &[RecurringItem],
    ) -> Self {
        let ids: Vec<u32> = recurring.iter().map(|i| i.counterparty_id).collect();
        let runs = PaymentRuns::of(books, &ids, as_of);
        let errors = product_errors(history, stream_errors, |cut| {
            let items = runs.detect_at(books, cut);
            (
                KnownFlows::at(books, cut, 0, &items),
                PaymentLags::at(books, cut),
            )
        });
        Self::from_errors(&errors, HORIZON_WEEKS)
    }

    /// Offsets and coverage from the forecast's errors at past origins.
    pub(crate) fn from_errors(errors: &ProductErrors, horizon: usize) -> Self {
        let cash_rows: ErrorRows = errors.net.iter().map(|r| cumulative(r)).collect();
        let summed = band_offsets_between(&cash_rows, horizon, QUANTILES);
        let independent = independent_sums(&errors.net, horizon);
        let mut widest = (0.0f64, 0.0f64);
        let cash = summed
            .iter()
            .zip(independent.iter().map(Some).chain(std::iter::repeat(None)))
            .map(|(&(low, high), floor)| {
                let (floor_low, floor_high) = floor.copied().unwrap_or((low, high));
                widest = (
                    low.min(floor_low).min(widest.0),
                    high.max(floor_high).max(widest.1),
                );
                widest
            })
            .collect();
        Self {
            inflow: band_offsets_between(&errors.inflow, horizon, QUANTILES),
            outflow: band_offsets_between(&errors.outflow, horizon, QUANTILES),
            net: band_offsets_between(&errors.net, horizon, QUANTILES),
            cash,
            origins: errors.net.len(),
            coverage_bp: leave_one_out_coverage(&errors.net, horizon),
        }
    }
}

/// The cash range if each week's error were drawn apart from the others: the weeks' median
/// errors add up, and so do the squares of their distances to P10 and P90 (as variances do).
/// Overlapping 13-week windows of one year come from only about four separate quarters, too
/// few for the tails of their sums; this keeps the cash range from being narrower than that.
/// Stops at the first week ahead without errors.
fn independent_sums(rows: &[Vec<Option<f64>>], horizon: usize) -> Vec<(f64, f64)> {
    let (mut centre, mut low_square, mut high_square) = (0.0, 0.0, 0.0);
    let mut out = Vec::with_capacity(horizon);
    for k in 0..horizon {
        let errors = pooled_errors(rows, k);
        let (Some(median), Some(low), Some(high)) = (
            quantile(&errors, 0.5),
            quantile(&errors, QUANTILES.0),
            quantile(&errors, QUANTILES.1),
        ) else {
            break;
        };
        centre += median;
        low_square += (median - low).powi(2);
        high_square += (high - median).powi(2);
        out.push((centre - low_square.sqrt(), centre + high_square.sqrt()));
    }
    out
}

/// The forecast's errors at the origins every stream was cross-validated at (the newest ones).
/// `known_at(cut)` gives the known flows and payment lags as seen on an origin's last day.
pub(crate) fn product_errors(
    history: &History,
    stream_errors: &[ErrorRows; 4],
    known_at: impl Fn(NaiveDate) -> (KnownFlows, PaymentLags),
) -> ProductErrors {
    let n = history.totals[0].len();
    let origins = stream_errors.iter().map(Vec::len).min().unwrap_or(0).min(n);
    // Oldest-first index `i` of a newest-first series.
    let at = |series: &[f64], i: usize| series.get(n - 1 - i).copied().unwrap_or(0.0);
    let mut out = ProductErrors::default();
    for r in 0..origins {
        // The origin trains on weeks `..t`; its last day is the end of week `t - 1`.
        let t = n - origins + r;
        let weeks_back = i64::try_from(n - t).unwrap_or(i64::MAX / 8);
        let (known, lags) = known_at(add_days(history.as_of, -7 * weeks_back));
        let (mut inflow, mut outflow, mut net) = (vec![], vec![], vec![]);
        for k in 0..HORIZON_WEEKS {
            let i = t + k;
            let stream_forecasts: Option<Vec<f64>> = (i < n)
                .then(|| {
                    Stream::ALL
                        .iter()
                        .map(|&s| {
                            let rows = &stream_errors[s as usize];
                            let error = rows.get(rows.len() - origins + r)?.get(k).copied()??;
                            Some(at(&history.weeks[s as usize], i) - error)
                        })
                        .collect()
                })
                .flatten();
            let Some(values) = stream_forecasts else {
                inflow.push(None);
                outflow.push(None);
                net.push(None);
                continue;
            };
            let (base_in, base_out) = baseline_week(|s| values[s as usize], &lags, k, 0);
            let error_in =
                at(&history.totals[0], i) - (as_f64(saturate(known.inflow(k))) + base_in);
            let error_out =
                at(&history.totals[1], i) - (as_f64(saturate(known.outflow(k))) + base_out);
            inflow.push(Some(error_in));
            outflow.push(Some(error_out));
            net.push(Some(error_in + error_out));
        }
        out.inflow.push(inflow);
        out.outflow.push(outflow);
        out.net.push(net);
    }
    out
}

/// Running totals of a row of weekly errors: the error in cash after each week.
fn cumulative(row: &[Option<f64>]) -> Vec<Option<f64>> {
    let mut sum = Some(0.0);
    row.iter()
        .map(|e| {
            sum = sum.zip(*e).map(|(s, e)| s + e);
            sum
        })
        .collect()
}

/// Share of errors inside the range built from all other origins' errors, in basis points.
fn leave_one_out_coverage(rows: &[Vec<Option<f64>>], horizon: usize) -> Option<i64> {
    if rows.len() < 2 {
        return None;
    }
    let (mut inside, mut total) = (0u32, 0u32);
    for (i, row) in rows.iter().enumerate() {
        let others: ErrorRows = rows
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, r)| r.clone())
            .collect();
        let offsets = band_offsets_between(&others, horizon, QUANTILES);
        for (error, (low, high)) in row.iter().zip(&offsets) {
            if let Some(e) = error {
                total += 1;
                if *low <= *e && *e <= *high {
                    inside += 1;
                }
            }
        }
    }
    (total > 0).then(|| i64::from(inside) * 10_000 / i64::from(total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use std::cell::RefCell;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn ranges_and_coverage_come_from_the_errors() {
        let net: ErrorRows = vec![
            vec![Some(1.0), Some(2.0)],
            vec![Some(-1.0), Some(0.0)],
            vec![Some(3.0), None],
        ];
        let errors = ProductErrors {
            inflow: net.clone(),
            outflow: vec![vec![Some(-4.0), Some(-4.0)]; 3],
            net,
        };
        let c = Calibration::from_errors(&errors, 2);
        // Both steps pool {-1, 0, 1, 2, 3}: the 10th percentile is -0.6, the 90th 2.6.
        for (low, high) in &c.net {
            assert!(close(*low, -0.6) && close(*high, 2.6), "{:?}", c.net);
        }
        assert_eq!(c.inflow, c.net);
        // Errors all below zero: the range still holds the forecast itself.
        assert!(close(c.outflow[0].0, -4.0) && close(c.outflow[0].1, 0.0));
        // Cash errors {1, 3}, {-1, -1}, {3}: both steps pool all five, -1 to 3. Weekly
        // errors drawn apart (median 1, 1.6 to either end) give 1 ± 1.6 after one week and
        // 2 ± 1.6·√2 after two: the wider of the two ranges counts.
        assert!(
            close(c.cash[0].0, -1.0) && close(c.cash[0].1, 3.0),
            "{:?}",
            c.cash
        );
        assert!(close(c.cash[1].0, -1.0), "{:?}", c.cash);
        assert!(close(c.cash[1].1, 2.0 + 1.6 * 2f64.sqrt()), "{:?}", c.cash);
        assert_eq!(c.origins, 3);
        // Left out in turn: row 0 (range -0.8..2.4) holds 1 and 2; row 1 (0..2.8) holds 0
        // but not -1; row 2 (-0.7..1.7) misses 3. Three of five.
        assert_eq!(c.coverage_bp, Some(6_000));
    }

    fn error() -> impl proptest::strategy::Strategy<Value = Option<f64>> {
        use proptest::prelude::*;
        prop_oneof![
            Just(None),
            Just(Some(f64::NAN)),
            Just(Some(f64::INFINITY)),
            Just(Some(9.2e18)),
            Just(Some(-9.2e18)),
            (-1e6f64..1e6).prop_map(Some),
        ]
    }

    proptest::proptest! {
        #[test]
        fn ranges_hold_the_forecast_widen_and_are_never_nan(
            rows in proptest::collection::vec(proptest::collection::vec(error(), 13), 0..30),
        ) {
            let errors = ProductErrors { inflow: rows.clone(), outflow: rows.clone(), net: rows };
            let c = Calibration::from_errors(&errors, HORIZON_WEEKS);
            for offsets in [&c.inflow, &c.outflow, &c.net, &c.cash] {
                proptest::prop_assert_eq!(offsets.len(), HORIZON_WEEKS);
                let mut previous = (0.0, 0.0);
                for &(low, high) in offsets {
                    proptest::prop_assert!(!low.is_nan() && !high.is_nan());
                    proptest::prop_assert!(low <= 0.0 && 0.0 <= high);
                    proptest::prop_assert!(low <= previous.0 && high >= previous.1);
                    previous = (low, high);
                }
            }
            proptest::prop_assert!(c.coverage_bp.is_none_or(|bp| (0..=10_000).contains(&bp)));
        }
    }

    #[test]
    fn one_origin_gives_no_coverage_and_none_gives_no_range() {
        let one = ProductErrors {
            inflow: vec![vec![Some(5.0)]],
            outflow: vec![vec![Some(-5.0)]],
            net: vec![vec![Some(0.0)]],
        };
        assert_eq!(Calibration::from_errors(&one, 1).coverage_bp, None);
        let none = Calibration::from_errors(&ProductErrors::default(), 3);
        assert_eq!(none.net, vec![(0.0, 0.0); 3]);
        assert_eq!(none.cash, vec![(0.0, 0.0); 3]);
        assert_eq!((none.origins, none.coverage_bp), (0, None));
    }

    #[test]
    fn the_whole_forecast_is_rebuilt_at_each_origin() {
        let as_of = d(2026, 1, 14);
        let history = History {
            as_of,
            // Newest week first: the week ending on `as_of`, then the one before.
            weeks: [
                vec![500.0, 400.0],
                vec![-200.0, -100.0],
                vec![0.0, 0.0],
                vec![0.0, 0.0],
            ],
            totals: [vec![900.0, 400.0], vec![-450.0, -100.0]],
            raw_weeks: 2,
        };
        let row = |e: f64| {
            let mut r = vec![None; HORIZON_WEEKS];
            r[0] = Some(e);
            r
        };
        // Other inflows were cross-validated at one more, older origin: rows align on the
        // newest.
        let stream_errors = [
            vec![row(9_999.0), row(100.0)],
            vec![row(-50.0)],
            vec![row(0.0)],
            vec![row(0.0)],
        ];
        let cuts = RefCell::new(Vec::new());
        let errors = product_errors(&history, &stream_errors, |cut| {
            cuts.borrow_mut().push(cut);
            let mut known = KnownFlows::default();
            known.invoices[0] = 300;
            known.recurring[0] = -250;
            known.bills[0] = 25;
            (known, PaymentLags::at(&Books::new(Currency::EUR), cut))
        });
        assert_eq!(cuts.into_inner(), vec![d(2026, 1, 7)]);
        assert_eq!(errors.net.len(), 1);
        // Baseline from that origin: 500 - 100 in, -200 + 50 out; known: 300 in,
        // -250 - 25 out. Actual: 900 in, -450 out.
        assert_eq!(errors.inflow[0][0], Some(900.0 - (300.0 + 400.0)));
        assert_eq!(errors.outflow[0][0], Some(-450.0 - (-275.0 - 150.0)));
        assert_eq!(errors.net[0][0], Some(200.0 - 25.0));
        assert!(
            errors.net[0][1..].iter().all(Option::is_none),
            "past the history"
        );
    }
}
