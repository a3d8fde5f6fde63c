//! Precision and recall of the anomalies and recurring reports against the planted truth.

use crate::books_for;
use flowsense_core::analytics::dates::default_as_of;
use flowsense_core::analytics::{Anomaly, AnomalyKind, RecurringItem, anomalies, recurring};
use flowsense_synth::{GeneratedBooks, Profile, to_books};
use std::fmt::Write as _;
use std::io::Write as _;

const SEEDS: std::ops::RangeInclusive<u64> = 1..=5;
const SIZES: [usize; 3] = [5_000, 10_000, 50_000];
/// Anomalies the generator did not plant that one book may show.
const MAX_FALSE_ANOMALIES: usize = 3;
/// Share of the planted recurring series the engine must find.
const MIN_RECURRING_RECALL: f64 = 0.9;

/// How one book scored.
#[derive(Debug, Default, Clone)]
struct Score {
    planted: usize,
    planted_found: usize,
    anomalies_reported: usize,
    false_anomalies: usize,
    series: usize,
    series_found: usize,
    recurring_reported: usize,
    price_found: bool,
    false_price_changes: usize,
    /// Human-readable misses and false positives.
    notes: Vec<String>,
}

fn row_id(b: &GeneratedBooks, reference: &str) -> i64 {
    let index = b
        .transactions
        .iter()
        .position(|t| t.reference == reference)
        .expect("the planted reference exists");
    i64::try_from(index + 1).expect("small")
}

fn cadence_name(c: flowsense_synth::Cadence) -> &'static str {
    match c {
        flowsense_synth::Cadence::Weekly => "weekly",
        flowsense_synth::Cadence::Biweekly => "biweekly",
        flowsense_synth::Cadence::Monthly => "monthly",
        flowsense_synth::Cadence::Quarterly => "quarterly",
        flowsense_synth::Cadence::Yearly => "yearly",
    }
}

fn score(b: &GeneratedBooks) -> Score {
    let books = to_books(b);
    let as_of = default_as_of(&books).expect("books with transactions");
    let found = anomalies(&books, None, as_of).anomalies;
    let items = recurring(&books, as_of).items;
    let mut s = Score::default();
    score_anomalies(b, &found, &mut s);
    score_recurring(b, &items, &mut s);
    s
}

fn score_anomalies(b: &GeneratedBooks, found: &[Anomaly], s: &mut Score) {
    let truth = &b.truth;
    let duplicate = row_id(b, &truth.duplicate_payment.second_reference);
    let large = row_id(b, &truth.large_purchase.reference);
    type Matcher<'a> = Box<dyn Fn(&Anomaly) -> bool + 'a>;
    let mut planted: Vec<(&str, Matcher)> = vec![
        (
            "duplicate payment",
            Box::new(move |a: &Anomaly| {
                a.kind == AnomalyKind::DuplicatePayment && a.evidence.txn_ids.contains(&duplicate)
            }),
        ),
        (
            "large new counterparty",
            Box::new(move |a: &Anomaly| {
                a.kind == AnomalyKind::LargeNewCounterparty && a.evidence.txn_ids.contains(&large)
            }),
        ),
    ];
    if let Some(month) = &truth.abnormal_month {
        planted.push((
            "category spike",
            Box::new(move |a: &Anomaly| {
                a.kind == AnomalyKind::CategorySpike
                    && a.date == month.month
                    && a.category.as_deref() == Some(month.category.as_str())
            }),
        ));
    }
    s.planted = planted.len();
    s.anomalies_reported = found.len();
    let mut used = vec![false; found.len()];
    for (name, matches) in &planted {
        match (0..found.len()).find(|&i| !used[i] && matches(&found[i])) {
            Some(i) => {
                used[i] = true;
                s.planted_found += 1;
            }
            None => s.notes.push(format!("MISSED anomaly: {name}")),
        }
    }
    for (a, _) in found.iter().zip(&used).filter(|(_, used)| !**used) {
        s.false_anomalies += 1;
        s.notes
            .push(format!("FALSE anomaly {}: {}", a.kind.as_str(), a.title));
    }
}

fn score_recurring(b: &GeneratedBooks, items: &[RecurringItem], s: &mut Score) {
    let truth = &b.truth;
    s.series = truth.recurring.len();
    s.recurring_reported = items.len();
    for series in &truth.recurring {
        let hit = items.iter().any(|i| {
            i.counterparty == series.counterparty
                && i.cadence.as_str() == cadence_name(series.cadence)
        });
        if hit {
            s.series_found += 1;
        } else {
            s.notes.push(format!(
                "MISSED recurring: {} {} ({})",
                cadence_name(series.cadence),
                series.counterparty,
                series.category
            ));
        }
    }
    for i in items {
        if !truth
            .recurring
            .iter()
            .any(|r| r.counterparty == i.counterparty)
        {
            s.notes.push(format!(
                "FALSE recurring: {} {} ({}, {} payments)",
                i.cadence.as_str(),
                i.counterparty,
                i.category,
                i.occurrences
            ));
        }
    }
    let p = &truth.price_increase;
    for i in items {
        let Some(change) = &i.price_change else {
            continue;
        };
        let is_planted = i.counterparty == p.counterparty
            && change.old_amount == p.old_amount_minor
            && change.new_amount == p.new_amount_minor
            && change.since == p.date
            && (1_100..=1_300).contains(&change.change_bp);
        if is_planted {
            s.price_found = true;
        } else {
            s.false_price_changes += 1;
            s.notes.push(format!(
                "FALSE price change: {} {} bp since {}",
                i.counterparty, change.change_bp, change.since
            ));
        }
    }
    if !s.price_found {
        s.notes
            .push(format!("MISSED price change: {}", p.counterparty));
    }
}

#[expect(clippy::cast_precision_loss, reason = "a ratio of small counts")]
fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

#[test]
fn the_engine_finds_what_was_planted_and_little_else() {
    #[expect(
        clippy::disallowed_methods,
        reason = "a switch for reading this test's misses, not configuration"
    )]
    let show = std::env::var_os("FLOWSENSE_SHOW_MISSES").is_some();
    let mut table = String::from(
        "profile         size   seed | anomalies P    R    FP | recurring P    R    | price P    R\n",
    );
    let mut failures = Vec::new();
    for profile in Profile::ALL {
        for size in SIZES {
            for seed in SEEDS {
                let b = books_for(profile, seed, size);
                let s = score(&b);
                let anomaly_precision = ratio(s.planted_found, s.anomalies_reported);
                let anomaly_recall = ratio(s.planted_found, s.planted);
                let recurring_precision = ratio(
                    s.recurring_reported - recurring_false(&s),
                    s.recurring_reported,
                );
                let recurring_recall = ratio(s.series_found, s.series);
                let price_precision = ratio(
                    usize::from(s.price_found),
                    usize::from(s.price_found) + s.false_price_changes,
                );
                let price_recall = if s.price_found { 1.0 } else { 0.0 };
                let _ = writeln!(
                    table,
                    "{:<15} {size:>6} {seed:>4} |           {anomaly_precision:.2} {anomaly_recall:.2} {:>2} |           {recurring_precision:.2} {recurring_recall:.2} |       {price_precision:.2} {price_recall:.2}",
                    profile.to_string(),
                    s.false_anomalies,
                );
                let label = format!("{profile} {size} seed {seed}");
                if show {
                    for note in &s.notes {
                        let _ = writeln!(table, "    {note}");
                    }
                }
                if anomaly_recall < 1.0
                    || s.false_anomalies > MAX_FALSE_ANOMALIES
                    || recurring_recall < MIN_RECURRING_RECALL
                    || !s.price_found
                {
                    let notes: Vec<&String> = s
                        .notes
                        .iter()
                        .filter(|n| !n.starts_with("FALSE recurring"))
                        .take(6)
                        .collect();
                    failures.push(format!("{label}: {notes:?}"));
                }
            }
        }
    }
    // Straight to stderr so it shows with --nocapture and when the test fails.
    let _ = write!(std::io::stderr(), "{table}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn recurring_false(s: &Score) -> usize {
    s.notes
        .iter()
        .filter(|n| n.starts_with("FALSE recurring"))
        .count()
}
