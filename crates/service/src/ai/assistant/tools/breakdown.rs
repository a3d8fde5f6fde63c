//! `breakdown`: where money came from and went between two dates, by category or by
//! counterparty, largest first.

use super::cash_flow::flow;
use super::{Data, Refused, capped, check_range, date_schema};
use crate::ai::assistant::names::Names;
use crate::analysis::Analysis;
use chrono::NaiveDate;
use flowsense_ai::ToolSpec;
use flowsense_core::analytics::{Period, cashflow};
use serde::Deserialize;
use serde_json::json;

pub(super) const NAME: &str = "breakdown";

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(super) enum By {
    Category,
    Counterparty,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(super) enum Direction {
    In,
    Out,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Input {
    from: NaiveDate,
    to: NaiveDate,
    by: By,
    direction: Option<Direction>,
}

pub(super) fn spec() -> ToolSpec {
    ToolSpec {
        name: NAME.into(),
        description: "Breakdown of spending or income by category or by counterparty \
(customer, supplier) between two dates, largest first (at most 25 rows). direction: out for \
spending, in for income; both when left out."
            .into(),
        input_schema: json!({
            "type": "object",
            "properties": {
                "from": date_schema("First day, YYYY-MM-DD"),
                "to": date_schema("Last day, YYYY-MM-DD"),
                "by": { "type": "string", "enum": ["category", "counterparty"] },
                "direction": { "type": "string", "enum": ["out", "in"] }
            },
            "required": ["from", "to", "by"],
            "additionalProperties": false
        }),
    }
}

pub(super) fn run(a: &Analysis, names: &mut Names, input: Input) -> Result<Data, Refused> {
    check_range(input.from, input.to)?;
    let report = cashflow(&a.books, Some(input.from), Some(input.to), Period::Month);
    let c = a.currency();
    let mut buckets: Vec<_> = match input.by {
        By::Category => report.by_category,
        By::Counterparty => report.by_counterparty,
    };
    let size = |f: &flowsense_core::analytics::Flow| match input.direction {
        Some(Direction::In) => f.inflow.unsigned_abs(),
        Some(Direction::Out) => f.outflow.unsigned_abs(),
        None => f.inflow.unsigned_abs() + f.outflow.unsigned_abs(),
    };
    buckets.retain(|b| size(&b.flow) > 0);
    buckets.sort_by(|x, y| size(&y.flow).cmp(&size(&x.flow)).then(x.name.cmp(&y.name)));
    let (rows, truncated) = capped(buckets.iter().map(|b| {
        let name = match input.by {
            By::Counterparty => names.out(&b.name),
            By::Category => b.name.clone(),
        };
        json!({ "name": name, "flow": flow(&b.flow, c) })
    }));
    let figures = rows.len() * 3;
    Ok(Data {
        value: json!({
            "currency": c.as_str(),
            "from": input.from,
            "to": input.to,
            "by": match input.by { By::Category => "category", By::Counterparty => "counterparty" },
            "rows": rows,
            "truncated": truncated,
            "rows_in_total": buckets.len(),
        }),
        rows: 0,
        figures,
    })
}
