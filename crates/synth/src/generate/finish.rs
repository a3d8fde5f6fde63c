//! Turns drafts into the public books: real currency units, references, resolved truth.

use super::{Draft, Gen};
use crate::categories::{CATEGORIES, Cat};
use crate::config::GenConfig;
use crate::model::{
    AbnormalMonth, AccountKind, DuplicatePayment, GenAccount, GenDoc, GenTxn, GeneratedBooks,
    LargePurchase, LatePayer, PriceIncrease, RecurringSeries, Truth,
};
use chrono::{Datelike, NaiveDate};
use std::collections::HashMap;
use std::sync::Arc;

const KINDS: [AccountKind; 4] = [
    AccountKind::Checking,
    AccountKind::Savings,
    AccountKind::CreditCard,
    AccountKind::Clearing,
];

pub(super) fn finish(g: Gen, config: &GenConfig) -> GeneratedBooks {
    let f = g.plan.minor_factor;
    let seed = config.seed;
    let names = g.names.into_names();
    let categories: Vec<Arc<str>> = CATEGORIES.iter().map(|&(n, _)| Arc::from(n)).collect();
    let account_names = g.spec.accounts;
    let accounts: Vec<GenAccount> = account_names
        .iter()
        .zip(KINDS)
        .zip(g.opening)
        .enumerate()
        .map(|(i, ((_, kind), opening))| GenAccount {
            // The registry's first ids are the account names, in order.
            name: names[i].clone(),
            kind,
            opening_balance_minor: opening * f,
        })
        .collect();

    let reference = |row: usize| format!("gen-{seed}-{}", row + 1);
    let mut row_of_seq: HashMap<u32, usize> = HashMap::new();
    let wanted: Vec<u32> = [
        g.plants.duplicate.map(|d| d.0),
        g.plants.duplicate.map(|d| d.1),
        g.plants.large_purchase,
    ]
    .into_iter()
    .flatten()
    .collect();
    let transactions: Vec<GenTxn> = g
        .drafts
        .iter()
        .enumerate()
        .map(|(row, d)| {
            if wanted.contains(&d.seq) {
                row_of_seq.insert(d.seq, row);
            }
            GenTxn {
                date: d.date,
                account: accounts[usize::from(d.account)].name.clone(),
                amount_minor: d.amount * f,
                currency: config.currency,
                counterparty: names[d.cp as usize].clone(),
                category: categories[usize::from(d.cat.0)].clone(),
                description: d.desc.clone(),
                reference: reference(row),
            }
        })
        .collect();
    let documents = g
        .docs
        .iter()
        .map(|d| GenDoc {
            kind: d.kind,
            number: d.number.clone(),
            counterparty: names[d.cp as usize].clone(),
            issue_date: d.issue,
            due_date: d.due,
            paid_date: d.paid,
            amount_minor: d.amount * f,
        })
        .collect();

    let name = |cp: u32| names[cp as usize].to_string();
    let row = |seq: u32| row_of_seq.get(&seq).copied().unwrap_or(0);
    let (a, b) = g.plants.duplicate.unwrap_or_default();
    let (first, second) = (&transactions[row(a)], &transactions[row(b)]);
    let duplicate_payment = DuplicatePayment {
        counterparty: first.counterparty.to_string(),
        account: first.account.to_string(),
        amount_minor: first.amount_minor,
        first_reference: first.reference.clone(),
        second_reference: second.reference.clone(),
        first_date: first.date,
        second_date: second.date,
    };
    let big = &transactions[row(g.plants.large_purchase.unwrap_or_default())];
    let large_purchase = LargePurchase {
        reference: big.reference.clone(),
        counterparty: big.counterparty.to_string(),
        category: big.category.to_string(),
        date: big.date,
        amount_minor: big.amount_minor,
    };
    let (cp, old, new, date) = g.plants.price_increase.unwrap_or((0, 0, 0, g.plan.start));
    let price_increase = PriceIncrease {
        counterparty: name(cp),
        old_amount_minor: old * f,
        new_amount_minor: new * f,
        date,
    };
    let recurring = g
        .plants
        .recurring
        .iter()
        .map(|s| RecurringSeries {
            counterparty: name(s.cp),
            category: s.cat.name().to_owned(),
            account: account_names[usize::from(s.account)].to_owned(),
            cadence: s.cadence,
            amount_minor: s.amount * f,
            fixed_amount: s.fixed,
            first_date: s.first,
            occurrences: s.count,
        })
        .collect();
    let late_payers = g
        .plants
        .late_payers
        .iter()
        .map(|&(cp, days)| LatePayer {
            name: name(cp),
            typical_days_late: days,
        })
        .collect();
    let abnormal_month = g
        .plants
        .abnormal
        .and_then(|(c, month)| abnormal(&g.drafts, &g.plan, c, month, f));
    GeneratedBooks {
        seed,
        business_name: config.business_name.clone(),
        currency: config.currency,
        start: g.plan.start,
        end: g.plan.end,
        accounts,
        transactions,
        documents,
        rates: Vec::new(),
        truth: Truth {
            duplicate_payment,
            large_purchase,
            price_increase,
            recurring,
            late_payers,
            abnormal_month,
        },
    }
}

/// Measures the abnormal month against the median of the other full months.
fn abnormal(
    drafts: &[Draft],
    plan: &crate::config::Plan,
    c: Cat,
    month: NaiveDate,
    f: i64,
) -> Option<AbnormalMonth> {
    let key = |d: NaiveDate| d.year() * 12 + d.month0().cast_signed();
    let mut totals: HashMap<i32, i64> = HashMap::new();
    for d in drafts.iter().filter(|d| d.cat == c && d.amount < 0) {
        *totals.entry(key(d.date)).or_default() -= d.amount;
    }
    let full_first = if plan.start.day() == 1 {
        key(plan.start)
    } else {
        key(plan.start) + 1
    };
    let last = key(plan.end) - 1;
    let mut others: Vec<i64> = (full_first..=last)
        .filter(|&k| k != key(month))
        .map(|k| totals.get(&k).copied().unwrap_or(0))
        .collect();
    if others.is_empty() {
        return None;
    }
    others.sort_unstable();
    Some(AbnormalMonth {
        category: c.name().to_owned(),
        month,
        usual_minor: others[others.len() / 2] * f,
        actual_minor: totals.get(&key(month)).copied().unwrap_or(0) * f,
    })
}
