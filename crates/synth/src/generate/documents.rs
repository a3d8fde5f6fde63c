//! Invoices (some customers pay late by habit) and supplier bills, with the bank lines that
//! settle them. Who is invoiced and who bills us comes from the profile.

use super::{CHECKING, DocDraft, Gen, cents, is_weekday, trend};
use crate::categories::Cat;
use crate::model::DocKind;
use chrono::{Days, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;

const STREAM: u64 = 3;

struct Customer {
    cp: u32,
    size: f64,
    terms: u64,
    /// Typical days after the due date; 0 for a customer who pays on time.
    days_late: u32,
}

struct Supplier {
    cp: u32,
    cat: Cat,
    prefix: String,
    terms: u64,
}

pub(super) fn generate(g: &mut Gen) {
    let mut rng = g.rng(STREAM);
    invoices(g, &mut rng);
    bills(g, &mut rng);
}

#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "synthetic counts and amounts drawn from small, bounded f64 values"
)]
fn count_for(rng: &mut ChaCha8Rng, lambda: f64) -> u32 {
    (lambda * rng.random_range(0.7..1.3) + rng.random::<f64>()) as u32
}

fn invoices(g: &mut Gen, rng: &mut ChaCha8Rng) {
    let plan = g.plan.clone();
    let spec = g.spec;
    let inv = &spec.invoices;
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "synthetic counts and amounts drawn from small, bounded f64 values"
    )]
    let n = inv
        .customers
        .count((12.0 * plan.scale.sqrt()).max(6.0) as usize);
    let customers: Vec<Customer> = (0..n)
        .map(|i| {
            let roll: f64 = rng.random();
            // The first two customers are always late payers, so the truth is never empty.
            let days_late = if i == 0 || (i > 1 && roll < inv.late_odds.0) {
                rng.random_range(30..=55)
            } else if i == 1 || roll < inv.late_odds.1 {
                rng.random_range(10..=25)
            } else {
                0
            };
            Customer {
                cp: g.names.who(rng, inv.customers, i),
                size: rng.random_range(0.5..1.5),
                terms: if rng.random_bool(0.7) { 30 } else { 15 },
                days_late,
            }
        })
        .collect();
    let per_weekday = plan.invoices_per_month * 12.0 / (365.25 * 5.0 / 7.0);
    let mean_amount = plan.share(1.0 - plan.retail_share) / plan.invoices_per_month;
    let mut paid_by = vec![false; n];
    let mut number = 0u32;
    for i in 0..plan.days {
        let date = plan.day(i);
        if !is_weekday(date) {
            continue;
        }
        let mf = spec.month_factor(date) * trend(&plan, date) * plan.sales_kept(date);
        for _ in 0..count_for(rng, per_weekday * mf) {
            let k = rng.random_range(0..n);
            let c = &customers[k];
            number += 1;
            let amount = cents(mean_amount * c.size * rng.random_range(0.6..1.4));
            let due = date + Days::new(c.terms);
            let jitter: i64 = if c.days_late == 0 {
                rng.random_range(-6..=2)
            } else {
                rng.random_range(-4..=4)
            };
            let paid = due
                .checked_add_signed(chrono::TimeDelta::days(i64::from(c.days_late) + jitter))
                .map(|p| p.max(date + Days::new(1)))
                .filter(|p| *p < plan.end && !rng.random_bool(0.02));
            let num = format!("{}-{number:05}", inv.prefix);
            let desc: Arc<str> = Arc::from(format!("{} {num}", inv.desc));
            let doc = add_doc(g, DocKind::Invoice, num, c.cp, (date, due, paid), amount);
            if let Some(p) = paid {
                g.push(p, CHECKING, amount, c.cp, inv.category, &desc);
                g.last_draft().doc = doc;
                paid_by[k] = true;
            }
        }
    }
    for (c, paid) in customers.iter().zip(paid_by) {
        if c.days_late > 0 && paid {
            g.plants.late_payers.push((c.cp, c.days_late));
        }
    }
}

fn bills(g: &mut Gen, rng: &mut ChaCha8Rng) {
    let plan = g.plan.clone();
    let spec = g.spec;
    let root = plan.scale.sqrt();
    let mut suppliers = Vec::new();
    let kinds = &spec.bills;
    for (kind, k) in kinds.iter().enumerate() {
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "synthetic counts and amounts drawn from small, bounded f64 values"
        )]
        let count = k.who.count((k.suppliers * root).ceil() as usize);
        for i in 0..count {
            let cp = g.names.who(rng, k.who, i);
            let prefix: String = g
                .names
                .name(cp)
                .chars()
                .filter(char::is_ascii_alphabetic)
                .take(3)
                .collect();
            suppliers.push((
                kind,
                Supplier {
                    cp,
                    cat: k.category,
                    prefix: prefix.to_ascii_uppercase(),
                    terms: k.terms,
                },
            ));
        }
    }
    let per_weekday = plan.bills_per_month * 12.0 / (365.25 * 5.0 / 7.0);
    let mut number = 10_000u32;
    for i in 0..plan.days {
        let date = plan.day(i);
        if !is_weekday(date) {
            continue;
        }
        // Stock is bought ahead of the season it sells in.
        let ahead = spec.month_factor(date + Days::new(45)) * trend(&plan, date);
        for _ in 0..count_for(rng, per_weekday) {
            let roll: f64 = rng.random();
            let kind = if roll < kinds[0].count_share {
                0
            } else if roll < kinds[0].count_share + kinds[1].count_share {
                1
            } else {
                2
            };
            let k = &kinds[kind];
            let mean = plan.share(k.revenue_share) / (plan.bills_per_month * k.count_share);
            let of_kind: Vec<&Supplier> = suppliers
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, s)| s)
                .collect();
            let s = of_kind[rng.random_range(0..of_kind.len())];
            number += rng.random_range(1..40);
            let amount = cents(mean * ahead * rng.random_range(0.6..1.4));
            let due = date + Days::new(s.terms);
            let paid = (due - Days::new(rng.random_range(0..=3))).max(date);
            let paid = (paid < plan.end).then_some(paid);
            let num = format!("{}-{number}", s.prefix);
            let desc: Arc<str> = Arc::from(format!("Payment of bill {num}"));
            let doc = add_doc(g, DocKind::Bill, num, s.cp, (date, due, paid), amount);
            if let Some(p) = paid {
                g.push(p, CHECKING, -amount, s.cp, s.cat, &desc);
                g.last_draft().doc = doc;
            }
        }
    }
}

fn add_doc(
    g: &mut Gen,
    kind: DocKind,
    number: String,
    cp: u32,
    (issue, due, paid): (NaiveDate, NaiveDate, Option<NaiveDate>),
    amount: i64,
) -> u32 {
    let id = u32::try_from(g.docs.len()).expect("fewer than 2^32 documents");
    g.docs.push(DocDraft {
        kind,
        number,
        cp,
        issue,
        due,
        paid,
        amount,
    });
    id
}
