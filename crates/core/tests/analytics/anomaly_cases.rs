use super::books_builder::{Builder, d};
use super::synthetic::seasonal_books;
use chrono::{Days, Months};
use flowsense_core::analytics::{AnomalyKind, Severity, anomalies};

/// A background of ordinary, irregular spending so the business has a typical payment size.
fn background() -> Builder {
    let mut b = Builder::new();
    for n in 0..300u64 {
        let amount = -(5_000 + i64::try_from(n * 37 % 4_000).expect("small"));
        b.txn(
            d(2024, 1, 1) + Days::new(n),
            amount,
            "Supplies",
            ["A", "B", "C", "D"][(n % 4) as usize],
        );
    }
    b
}

#[test]
fn flags_an_amount_far_outside_the_counterparty_history() {
    let mut b = background();
    for (n, amount) in [
        -20_000, -21_000, -19_500, -20_500, -20_100, -19_900, -20_300,
    ]
    .into_iter()
    .enumerate()
    {
        b.txn(
            d(2024, 2, 3) + Days::new(9 * n as u64),
            amount,
            "Repairs",
            "Fixit",
        );
    }
    let odd = b.txn(d(2024, 6, 1), -150_000, "Repairs", "Fixit");
    let report = anomalies(&b.books, None, d(2024, 10, 26));
    let found: Vec<_> = report
        .anomalies
        .iter()
        .filter(|a| a.kind == AnomalyKind::AmountOutlier)
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].evidence.txn_ids, vec![odd]);
    assert_eq!(found[0].severity, Severity::High);
    assert!(found[0].title.contains("Fixit"));
    assert_eq!(found[0].evidence.figures[0].amount, -150_000);
}

#[test]
fn too_little_history_is_not_judged() {
    let mut b = background();
    for n in 0..3u64 {
        b.txn(
            d(2024, 2, 3) + Days::new(9 * n),
            -20_000,
            "Repairs",
            "Fixit",
        );
    }
    b.txn(d(2024, 6, 1), -150_000, "Repairs", "Fixit");
    let report = anomalies(&b.books, None, d(2024, 10, 26));
    assert!(
        report
            .anomalies
            .iter()
            .all(|a| a.kind != AnomalyKind::AmountOutlier)
    );
}

#[test]
fn flags_one_duplicate_payment_but_not_a_habit() {
    let mut b = background();
    let first = b.txn(d(2024, 5, 10), -77_700, "Supplies", "Beans Co");
    let second = b.txn(d(2024, 5, 12), -77_700, "Supplies", "Beans Co");
    for n in 0..4u64 {
        // A café buys the same tray every other day: habit, not a duplicate.
        b.txn(
            d(2024, 3, 1) + Days::new(2 * n),
            -1_250,
            "Supplies",
            "Bakery",
        );
    }
    let report = anomalies(&b.books, None, d(2024, 10, 26));
    let dups: Vec<_> = report
        .anomalies
        .iter()
        .filter(|a| a.kind == AnomalyKind::DuplicatePayment)
        .collect();
    assert_eq!(dups.len(), 1, "{dups:?}");
    assert_eq!(dups[0].evidence.txn_ids, vec![first, second]);
    assert_eq!(dups[0].counterparty.as_deref(), Some("Beans Co"));
}

#[test]
fn flags_a_new_counterparty_with_a_large_first_payment() {
    let mut b = background();
    let big = b.txn(d(2024, 8, 1), -900_000, "Equipment", "Big Oven Ltd");
    b.txn(d(2024, 8, 2), -6_000, "Supplies", "Small New Shop");
    let report = anomalies(&b.books, None, d(2024, 10, 26));
    let found: Vec<_> = report
        .anomalies
        .iter()
        .filter(|a| a.kind == AnomalyKind::LargeNewCounterparty)
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].evidence.txn_ids, vec![big]);
    assert_eq!(found[0].severity, Severity::High);
}

#[test]
fn flags_a_category_month_far_above_its_median() {
    let mut b = background();
    for m in 0..9u32 {
        let month = d(2024, 1, 1) + Months::new(m);
        let runs = if m == 7 { 6 } else { 2 };
        for r in 0..runs {
            b.txn(
                month + Days::new(1 + 4 * r + u64::from(m % 3)),
                -40_000 - i64::from(m) * 100,
                "Marketing",
                "Printer",
            );
        }
    }
    let report = anomalies(&b.books, None, d(2024, 10, 26));
    let spikes: Vec<_> = report
        .anomalies
        .iter()
        .filter(|a| a.kind == AnomalyKind::CategorySpike)
        .collect();
    assert_eq!(spikes.len(), 1, "{spikes:?}");
    assert_eq!(spikes[0].date, d(2024, 8, 1));
    assert_eq!(spikes[0].category.as_deref(), Some("Marketing"));
    assert_eq!(spikes[0].evidence.txn_ids.len(), 3);
}

#[test]
fn finds_exactly_the_planted_oddities() {
    for seed in 1..=6 {
        let (books, planted) = seasonal_books(seed);
        let report = anomalies(&books, None, d(2025, 6, 30));
        let kinds: Vec<(AnomalyKind, Vec<i64>)> = report
            .anomalies
            .iter()
            .map(|a| (a.kind, a.evidence.txn_ids.clone()))
            .collect();
        assert_eq!(report.anomalies.len(), 4, "seed {seed}: {kinds:?}");
        let has = |kind: AnomalyKind, id: i64| {
            kinds.iter().any(|(k, ids)| *k == kind && ids.contains(&id))
        };
        assert!(
            has(AnomalyKind::DuplicatePayment, planted.duplicate.1),
            "seed {seed}"
        );
        assert!(
            has(AnomalyKind::LargeNewCounterparty, planted.one_off),
            "seed {seed}"
        );
        assert!(
            has(AnomalyKind::AmountOutlier, planted.utility_outlier),
            "seed {seed}"
        );
        let spike = report
            .anomalies
            .iter()
            .find(|a| a.kind == AnomalyKind::CategorySpike);
        assert_eq!(
            spike.map(|a| a.date),
            Some(planted.marketing_spike_month),
            "seed {seed}"
        );
    }
}
