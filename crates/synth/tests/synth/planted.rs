//! Everything listed in the truth is in the data, and nothing else looks like it, for every
//! business profile.

use crate::each_profile;
use flowsense_core::books::TRANSFER_CATEGORY;
use flowsense_synth::{Cadence, DocKind, GenTxn, GeneratedBooks};
use std::collections::HashMap;

fn by_reference<'a>(b: &'a GeneratedBooks, reference: &str) -> &'a GenTxn {
    b.transactions
        .iter()
        .find(|t| t.reference == reference)
        .expect("the reference exists")
}

/// Pairs of ordinary lines with the same counterparty and amount at most three days apart.
fn near_duplicate_pairs(b: &GeneratedBooks) -> Vec<(String, String)> {
    let mut last: HashMap<(&str, i64), (chrono::NaiveDate, &str)> = HashMap::new();
    let mut pairs = Vec::new();
    for t in b
        .transactions
        .iter()
        .filter(|t| &*t.category != TRANSFER_CATEGORY)
    {
        let key = (&*t.counterparty, t.amount_minor);
        if let Some(&(date, reference)) = last.get(&key)
            && (t.date - date).num_days() <= 3
        {
            pairs.push((reference.to_owned(), t.reference.clone()));
        }
        last.insert(key, (t.date, &t.reference));
    }
    pairs
}

#[test]
fn exactly_one_duplicate_payment() {
    for (seed, n) in [(1, 5_000), (2, 10_000), (3, 80_000)] {
        each_profile(seed, n, |b| {
            let dup = &b.truth.duplicate_payment;
            let pairs = near_duplicate_pairs(b);
            assert_eq!(
                pairs,
                vec![(dup.first_reference.clone(), dup.second_reference.clone())],
                "seed {seed}"
            );
            let (first, second) = (
                by_reference(b, &dup.first_reference),
                by_reference(b, &dup.second_reference),
            );
            assert_eq!(
                (&*first.counterparty, first.amount_minor),
                (&*second.counterparty, second.amount_minor)
            );
            assert_eq!((first.date, second.date), (dup.first_date, dup.second_date));
            assert!((1..=3).contains(&(second.date - first.date).num_days()));
            assert!(first.amount_minor < 0 && first.amount_minor == dup.amount_minor);
        });
    }
}

#[test]
fn one_large_one_off_purchase() {
    each_profile(11, 10_000, |b| {
        let big = &b.truth.large_purchase;
        let t = by_reference(b, &big.reference);
        assert_eq!(
            (&*t.counterparty, t.amount_minor, t.date),
            (big.counterparty.as_str(), big.amount_minor, big.date)
        );
        assert_eq!(
            b.transactions
                .iter()
                .filter(|u| *u.counterparty == *t.counterparty)
                .count(),
            1
        );
        let other_max = b
            .transactions
            .iter()
            .filter(|u| u.reference != t.reference && *u.category == *t.category)
            .map(|u| u.amount_minor.abs())
            .max()
            .unwrap_or(0);
        assert!(t.amount_minor.abs() >= 10 * other_max);
    });
}

#[test]
fn subscription_price_increase() {
    each_profile(12, 10_000, |b| {
        let p = &b.truth.price_increase;
        let charges: Vec<&GenTxn> = b
            .transactions
            .iter()
            .filter(|t| *t.counterparty == *p.counterparty)
            .collect();
        assert!(charges.len() >= 12);
        for t in &charges {
            let expected = if t.date < p.date {
                p.old_amount_minor
            } else {
                p.new_amount_minor
            };
            assert_eq!(t.amount_minor, expected, "{t:?}");
        }
        assert!(charges.iter().any(|t| t.date == p.date));
        #[expect(
            clippy::cast_precision_loss,
            reason = "prices of a few hundred dollars, exact in f64"
        )]
        let ratio = p.new_amount_minor as f64 / p.old_amount_minor as f64;
        assert!((1.08..1.16).contains(&ratio), "ratio {ratio}");
    });
}

#[test]
fn recurring_series_are_in_the_data() {
    each_profile(13, 10_000, |b| {
        let cadences: Vec<Cadence> = b.truth.recurring.iter().map(|s| s.cadence).collect();
        for c in [
            Cadence::Weekly,
            Cadence::Biweekly,
            Cadence::Monthly,
            Cadence::Quarterly,
            Cadence::Yearly,
        ] {
            assert!(cadences.contains(&c), "no {c:?} series");
        }
        for s in &b.truth.recurring {
            let lines: Vec<&GenTxn> = b
                .transactions
                .iter()
                .filter(|t| *t.counterparty == *s.counterparty)
                .collect();
            assert_eq!(lines.len(), s.occurrences as usize, "{}", s.counterparty);
            assert_eq!(
                (lines[0].date, lines[0].amount_minor),
                (s.first_date, s.amount_minor)
            );
            assert!(
                lines
                    .iter()
                    .all(|t| *t.category == *s.category && *t.account == *s.account)
            );
            if s.fixed_amount && s.counterparty != b.truth.price_increase.counterparty {
                assert!(
                    lines.iter().all(|t| t.amount_minor == s.amount_minor),
                    "{}",
                    s.counterparty
                );
            }
            let (lo, hi) = match s.cadence {
                Cadence::Weekly => (7, 7),
                Cadence::Biweekly => (14, 14),
                Cadence::Monthly => (28, 31),
                Cadence::Quarterly => (89, 92),
                Cadence::Yearly => (365, 366),
            };
            for w in lines.windows(2) {
                let gap = (w[1].date - w[0].date).num_days();
                assert!((lo..=hi).contains(&gap), "{} gap {gap}", s.counterparty);
            }
        }
        let payroll = b
            .truth
            .recurring
            .iter()
            .find(|s| s.category == "Payroll")
            .expect("payroll");
        assert_eq!(payroll.cadence, Cadence::Biweekly);
        let rent = b
            .truth
            .recurring
            .iter()
            .find(|s| s.category == "Rent")
            .expect("rent");
        assert!(
            b.transactions
                .iter()
                .filter(|t| *t.counterparty == *rent.counterparty)
                .all(|t| chrono::Datelike::day(&t.date) == 1)
        );
    });
}

#[test]
fn late_payers_pay_late_and_others_do_not() {
    each_profile(14, 20_000, |b| {
        assert!(b.truth.late_payers.len() >= 2);
        let mut lateness: HashMap<&str, Vec<i64>> = HashMap::new();
        for d in b.documents.iter().filter(|d| d.kind == DocKind::Invoice) {
            if let Some(p) = d.paid_date {
                lateness
                    .entry(&d.counterparty)
                    .or_default()
                    .push((p - d.due_date).num_days());
            }
        }
        #[expect(clippy::cast_precision_loss, reason = "a mean of a few day counts")]
        let mean = |v: &Vec<i64>| v.iter().sum::<i64>() as f64 / v.len() as f64;
        for late in &b.truth.late_payers {
            let m = mean(&lateness[late.name.as_str()]);
            assert!(
                (m - f64::from(late.typical_days_late)).abs() <= 5.0,
                "{} mean {m}",
                late.name
            );
        }
        for (name, v) in &lateness {
            if !b.truth.late_payers.iter().any(|l| l.name == *name) {
                assert!(mean(v) < 3.0, "{name} is late but not in the truth");
            }
        }
    });
}

#[test]
fn abnormal_month_stands_out() {
    each_profile(15, 10_000, |b| {
        let a = b.truth.abnormal_month.as_ref().expect("planted");
        assert!(a.actual_minor >= 3 * a.usual_minor, "{a:?}");
        let actual: i64 = b
            .transactions
            .iter()
            .filter(|t| {
                *t.category == *a.category
                    && t.date >= a.month
                    && t.date < a.month + chrono::Months::new(1)
            })
            .map(|t| -t.amount_minor)
            .sum();
        assert_eq!(actual, a.actual_minor);
    });
}
