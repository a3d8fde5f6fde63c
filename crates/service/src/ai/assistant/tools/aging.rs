//! `aging`: what customers owe and what is owed to suppliers, by how late, and the customers
//! who habitually pay late.

use super::{Data, Refused, amount, capped};
use crate::ai::assistant::names::Names;
use crate::analysis::Analysis;
use flowsense_ai::ToolSpec;
use flowsense_core::Currency;
use flowsense_core::analytics::aging::{AgingSide, BUCKETS};
use serde::Deserialize;
use serde_json::{Value, json};

pub(super) const NAME: &str = "aging";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Input {}

pub(super) fn spec() -> ToolSpec {
    ToolSpec {
        name: NAME.into(),
        description: "Aging of receivables and payables: open invoices and bills by days \
overdue, who owes most, and the late payers (customers who pay invoices late, with their \
median days late)."
            .into(),
        input_schema: json!({ "type": "object", "properties": {}, "additionalProperties": false }),
    }
}

fn side(s: &AgingSide, c: Currency, names: &mut Names) -> (Value, usize) {
    let buckets: Vec<Value> = BUCKETS
        .iter()
        .zip(&s.buckets)
        .map(|(label, v)| json!({ "overdue": label, "amount": amount(*v, c) }))
        .collect();
    let (largest, truncated) = capped(
        s.by_counterparty
            .iter()
            .map(|p| json!({ "name": names.out(&p.name), "open": amount(p.total, c) })),
    );
    let figures = 2 + buckets.len() + largest.len();
    (
        json!({
            "open_total": amount(s.total, c),
            "open_count": s.count,
            "by_days_overdue": buckets,
            "largest": largest,
            "truncated": truncated,
        }),
        figures,
    )
}

pub(super) fn run(a: &Analysis, names: &mut Names, _input: Input) -> Result<Data, Refused> {
    let r = a.aging();
    let c = a.currency();
    let (receivables, f1) = side(&r.receivables, c, names);
    let (payables, f2) = side(&r.payables, c, names);
    let (late, late_truncated) = capped(r.late_payers.iter().map(|l| {
        json!({
            "customer": names.out(&l.customer),
            "paid_invoices": l.paid_invoices,
            "median_days_late": l.median_days_late,
            "open": amount(l.open_amount, c),
            "overdue": amount(l.overdue_amount, c),
        })
    }));
    let figures = f1 + f2 + late.len() * 4;
    Ok(Data {
        value: json!({
            "currency": c.as_str(),
            "as_of": r.as_of,
            "receivables": receivables,
            "payables": payables,
            "late_payers": late,
            "late_payers_truncated": late_truncated,
        }),
        rows: 0,
        figures,
    })
}
