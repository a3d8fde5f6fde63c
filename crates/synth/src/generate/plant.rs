//! The planted oddities the analytics must find: one large one-off purchase and one payment
//! made twice.

use super::{CHECKING, Draft, Gen, NO_DOC, cents, on_weekday};
use crate::categories::cat;
use crate::names::Trade;
use chrono::Days;
use rand::Rng;
use std::sync::Arc;

const STREAM: u64 = 5;

/// Equipment (a roasting line, a scanner) bought from a supplier never seen before: at least
/// ten times any other equipment purchase and about 60% of a month's revenue.
pub(super) fn large_purchase(g: &mut Gen) {
    let mut rng = g.rng(STREAM);
    let plan = g.plan.clone();
    let date = on_weekday(plan.day(plan.days * 11 / 20));
    let biggest_other = g
        .drafts
        .iter()
        .filter(|d| d.cat == cat::Equipment)
        .map(|d| d.amount.abs())
        .max()
        .unwrap_or(0);
    let amount = cents((plan.revenue * 0.6 / 10_000.0).round() * 10_000.0).max(10 * biggest_other);
    let amount = (amount / 5_000 + 1) * 5_000;
    let (who, desc) = g.spec.large_purchase;
    let vendor = g.names.who(&mut rng, who, 0);
    let desc: Arc<str> = Arc::from(desc);
    let seq = g.push(date, CHECKING, -amount, vendor, cat::Equipment, &desc);
    g.last_draft().planted = true;
    g.plants.large_purchase = Some(seq);
}

/// Pays one ordinary checking payment a second time 1–3 days later, choosing one whose
/// copy would not sit next to another equal payment.
pub(super) fn duplicate_payment(g: &mut Gen) {
    let mut rng = g.rng(STREAM + 100);
    let plan = g.plan.clone();
    let eligible = |d: &Draft| {
        d.account == CHECKING
            && d.amount < 0
            && !d.planted
            && d.doc == NO_DOC
            && matches!(d.cat, c if c == cat::Repairs || c == cat::Contractors || c == cat::Maintenance || c == cat::Legal)
    };
    let from = plan.day(plan.days / 4);
    let to = plan.day(plan.days * 3 / 4);
    let candidates: Vec<usize> = (0..g.drafts.len())
        .filter(|&i| eligible(&g.drafts[i]) && g.drafts[i].date >= from && g.drafts[i].date < to)
        .collect();
    for _ in 0..64 {
        let Some(&i) = candidates.get(rng.random_range(0..candidates.len().max(1))) else {
            break;
        };
        let original = g.drafts[i].clone();
        let copy_date = original.date + Days::new(rng.random_range(1..=3));
        let clash = g.drafts.iter().enumerate().any(|(j, d)| {
            j != i
                && d.cp == original.cp
                && d.amount == original.amount
                && (d.date - copy_date).num_days().abs() <= 3
        });
        if clash {
            continue;
        }
        g.drafts[i].planted = true;
        let seq = g.push(
            copy_date,
            CHECKING,
            original.amount,
            original.cp,
            original.cat,
            &original.desc,
        );
        g.last_draft().planted = true;
        g.plants.duplicate = Some((original.seq, seq));
        return;
    }
    // Fallback (tiny books): plant a fresh pair.
    let date = on_weekday(plan.day(plan.days / 2));
    let vendor = g.names.business(&mut rng, Trade::Repair);
    let desc: Arc<str> = Arc::from("Repair work");
    let amount = -cents(plan.revenue * 0.02).max(1_000);
    let a = g.push(date, CHECKING, amount, vendor, cat::Repairs, &desc);
    g.last_draft().planted = true;
    let b = g.push(
        date + Days::new(2),
        CHECKING,
        amount,
        vendor,
        cat::Repairs,
        &desc,
    );
    g.last_draft().planted = true;
    g.plants.duplicate = Some((a, b));
}
