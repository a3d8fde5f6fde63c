//! `recurring_costs`: the payments that come back on a schedule (subscriptions, rent,
//! salaries), largest first, with their cadence, typical amount and price changes.

use super::{Data, Refused, amount, capped};
use crate::ai::assistant::names::Names;
use crate::analysis::Analysis;
use flowsense_ai::ToolSpec;
use serde::Deserialize;
use serde_json::json;

pub(super) const NAME: &str = "recurring_costs";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Input {}

pub(super) fn spec() -> ToolSpec {
    ToolSpec {
        name: NAME.into(),
        description: "Recurring costs: subscriptions, rent and other payments on a schedule, \
with cadence, typical amount, next expected date and price changes, largest first, and the \
monthly commitment they add up to."
            .into(),
        input_schema: json!({ "type": "object", "properties": {}, "additionalProperties": false }),
    }
}

pub(super) fn run(a: &Analysis, names: &mut Names, _input: Input) -> Result<Data, Refused> {
    let r = a.recurring();
    let c = a.currency();
    let mut items: Vec<_> = r.items.iter().filter(|i| i.active).collect();
    items.sort_by_key(|i| (i.typical_amount, i.counterparty.clone()));
    let (rows, truncated) = capped(items.iter().map(|i| {
        json!({
            "counterparty": names.out(&i.counterparty),
            "category": i.category,
            "cadence": i.cadence.as_str(),
            "typical_amount": amount(i.typical_amount, c),
            "next_expected": i.next_expected,
            "price_change": i.price_change.as_ref().map(|p| json!({
                "from": amount(p.old_amount, c),
                "to": amount(p.new_amount, c),
                "since": p.since,
            })),
        })
    }));
    let figures = 1 + rows.len() * 2;
    Ok(Data {
        value: json!({
            "currency": c.as_str(),
            "monthly_commitment": amount(r.monthly_commitment, c),
            "active": items.len(),
            "items": rows,
            "truncated": truncated,
        }),
        rows: 0,
        figures,
    })
}
